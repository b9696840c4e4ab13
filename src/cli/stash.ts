// `pm2-dirty stash ls|get|put|del|clear`: the arbiter's shared tables. Keys are strings; values JSON.
import type { Command } from 'commander';
import { durationMs, jsonArg } from './args.js';
import { CliError, Exit, toJson } from './exit.js';
import { type GlobalOptions, withClient } from './session.js';

const MISSING = Symbol('missing');

export function registerStash(program: Command, globals: () => GlobalOptions): void {
  const stash = program.command('stash').description('read and change the shared tables (docs/stash.md)');
  stash
    .command('ls')
    .description('list the tables, or the keys of one table (optionally matching a glob pattern)')
    .argument('[table]')
    .argument('[pattern]', 'glob, e.g. "user:*"')
    .action(async (table: string | undefined, pattern: string | undefined) => {
      const names = await withClient(globals(), (c) => (table === undefined ? c.stash.tables() : c.stash.keys(table, pattern)));
      for (const n of names) process.stdout.write(`${typeof n === 'string' ? n : toJson(n)}\n`);
    });
  stash
    .command('get')
    .description('print a value as JSON (exit 1 when the key is missing)')
    .argument('<table>')
    .argument('<key>')
    .action(async (table: string, key: string) => {
      const v = await withClient(globals(), (c) => c.stash.get(table, key, MISSING));
      if (v === MISSING) throw new CliError(Exit.FAILED, `no key ${JSON.stringify(key)} in table ${JSON.stringify(table)}`);
      process.stdout.write(`${toJson(v)}\n`);
    });
  stash
    .command('put')
    .description('store a JSON value')
    .argument('<table>')
    .argument('<key>')
    .argument('<json>', 'the value, as JSON (strings quoted)', jsonArg)
    .option('--ttl <ms>', 'expire after this many ms', durationMs)
    .action(async (table: string, key: string, value: unknown, o: { ttl?: number }) => {
      await withClient(globals(), (c) => c.stash.put(table, key, value, o.ttl !== undefined ? { ttlMs: o.ttl } : {}));
    });
  stash
    .command('del')
    .description('delete a key (exit 1 when it was not there)')
    .argument('<table>')
    .argument('<key>')
    .action(async (table: string, key: string) => {
      const existed = await withClient(globals(), (c) => c.stash.delete(table, key));
      if (!existed) throw new CliError(Exit.FAILED, `no key ${JSON.stringify(key)} in table ${JSON.stringify(table)}`);
    });
  stash
    .command('clear')
    .description('delete every key of a table')
    .argument('<table>')
    .action(async (table: string) => {
      await withClient(globals(), (c) => c.stash.clear(table));
    });
  for (const cmd of stash.commands) cmd.exitOverride();
  stash.exitOverride();
}
