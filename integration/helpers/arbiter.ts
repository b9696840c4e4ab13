// Starts the built arbiter (dist/pm2/main.js) as a real process with a temp config, a short
// socket path and its own PM2_HOME; collects its log; stops it and checks nothing is left.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type DirtyClient } from '../../src/client/index.js';
import { waitFor } from './wait-for.js';
import { isAlive, workersOf } from './procs.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = join(ROOT, 'dist/pm2/main.js');
export const FIXTURES = join(ROOT, 'integration/fixtures/apps.mjs');

export interface RunningArbiter {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly dir: string;
  readonly socketPath: string;
  readonly log: () => string;
  readonly client: (timeoutMs?: number) => DirtyClient;
  /** Worker processes (pids) currently children of the arbiter. */
  readonly workerPids: () => number[];
  readonly waitForLog: (re: RegExp, timeoutMs?: number) => Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stop: () => Promise<void>;
}

export interface ArbiterOptions {
  /** The config object (written as JSON), or the config module's source text. */
  readonly config: Record<string, unknown> | string;
  readonly env?: Record<string, string>;
  /** Resolve as soon as the process is up, without waiting for 'ready'. */
  readonly noWait?: boolean;
  /** Node flags of the arbiter (pm2's node_args). @default [] */
  readonly execArgv?: readonly string[];
  /** The socket path. @default `<dir>/s.sock` */
  readonly socketPath?: string;
}

/** Writes `config` as an ESM config file next to nothing else; app specs may use FIXTURES. */
export function writeConfig(dir: string, config: Record<string, unknown> | string): string {
  const path = join(dir, 'dirty.config.mjs');
  writeFileSync(path, typeof config === 'string' ? config : `export default ${JSON.stringify(config, null, 2)};\n`);
  return path;
}

export async function startArbiter(opts: ArbiterOptions & { readonly dir?: string; readonly keepDir?: boolean }): Promise<RunningArbiter> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'da-'));
  const socketPath = opts.socketPath ?? join(dir, 's.sock');
  const configPath = writeConfig(dir, opts.config);
  let output = '';
  const proc = fork(MAIN, [], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: [...(opts.execArgv ?? [])],
    env: { ...process.env, PM2_HOME: join(dir, 'pm2'), PM2_DIRTY_CONFIG: configPath, PM2_DIRTY_SOCKET: socketPath, ...opts.env },
  });
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = proc.pid ?? 0;
  const clients: DirtyClient[] = [];
  const a: RunningArbiter = {
    proc,
    pid,
    dir,
    socketPath,
    log: () => output,
    client: (timeoutMs) => {
      const c = createClient({ socketPath, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
      clients.push(c);
      return c;
    },
    workerPids: () => workersOf(pid).map((p) => p.pid),
    waitForLog: async (re, timeoutMs = 15_000) => {
      await waitFor(() => re.test(output), `log line ${re}`, timeoutMs);
    },
    exited,
    stop: async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      const workers = a.workerPids();
      if (isAlive(pid)) {
        proc.kill('SIGTERM');
        await Promise.race([exited, waitFor(() => !isAlive(pid), 'arbiter exit', 20_000)]);
      }
      await waitFor(() => workers.every((w) => !isAlive(w)), 'workers to exit', 10_000).catch(() => {
        for (const w of workers) if (isAlive(w)) process.kill(w, 'SIGKILL');
      });
      if (opts.keepDir !== true) rmSync(dir, { recursive: true, force: true });
    },
  };
  if (!opts.noWait) {
    await new Promise<void>((resolve, reject) => {
      const onMsg = (m: unknown): void => {
        if (m === 'ready') {
          proc.off('message', onMsg);
          resolve();
        }
      };
      proc.on('message', onMsg);
      void exited.then(({ code, signal }) => reject(new Error(`arbiter exited before ready (code ${code}, signal ${signal}):\n${output}`)));
    });
  }
  return a;
}

/** Arbiters started by one test file: each is stopped (and checked for leftovers) after all its tests. */
export function stopAfterAll(t: { after: { always: (fn: () => Promise<void>) => void } }): { push(a: RunningArbiter): void } {
  const running: RunningArbiter[] = [];
  t.after.always(async () => {
    await Promise.all(running.map((a) => a.stop()));
  });
  return { push: (a) => running.push(a) };
}

export interface BystanderReport {
  readonly calls: number;
  /** The longest round trip of one echo call, in ms. */
  readonly maxMs: number;
  readonly failures: readonly string[];
}

/**
 * Starts a bystander process calling `app`.echo back to back on the arbiter's socket (its own process, so
 * the test's own work never delays it). `stop()` ends it and returns what it saw.
 */
export async function startBystander(a: RunningArbiter, app: string): Promise<{ stop: () => Promise<BystanderReport> }> {
  const proc = fork(join(ROOT, 'integration/helpers/bystander.mjs'), [app], {
    env: { ...process.env, PM2_DIRTY_SOCKET: a.socketPath },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    proc.once('message', () => resolve());
    void exited.then(() => reject(new Error('the bystander exited before its first call')));
  });
  return {
    stop: async () => {
      const report = new Promise<BystanderReport>((resolve) => proc.once('message', (m) => resolve(m as BystanderReport)));
      proc.send('stop');
      const r = await report;
      await exited;
      return r;
    },
  };
}

/** VmRSS of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}
