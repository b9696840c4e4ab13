// pm2 module entry (also runnable as `node dist/pm2/main.js`): signal handlers first, then
// @pm2/io actions and metrics, then config, then the arbiter; `ready` once workers are up.
import io from '@pm2/io';
import { Arbiter } from '../arbiter/arbiter.js';
import { consoleLogger as log } from '../arbiter/logger.js';
import { loadConfig } from '../config/load.js';
import type { ScaleCommand } from '../core/types.js';
import { registerMetrics } from './metrics.js';
import { parseScaleParams, type ScaleAction } from './params.js';

/** Exit code for a bad config: pm2 is told not to restart on it (stop_exit_codes). */
export const EXIT_CONFIG = 78;

process.title = 'pm2-dirty: dirty-arbiter';
// eslint-disable-next-line prefer-const -- assigned once the config is loaded, read by handlers installed before that
let arbiter: Arbiter | undefined;
const early: { cmd: ScaleCommand; source: string }[] = [];
let shuttingDown = false;

const scale = (cmd: ScaleCommand, source: string): void => {
  if (arbiter) arbiter.scale(cmd, source);
  else early.push({ cmd, source });
};

// 1. Signals, synchronously: an unhandled TTIN/TTOU would stop the process from a terminal.
process.on('SIGTTIN', () => scale({ kind: 'add', n: 1 }, 'SIGTTIN'));
process.on('SIGTTOU', () => scale({ kind: 'remove', n: 1 }, 'SIGTTOU'));
const shutdown = (why: string, code = 0): void => {
  if (shuttingDown) return;
  shuttingDown = true;
  log.info(`${why}: stopping the dirty pool`);
  const done = arbiter ? arbiter.stop() : Promise.resolve();
  done.then(() => process.exit(code), (err: unknown) => {
    log.error(`shutdown failed: ${String(err)}`);
    process.exit(1);
  });
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('message', (msg: unknown) => {
  if (msg === 'shutdown') shutdown('shutdown message');
});
// Started with an IPC channel (pm2, a test) and the parent vanished: do not linger.
process.on('disconnect', () => shutdown('parent process gone'));
process.on('uncaughtException', (err) => {
  log.error(`uncaught exception: ${err.stack ?? String(err)}`);
  for (const w of arbiter?.pool.workers.values() ?? []) w.process.kill('SIGKILL');
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  log.error(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  for (const w of arbiter?.pool.workers.values() ?? []) w.process.kill('SIGKILL');
  process.exit(1);
});

// 2. @pm2/io: init first (a later init drops earlier registrations), without default metrics.
io.init({ metrics: { v8: false, eventLoop: false, runtime: false, http: false, network: false }, tracing: { enabled: false } } as Parameters<typeof io.init>[0]);
registerMetrics(io, () => arbiter);
const notReady = { ok: false, message: 'the dirty arbiter is not ready yet' };
for (const action of ['scale-up', 'scale-down', 'scale-to'] as const satisfies readonly ScaleAction[]) {
  io.action(action, (param: unknown, reply: (data: unknown) => void) => {
    try {
      const p = parseScaleParams(action, param);
      if (!p.ok) reply({ ok: false, message: p.message });
      else if (!arbiter) reply(notReady);
      else reply(arbiter.scale(p.command, action));
    } catch (err) {
      reply({ ok: false, message: (err as Error).message });
    }
  });
}
io.action('status', (reply: (data: unknown) => void) => {
  try {
    reply(arbiter ? arbiter.status() : notReady);
  } catch (err) {
    reply({ ok: false, message: (err as Error).message });
  }
});

// 3. Config, then the arbiter.
const loaded = await loadConfig();
if (!loaded.ok) {
  for (const e of loaded.errors) log.error(`bad config: ${e}`);
  log.error(`not starting (exit ${EXIT_CONFIG}; pm2 will not restart until the config is fixed and the process restarted)`);
  process.exit(EXIT_CONFIG);
}
arbiter = new Arbiter(loaded.config, log);
try {
  const a = arbiter;
  const starting = a.start();
  for (const { cmd, source } of early.splice(0)) a.scale(cmd, source);
  await starting;
  log.info(`Dirty arbiter ready: ${a.pool.live} workers (target ${a.pool.target}, minimum ${a.pool.bounds.minimum}, maximum ${a.pool.bounds.maximum})`);
  process.send?.('ready');
} catch (err) {
  log.error(`cannot start: ${(err as Error).message}`);
  for (const w of arbiter.pool.workers.values()) w.process.kill('SIGKILL');
  process.exit(1);
}
