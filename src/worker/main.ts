// Entry of a forked dirty worker: signals and parent-death watch first, then load and init the
// apps, then serve frames on fd 4 and beat on the IPC channel until retired.
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import { DirtyProtocolError, toWire } from '../errors.js';
import { MessageType } from '../protocol/constants.js';
import { decodeCredit } from '../protocol/messages.js';
import { callHook, loadApp, type AppLoadSpec, type LoadedApp } from './app-host.js';
import { Executor } from './executor.js';
import { FrameChannel } from '../net/frame-channel.js';
import { directReads, type ReadSink } from '../net/direct-reads.js';
import { runProbe } from './probe.js';
import type { ToArbiter, WorkerBoot } from './messages.js';
import { loadWorkerInitHook, runWorkerInitHook } from './init-hook.js';

const send = (msg: ToArbiter): void => {
  if (process.connected) process.send?.(msg);
};

// The arbiter orchestrates shutdown; a terminal's Ctrl-C reaches the whole process group.
process.on('SIGINT', () => undefined);
// No orphans, whatever killed the arbiter: its IPC channel closes with it.
process.on('disconnect', () => process.exit(0));

const boot = JSON.parse(process.env['PM2_DIRTY_WORKER'] ?? 'null') as WorkerBoot | null;
if (!boot) {
  console.error('pm2-dirty worker: PM2_DIRTY_WORKER is not set; workers are started by the arbiter');
  process.exit(2);
}
delete process.env['PM2_DIRTY_WORKER'];

if (boot.mode === 'probe') {
  process.title = 'pm2-dirty: dirty-probe';
  void runProbe(boot.apps).then((report) => {
    send({ t: 'probe', apps: report });
    process.exit(0);
  });
} else {
  process.title = `pm2-dirty: dirty-worker [${boot.apps.map((a) => a.name).join(', ')}]`;
  void serve(boot);
}

async function initApps(specs: readonly AppLoadSpec[]): Promise<Map<string, LoadedApp>> {
  const apps = new Map<string, LoadedApp>();
  for (const spec of specs) {
    const app = await loadApp(spec);
    await callHook(app, 'init');
    apps.set(spec.name, app);
  }
  return apps;
}

async function closeApps(apps: ReadonlyMap<string, LoadedApp>): Promise<void> {
  for (const app of apps.values()) {
    try {
      await callHook(app, 'close');
    } catch (err) {
      console.error(`pm2-dirty worker ${process.pid}: close() of ${app.name} threw:`, err);
    }
  }
}

/** A request that spans reads is assembled as it arrives, read straight into its buffer (net/direct-reads.ts). */
const ASSEMBLED: ReadonlySet<MessageType> = new Set([MessageType.REQUEST]);

async function serve(boot: Extract<WorkerBoot, { mode: 'serve' }>): Promise<void> {
  const { concurrency, heartbeatIntervalMs } = boot;
  const hook = loadWorkerInitHook(boot);
  let apps: Map<string, LoadedApp>;
  try {
    apps = await initApps(boot.apps);
  } catch (err) {
    send({ t: 'init-failed', error: toWire(err) });
    console.error(`pm2-dirty worker ${process.pid}: app init failed:`, err);
    process.exit(3);
  }
  // The channel below takes the socket's reads (net/direct-reads.ts: a request that spans reads is read
  // straight into its buffer). `onread` is taken by the Socket constructor itself, as net.connect passes
  // its options there; @types/node 20 lists it for connect only.
  const to: { reads?: ReadSink } = {};
  const options: SocketConstructorOpts & { onread: OnReadOpts } = { fd: 4, readable: true, writable: true, onread: directReads(() => to.reads) };
  const socket = new Socket(options);
  const channel: FrameChannel = new FrameChannel(
    socket,
    (type, id, buf, start, end) => {
      if (type === MessageType.REQUEST) executor.onRequest(id, buf, start, end);
      else if (type === MessageType.CANCEL) executor.onCancel(id);
      else if (type === MessageType.CREDIT) executor.onCredit(id, decodeCredit(buf, start, end));
      else console.error(`pm2-dirty worker ${process.pid}:`, new DirtyProtocolError(`unexpected frame type ${type}`));
    },
    (err) => {
      console.error(`pm2-dirty worker ${process.pid}: channel error:`, err);
      process.exit(1);
    },
    { assemble: ASSEMBLED },
  );
  to.reads = channel;
  const executor = new Executor(apps, channel, concurrency);
  let retiring = false;
  const retire = async (): Promise<void> => {
    if (retiring) return;
    retiring = true;
    await executor.idle();
    await channel.end();
    await closeApps(apps);
    process.exit(0);
  };
  process.on('SIGTERM', () => void retire());
  process.on('message', (msg: { t?: string }) => {
    if (msg.t === 'retire') void retire();
  });
  const beat = (): void => {
    const mem = process.memoryUsage();
    send({ t: 'hb', rss: mem.rss, heapUsed: mem.heapUsed, inflight: executor.inflight, served: executor.served });
  };
  setInterval(beat, heartbeatIntervalMs).unref();
  await runWorkerInitHook(boot, hook);
  send({ t: 'ready', pid: process.pid });
}
