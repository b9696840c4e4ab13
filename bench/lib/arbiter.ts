// Starts the built arbiter (dist/pm2/main.js) as a plain Node process with a temp config and a
// short socket path (same idea as integration/helpers/arbiter.ts), watches its stdout line by
// line with arrival timestamps, and gives a client from the built package (dist/client).
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as ClientModule from '../../src/client/index.js';
import { exited, started, stop, within } from './proc.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = join(ROOT, 'dist/pm2/main.js');
export const BENCH_APPS = join(ROOT, 'bench/helpers/apps.mjs');
/** The arbiter's node flags as pm2 starts it (package.json apps[0].node_args): the bench runs what users run. */
export const ARBITER_NODE_ARGS: readonly string[] =
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { apps?: { node_args?: string[] }[] }).apps?.[0]?.node_args ?? [];

export type DirtyClient = ClientModule.DirtyClient;

/** The client as shipped (dist), typed from src: the same code the arbiter was built from. */
export async function loadClient(dist = join(ROOT, 'dist')): Promise<typeof ClientModule> {
  return (await import(pathToFileURL(join(dist, 'client/index.js')).href)) as typeof ClientModule;
}

export interface LineEvent {
  readonly match: RegExpExecArray;
  /** performance.now() when the chunk holding the line arrived. */
  readonly at: number;
}

export interface BenchArbiter {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly socketPath: string;
  readonly client: DirtyClient;
  /** Registers now; resolves on the next stdout/stderr line matching `re`. */
  nextLine(re: RegExp, timeoutMs?: number): Promise<LineEvent>;
  output(): string;
  stop(): Promise<void>;
}

export interface ArbiterSetup {
  /** Unique name: the config file and socket are `<name>.config.mjs` / `<name>.sock` in `dir`. */
  readonly name: string;
  readonly dir: string;
  readonly config: Record<string, unknown>;
  readonly env?: Record<string, string>;
  /** Node options for the arbiter (its workers inherit them), e.g. ['--cpu-prof']. @default ARBITER_NODE_ARGS */
  readonly execArgv?: readonly string[];
  /** A built dist/ directory to run, arbiter and client both (bench:ab compares builds). @default ROOT/dist */
  readonly dist?: string;
}

export async function startArbiter(setup: ArbiterSetup): Promise<BenchArbiter> {
  const { createClient } = await loadClient(setup.dist);
  const socketPath = join(setup.dir, `${setup.name}.sock`);
  const configPath = join(setup.dir, `${setup.name}.config.mjs`);
  writeFileSync(configPath, `export default ${JSON.stringify(setup.config, null, 2)};\n`);
  const child = fork(setup.dist === undefined ? MAIN : join(setup.dist, 'pm2/main.js'), [], {
    // No tsx loader in the arbiter (nor, through it, in its workers): they run as shipped.
    execArgv: [...(setup.execArgv ?? ARBITER_NODE_ARGS)],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, PM2_HOME: join(setup.dir, `${setup.name}-pm2`), PM2_DIRTY_CONFIG: configPath, PM2_DIRTY_SOCKET: socketPath, ...setup.env },
  });
  started.add(child);
  void exited(child).then(() => started.delete(child));
  let output = '';
  let partial = '';
  const watchers = new Set<{ re: RegExp; hit: (e: LineEvent) => void }>();
  const onData = (data: Buffer): void => {
    const at = performance.now();
    const text = partial + data.toString();
    output += data.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      for (const w of [...watchers]) {
        const match = w.re.exec(line);
        if (match) {
          watchers.delete(w);
          w.hit({ match, at });
        }
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  await within(
    new Promise<void>((resolve, reject) => {
      child.on('message', (m: unknown) => {
        if (m === 'ready') resolve();
      });
      child.once('exit', (code, signal) => reject(new Error(`arbiter ${setup.name} exited before ready (code ${code}, signal ${signal}):\n${output}`)));
    }),
    30_000,
    `arbiter ${setup.name} to be ready`,
  );
  const client = createClient({ socketPath, timeoutMs: 30_000 });
  const pid = child.pid ?? 0;
  return {
    child,
    pid,
    socketPath,
    client,
    nextLine: (re, timeoutMs = 15_000) => {
      const hit = new Promise<LineEvent>((resolve) => watchers.add({ re, hit: resolve }));
      return within(hit, timeoutMs, `arbiter ${setup.name} to log ${re}`);
    },
    output: () => output,
    stop: async () => {
      await client.close().catch(() => undefined);
      await stop(child, 'SIGTERM', 20_000);
    },
  };
}

/** The shape of the STATUS answer that the benchmark reads. */
export interface StatusView {
  readonly live: number;
  readonly target: number;
  readonly workers: readonly { readonly pid: number | null; readonly state: string }[];
}

export async function status(a: BenchArbiter): Promise<StatusView> {
  return (await a.client.status()) as StatusView;
}
