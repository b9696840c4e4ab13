// `pm2-dirty call <app> <action> [json args...]`: one call (or a stream) through the arbiter.
import { once } from 'node:events';
import type { Command } from 'commander';
import { jsonArg } from './args.js';
import { CliError, Exit, toJson } from './exit.js';
import { type GlobalOptions, withClient } from './session.js';

interface CallFlags {
  readonly stream?: boolean;
  readonly kwargs?: unknown;
  readonly raw?: boolean;
}

/** A value as one output line: JSON, or with --raw a string or bytes as they are. */
function line(value: unknown, raw: boolean): string | Uint8Array {
  if (raw && typeof value === 'string') return value;
  if (raw && value instanceof Uint8Array) return value;
  return `${toJson(value)}\n`;
}

export function registerCall(program: Command, globals: () => GlobalOptions): void {
  program
    .command('call')
    .description('call an action of a dirty app and print its result as JSON (strings must be quoted JSON: \'"text"\')')
    .argument('<app>', 'app name (as in status)')
    .argument('<action>', 'action (method) name')
    .argument('[args...]', 'positional arguments, each a JSON value')
    .option('--stream', 'the action is a generator: print each item as it arrives, one per line')
    .option('--kwargs <json>', 'keyword arguments, a JSON object', jsonArg)
    .option('--raw', 'print string and bytes results as they are, not as JSON')
    .action(async (app: string, action: string, rawArgs: string[], o: CallFlags) => {
      const args = rawArgs.map((a, i) => {
        try {
          return JSON.parse(a) as unknown;
        } catch {
          throw new CliError(Exit.USAGE, `argument ${i + 1} is not JSON: ${a} (quote strings: '"${a}"')`);
        }
      });
      if (o.kwargs !== undefined && (typeof o.kwargs !== 'object' || o.kwargs === null || Array.isArray(o.kwargs))) {
        throw new CliError(Exit.USAGE, '--kwargs must be a JSON object');
      }
      const kwargs = o.kwargs as Record<string, unknown> | undefined;
      const options = kwargs ? { kwargs } : {};
      const raw = o.raw === true;
      await withClient(
        globals(),
        async (c) => {
          if (o.stream === true) {
            // Wait for a full stdout (a slow pipe): the stream's window then fills and the generator waits,
            // instead of this process taking the whole stream into memory.
            for await (const item of c.openStream(app, action, args, options)) {
              if (!process.stdout.write(line(item, raw))) await once(process.stdout, 'drain');
            }
          } else {
            process.stdout.write(line(await c.call(app, action, args, options), raw));
          }
        },
        false,
      );
    });
}
