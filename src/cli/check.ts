// `pm2-dirty check <config>`: the arbiter's own config validation and app probe, without a pool.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { probeApps } from '../arbiter/probe-apps.js';
import { loadConfig } from '../config/load.js';
import { computeBounds } from '../core/scaling.js';
import { Exit } from './exit.js';
import { plural } from './status-table.js';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('validate a config file and load its apps in a probe process (exit 0, or 78 with one line per problem)')
    .argument('<config>', 'path of the config module')
    .action(async (path: string) => {
      // The same overrides the arbiter would apply (pm2 set values in env `pm2-dirty`), but this file.
      const file = resolve(path);
      // A config whose top-level await never settles leaves nothing to run: Node would exit 0 here.
      const neverLoaded = (): void => {
        process.stderr.write(`${file}: the config never finished loading (a top-level await that never settles?)\n`);
        process.exitCode = Exit.CONFIG;
      };
      process.once('beforeExit', neverLoaded);
      // One that never settles while a timer or socket of its own keeps the loop alive: the load deadline.
      const r = await loadConfig(probeApps, { ...process.env, PM2_DIRTY_CONFIG: file }, { keepAlive: false });
      process.off('beforeExit', neverLoaded);
      if (!r.ok) {
        for (const e of r.errors) process.stderr.write(`${e}\n`);
        process.exitCode = Exit.CONFIG;
        // Its pending import may hold the loop forever: leave now (stderr is written synchronously to a pipe or file).
        if (r.timedOut === true) process.exit(Exit.CONFIG);
        return;
      }
      const c = r.config;
      const b = computeBounds(
        c.resolvedApps.map((a) => ({ name: a.name, limit: a.limit })),
        c.maxWorkers,
      );
      process.stdout.write(`${c.configPath}: ok\n`);
      process.stdout.write(`apps: ${c.resolvedApps.map((a) => (a.limit === null ? a.name : `${a.name} (at most ${plural(a.limit, 'worker')})`)).join(', ')}\n`);
      process.stdout.write(`workers: ${c.workers ?? b.minimum} (minimum ${b.minimum}, maximum ${b.maximum}: ${b.maximumReason})\n`);
    });
}
