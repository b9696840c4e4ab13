// The transports under test, each reduced to "one 64-byte echo" and "one 1 MiB echo" calls:
// our arbiter through our client, the raw Unix-socket floors (1 and 2 hops), workerpool in
// process mode and piscina (threads). Each lists the child processes whose CPU time it uses.
import { Buffer } from 'node:buffer';
import type { ChildProcess } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import workerpool from 'workerpool';
import { FloorClient } from '../helpers/floor-client.mjs';
import { frameReader, header } from '../helpers/legacy-floor/frames.mjs';
import { ARBITER_NODE_ARGS, BENCH_APPS, ROOT, startArbiter, status, type BenchArbiter } from './arbiter.js';

/** BENCH_FLOOR_NODE_ARGS=default: the floor without our flags (for comparison). */
const FLOOR_NODE_ARGS = process.env['BENCH_FLOOR_NODE_ARGS'] === 'default' ? [] : ARBITER_NODE_ARGS;
import { childrenMatching, forkReady, stop, within } from './proc.js';

/** 64 ASCII characters: the small argument for the JSON/TLV transports. */
export const SMALL_TEXT = 'x'.repeat(64);
/** 64 bytes: the small payload for the raw floors (they carry bytes, not values). */
export const SMALL_BYTES = Buffer.alloc(64, 0x78);
export const BIG_BYTES = 1024 * 1024;
export const BIG = Buffer.alloc(BIG_BYTES, 0xab);

