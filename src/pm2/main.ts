// pm2 module entry (also runnable as `node dist/pm2/main.js`): signal handlers first, then
// @pm2/io actions and metrics, then config, then the arbiter; `ready` once workers are up.
import io from '@pm2/io';
import { setTimeout as delay } from 'node:timers/promises';
import { Arbiter } from '../arbiter/arbiter.js';
import { SocketPathError } from '../arbiter/socket-file.js';
import { consoleLogger as log } from '../arbiter/logger.js';
import { probeApps } from '../arbiter/probe-apps.js';
import { loadConfig } from '../config/load.js';
import type { ScaleCommand } from '../core/types.js';
import { workersText } from '../core/scaling.js';
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
  done.then(
    () => process.exit(code),
    (err: unknown) => {
      log.error(`shutdown failed: ${String(err)}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
// SIGHUP: rolling reload (re-read the config, replace every worker one at a time).
process.on('SIGHUP', () => {
  if (!arbiter) log.warn('SIGHUP: the dirty arbiter is not started yet; nothing to reload');
  else void arbiter.reload();
});
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
io.init({ metrics: { v8: false, eventLoop: false, runtime: false, http: false, network: false }, tracing: { enabled: false } } as Parameters<
  typeof io.init
>[0]);
registerMetrics(io, () => arbiter);

// Actions reply exactly once. Until the config is loaded they wait for the arbiter (pm2 trigger has
// no timeout, so they are answered with an error if the config turns out bad).
type Reply = (data: unknown) => void;
const waiting: ((a: Arbiter | undefined, why: string) => void)[] = [];
/**
 * pm2 7.0.4's `pm2 trigger` counts replies against the process count of its RPC answer and exits
 * on equality only when a reply arrives (lib/API/Extra.js); a reply that reaches the CLI before
 * that answer leaves it hanging forever. An immediate reply races that answer: 5 of 600
 * sequential `pm2 trigger pm2-dirty status` on a loaded 2-core box hung; with the reply 50 ms
 * later, 0 of 600 did. (Concurrent triggers on one app confuse each other's CLI whatever we do.)
 */
const REPLY_DELAY_MS = 50;
const withArbiter = (sendReply: Reply, run: (a: Arbiter) => unknown): void => {
  const reply: Reply = (data) => void setTimeout(() => sendReply(data), REPLY_DELAY_MS);
  const answer = (a: Arbiter | undefined, why: string): void => {
    if (!a) {
      reply({ ok: false, message: why });
      return;
    }
    // `run` may be async (reload); either way exactly one reply, also on error.
    Promise.resolve()
      .then(() => run(a))
      .then(reply, (err: unknown) => reply({ ok: false, message: (err as Error).message }));
  };
  if (arbiter) answer(arbiter, '');
  else waiting.push(answer);
};
const arbiterKnown = (a: Arbiter | undefined, why = ''): void => {
  for (const answer of waiting.splice(0)) answer(a, why);
};
/** A refused action still reports the pool, so every scale reply has the same shape. */
const refused = (a: Arbiter, message: string): unknown => a.reply({ target: a.pool.target, previous: a.pool.target }, false, message);

// The arity is how @pm2/io decides what to pass (fn.length): exactly 2 for (param, reply), 1 for (reply).
for (const action of ['scale-up', 'scale-down', 'scale-to'] as const satisfies readonly ScaleAction[]) {
  io.action(action, (param: unknown, reply: Reply) => {
    withArbiter(reply, (a) => {
      const p = parseScaleParams(action, param);
      if (!p.ok) {
        log.warn(`${action}: refused: ${p.message}`);
        return refused(a, p.message);
      }
      return a.scale(p.command, action);
    });
  });
}
io.action('status', (reply: Reply) => {
  withArbiter(reply, (a) => a.status());
});
io.action('reload', (reply: Reply) => {
  withArbiter(reply, (a) => a.reload());
});

// 3. Config, then the arbiter.
const loaded = await loadConfig(probeApps);
if (!loaded.ok && loaded.timedOut === true) {
  // Its pending import may hold the event loop forever: say why in one line and exit 78 (below).
  log.error(`cannot start: ${loaded.errors.join('; ')} (exit ${EXIT_CONFIG}, which pm2 does not restart until it is fixed)`);
} else if (!loaded.ok) {
  // One log line per problem, then what happens.
  for (const e of loaded.errors) log.error(`bad config: ${e}`);
  const n = loaded.errors.length === 1 ? '1 problem' : `${loaded.errors.length} problems`;
  log.error(`not starting: ${n} in the config (exit ${EXIT_CONFIG}, which pm2 does not restart until it is fixed)`);
  // `pm2 set` restarts the module; `pm2 unset` only edits the stored settings.
  log.error(`fix it with \`pm2 set pm2-dirty:<key> <value>\`, or \`pm2 unset pm2-dirty:<key>\` followed by \`pm2 restart pm2-dirty\``);
}
if (!loaded.ok) {
  const why = loaded.errors.join('; ');
  if (waiting.length > 0) {
    arbiterKnown(undefined, `bad config: ${why}`);
    await delay(REPLY_DELAY_MS + 100); // let those replies leave before exiting
  }
  process.exit(EXIT_CONFIG);
}
arbiter = new Arbiter(loaded.config, log);
try {
  const a = arbiter;
  const starting = a.start();
  for (const { cmd, source } of early.splice(0)) a.scale(cmd, source);
  arbiterKnown(a);
  await starting;
  if (!shuttingDown) {
    log.info(`Dirty arbiter ready: ${workersText(a.pool.live)} (target ${a.pool.target}, minimum ${a.pool.bounds.minimum}, maximum ${a.pool.bounds.maximum})`);
    process.send?.('ready');
  }
} catch (err) {
  log.error(`cannot start: ${(err as Error).message}`);
  for (const w of arbiter.pool.workers.values()) w.process.kill('SIGKILL');
  // A socket path that cannot be used (unsafe, too long, or served by another live arbiter): restarting
  // would not help, so pm2 must not loop on it.
  process.exit(err instanceof SocketPathError ? EXIT_CONFIG : 1);
}
