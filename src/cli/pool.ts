// Pool commands: status, top, ready, scale up|down|to, reload.
import type { Command } from 'commander';
import type { ArbiterStatus } from '../arbiter/status.js';
import type { DirtyClient } from '../client/client.js';
import { Exit, toJson } from './exit.js';
import { durationMs, nonNegativeInt, positiveInt } from './args.js';
import { type GlobalOptions, withClient } from './session.js';
import { formatStatus } from './status-table.js';
import { workersText } from '../core/scaling.js';

type Globals = () => GlobalOptions;

/** A reply the arbiter marked `ok: false`: printed, and the process exits 1. */
function report(reply: unknown, json: boolean, line: (r: Record<string, unknown>) => string): void {
  const r = (reply ?? {}) as Record<string, unknown>;
  process.stdout.write(`${json ? toJson(r, 2) : line(r)}\n`);
  if (r['ok'] !== true) process.exitCode = Exit.FAILED;
}

const status = (c: DirtyClient): Promise<ArbiterStatus> => c.status() as Promise<ArbiterStatus>;

/** Why the pool does not serve, or null when it does: every app has a ready worker and nothing is stopping. */
export function notServing(s: ArbiterStatus): string | null {
  const ready = s.workers.filter((w) => w.state === 'ready');
  if (ready.length === 0) return `no ready worker (live ${s.live}, target ${s.target})`;
  const missing = s.apps.filter((a) => !ready.some((w) => w.apps.includes(a.name))).map((a) => a.name);
  return missing.length > 0 ? `no ready worker holds ${missing.join(', ')}` : null;
}

export function registerPool(program: Command, globals: Globals): void {
  program
    .command('status')
    .description('workers, apps and their holders, bounds, calls, queue, breaker')
    .option('--json', 'the raw status report as JSON')
    .action(async (o: { json?: boolean }) => {
      const s = await withClient(globals(), status);
      process.stdout.write(`${o.json === true ? toJson(s, 2) : formatStatus(s)}\n`);
    });

  program
    .command('top')
    .description('status, refreshed live (Ctrl-C to leave)')
    .option('--interval <ms>', 'refresh period', durationMs, 1000)
    .option('-n, --iterations <n>', 'stop after this many refreshes', positiveInt)
    .action(async (o: { interval: number; iterations?: number }) => {
      await withClient(globals(), async (c) => {
        for (let i = 0; o.iterations === undefined || i < o.iterations; i++) {
          if (i > 0) await new Promise((r) => setTimeout(r, o.interval));
          const text = formatStatus(await status(c));
          // Clear the screen on a terminal; a pipe gets one report after another.
          process.stdout.write(process.stdout.isTTY ? `\x1b[H\x1b[2J${text}\n` : `${text}\n\n`);
        }
      });
    });

  program
    .command('ready')
    .description('exit 0 only if the pool serves (every app has a ready worker); for probes and scripts')
    .option('-q, --quiet', 'print nothing')
    .action(async (o: { quiet?: boolean }) => {
      const s = await withClient(globals(), status);
      const why = notServing(s);
      if (o.quiet !== true) process.stdout.write(why === null ? `ready: ${workersText(s.live)}\n` : `not ready: ${why}\n`);
      if (why !== null) process.exitCode = Exit.FAILED;
    });

  const scale = program.command('scale').description('change the target number of workers');
  const scaleLine = (r: Record<string, unknown>): string => `${String(r['message'])} (target ${String(r['target'])}, live ${String(r['live'])})`;
  const scaleCmd = (name: string, op: 'add' | 'remove' | 'set', desc: string, required: boolean): void => {
    scale
      .command(name)
      .argument(required ? '<n>' : '[n]', 'number of workers', op === 'set' ? nonNegativeInt : positiveInt)
      .description(desc)
      .option('--json', 'the reply as JSON')
      .action(async (n: number | undefined, o: { json?: boolean }) => {
        const count = n ?? 1;
        const reply = await withClient(globals(), (c) => c.manage(op, count));
        report(reply, o.json === true, scaleLine);
      });
  };
  scaleCmd('up', 'add', 'add n workers (default 1)', false);
  scaleCmd('down', 'remove', 'remove n workers (default 1)', false);
  scaleCmd('to', 'set', 'set the target to n workers', true);
  for (const cmd of scale.commands) cmd.exitOverride();
  scale.exitOverride();

  program
    .command('reload')
    .description('rolling reload: re-read the config, replace every worker one at a time')
    .option('--json', 'the reply as JSON')
    .action(async (o: { json?: boolean }) => {
      const reply = await withClient(globals(), (c) => c.reload());
      const changes = (r: Record<string, unknown>): string[] => ((r['changes'] as string[] | undefined) ?? []).map((l) => `  config change: ${l}`);
      report(reply, o.json === true, (r) => [String(r['message']), ...changes(r)].join('\n'));
    });
}