export interface Transport {
  readonly key: string;
  readonly label: string;
  /** One 64-byte echo. */
  readonly small: () => Promise<unknown>;
  /** One 1 MiB echo (undefined: not measured for this transport). */
  readonly big: (() => Promise<unknown>) | undefined;
  /** Processes other than this one whose CPU time belongs to the transport, by role. */
  readonly processes: () => readonly { readonly role: string; readonly pid: number }[];
  readonly close: () => Promise<void>;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench: ${what} returned a wrong echo; the numbers would be meaningless`);
}

/** Verifies both calls once (outside any timed loop). */
export async function verify(t: Transport): Promise<void> {
  const small = await t.small();
  check(small === SMALL_TEXT || (Buffer.isBuffer(small) && small.equals(SMALL_BYTES)), `${t.label} small`);
  if (t.big) {
    const big = await t.big();
    check(big instanceof Uint8Array && big.length === BIG_BYTES && big[0] === 0xab && big[BIG_BYTES - 1] === 0xab, `${t.label} 1 MiB`);
  }
}

// ---- ours ------------------------------------------------------------------------------------

export async function ours(dir: string): Promise<Transport & { readonly arbiter: BenchArbiter }> {
  const arbiter = await startArbiter({
    name: 'calls',
    dir,
    config: { apps: [{ name: 'echo', module: BENCH_APPS, export: 'Echo' }], workers: 1, concurrency: 1 },
  });
  const s = await status(arbiter);
  const workerPid = s.workers[0]?.pid ?? 0;
  const { client } = arbiter;
  return {
    key: 'ours',
    label: 'pm2-dirty: client → arbiter → worker (1 worker, concurrency 1)',
    arbiter,
    small: () => client.execute('echo', 'echo', SMALL_TEXT),
    big: () => client.execute('echo', 'echo', BIG),
    processes: () => [
      { role: 'arbiter', pid: arbiter.pid },
      { role: 'worker', pid: workerPid },
    ],
    close: () => arbiter.stop(),
  };
}

// ---- raw Unix-socket floor -------------------------------------------------------------------

/** The old floor's client (kept for one release): one corked write per call. */
class LegacyFloorClient {
  readonly #socket: Socket;
  readonly #pending = new Map<number, (payload: Buffer) => void>();
  #nextId = 1;

  private constructor(socket: Socket) {
    this.#socket = socket;
    const push = frameReader((id, payload) => {
      const resolve = this.#pending.get(id);
      if (resolve === undefined) return;
      this.#pending.delete(id);
      resolve(payload);
    });
    socket.on('data', push);
  }

  static async connect(path: string): Promise<LegacyFloorClient> {
    const socket = createConnection(path);
    await within(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
      5000,
      `floor socket ${path}`,
    );
    return new LegacyFloorClient(socket);
  }

  call(payload: Buffer): Promise<Buffer> {
    const id = this.#nextId++;
    if (this.#nextId > 0xfffffff0) this.#nextId = 1;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      const s = this.#socket;
      s.cork();
      s.write(header(id, payload.length));
      s.write(payload);
      s.uncork();
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

export interface Floor {
  readonly twoHop: Transport;
  readonly oneHop: Transport;
  readonly relayPath: string;
  readonly close: () => Promise<void>;
}

/**
 * Starts `workers` echo processes and the relay in front of them, and connects one client to the
 * relay (2 hops) and one to the first echo process (1 hop). All of them run with the arbiter's node
 * flags, so that only the design differs.
 */
export async function floor(dir: string, workers = 1, name = 'floor'): Promise<Floor> {
  const echoPaths = Array.from({ length: workers }, (_v, i) => join(dir, `${name}-echo${i}.sock`));
  const relayPath = join(dir, `${name}-relay.sock`);
  const echoes: ChildProcess[] = [];
  for (const [i, p] of echoPaths.entries())
    echoes.push(await forkReady(join(ROOT, 'bench/helpers/floor-echo.mjs'), [p, String(i)], undefined, FLOOR_NODE_ARGS));
  const feedPath = join(dir, `${name}-feed.sock`);
  const relay = await forkReady(join(ROOT, 'bench/helpers/floor-relay.mjs'), [relayPath, feedPath, ...echoPaths], undefined, FLOOR_NODE_ARGS);
  const viaRelay = await within(FloorClient.connect(relayPath), 5000, `floor socket ${relayPath}`);
  const direct = await within(FloorClient.connect(echoPaths[0] ?? ''), 5000, 'floor echo socket');
  const pidOf = (c: ChildProcess): number => c.pid ?? 0;
  const twoHop: Transport = {
    key: 'floor2',
    label: 'honest floor: raw UDS, 2 hops (client → relay proc → echo proc), one write per socket per tick',
    small: () => viaRelay.call(SMALL_BYTES),
    big: () => viaRelay.call(BIG),
    processes: () => [{ role: 'relay', pid: pidOf(relay) }, ...echoes.map((e) => ({ role: 'echo', pid: pidOf(e) }))],
    close: () => Promise.resolve(viaRelay.close()),
  };
  const oneHop: Transport = {
    key: 'floor1',
    label: 'honest floor, 1 hop (client → echo proc), for reference',
    small: () => direct.call(SMALL_BYTES),
    big: () => direct.call(BIG),
    processes: () => [{ role: 'echo', pid: pidOf(echoes[0] as ChildProcess) }],
    close: () => Promise.resolve(direct.close()),
  };
  return {
    twoHop,
    oneHop,
    relayPath,
    close: async () => {
      viaRelay.close();
      direct.close();
      await stop(relay);
      for (const e of echoes) await stop(e);
    },
  };
}

/** The floor as it was before (a corked write per call and per frame): kept one release so readers see the change. */
export async function legacyFloor(dir: string): Promise<Transport> {
  const echoPath = join(dir, 'legacy-echo.sock');
  const relayPath = join(dir, 'legacy-relay.sock');
  const echo = await forkReady(join(ROOT, 'bench/helpers/legacy-floor/echo.mjs'), [echoPath], undefined, FLOOR_NODE_ARGS);
  const relay = await forkReady(join(ROOT, 'bench/helpers/legacy-floor/relay.mjs'), [relayPath, echoPath], undefined, FLOOR_NODE_ARGS);
  const client = await LegacyFloorClient.connect(relayPath);
  return {
    key: 'floor2old',
    label: 'old floor (until 0.1.0): 2 hops, a write per call and per frame',
    small: () => client.call(SMALL_BYTES),
    big: () => client.call(BIG),
    processes: () => [
      { role: 'relay', pid: relay.pid ?? 0 },
      { role: 'echo', pid: echo.pid ?? 0 },
    ],
    close: async () => {
      client.close();
      await stop(relay);
      await stop(echo);
    },
  };
}

// ---- peers -----------------------------------------------------------------------------------

export function workerpoolProcess(): Transport {
  const script = join(ROOT, 'bench/helpers/workerpool-worker.cjs');
  const pool = workerpool.pool(script, { workerType: 'process', minWorkers: 1, maxWorkers: 1, forkOpts: { execArgv: [] } });
  return {
    key: 'workerpool',
    label: "workerpool 10 process mode (workerType 'process', 1 worker, JSON IPC)",
    small: () => pool.exec('echo', [SMALL_TEXT]),
    // JSON IPC carries no bytes: base64 both ways, inside the timed call (as peers-perf did).
    big: async () => Buffer.from((await pool.exec('echoB64', [BIG.toString('base64')])) as string, 'base64'),
    processes: () => childrenMatching(process.pid, 'workerpool-worker.cjs').map((pid) => ({ role: 'worker', pid })),
    close: async () => {
      await pool.terminate();
    },
  };
}

export function piscina(concurrentTasksPerWorker: number): Transport {
  const pool = new Piscina({
    filename: pathToFileURL(join(ROOT, 'bench/helpers/piscina-worker.mjs')).href,
    minThreads: 1,
    maxThreads: 1,
    idleTimeout: 60_000,
    concurrentTasksPerWorker,
    execArgv: [],
  });
  const many = concurrentTasksPerWorker > 1;
  return {
    key: many ? 'piscina64' : 'piscina',
    label: many ? 'piscina 5 threads, 1 thread, concurrentTasksPerWorker 64' : 'piscina 5 threads (1 thread, defaults)',
    small: () => pool.run(SMALL_TEXT, { name: 'echo' }),
    // A thread gets a structured-clone copy of the Buffer (no base64 needed).
    big: () => pool.run(BIG, { name: 'echo' }),
    processes: () => [],
    close: () => pool.destroy(),
  };
}
