// Stream rows of `npm run bench` (flow control), also runnable alone: `npm run bench:streams`.
// (a) 64 calls in flight on one client, with and without a stream on the same client that its
//     consumer reads at 10 chunks/s: the calls' throughput and p99 should not move (goal: within 10%).
// (b) one stream of 100,000 small chunks read as fast as possible, next to a floor: the same CHUNK
//     payloads relayed over two raw Unix-socket hops and decoded (goal: >= 0.7x the floor).
// A benchmark, not a test: nothing asserts; PASS/MISS are computed and printed.
import { Buffer } from 'node:buffer';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { frameReader, HEADER, payloadOf } from './helpers/floor-frames.mjs';
import { ARBITER_NODE_ARGS, ROOT, startArbiter, type BenchArbiter, type DirtyClient } from './lib/arbiter.js';
import { forkReady, stop, within } from './lib/proc.js';
import { median, quantile } from './lib/stats.js';
import { encodeChunk } from '../src/protocol/messages.js';
import { HEADER_SIZE } from '../src/protocol/constants.js';
import { decodeValue } from '../src/protocol/tlv.js';

const STREAM_APPS = join(ROOT, 'bench/helpers/stream-apps.mjs');
/** The chunk every stream row sends: 16 ASCII characters. */
const TOKEN = 'x'.repeat(16);
const CHUNKS = 100_000;
const INFLIGHT = 64;

export interface StreamSettings {
  readonly reps: number;
  /** Length of each 64-in-flight run. */
  readonly runMs: number;
  /** BENCH_STREAMS_AA=1: both runs of (a) without the stream, to see the noise of the machine. */
  readonly aa: boolean;
}

export const streamSettings = (quick: boolean): StreamSettings => ({
  reps: Number(process.env['BENCH_STREAMS_REPS'] ?? 0) || (quick ? 2 : 5),
  runMs: quick ? 1000 : 2000,
  aa: process.env['BENCH_STREAMS_AA'] === '1',
});

interface CallsRun {
  readonly rate: number;
  readonly p99Ms: number;
}

/** `INFLIGHT` loops of echo calls for `ms`: calls/s and the p99 latency. */
async function callsRun(client: DirtyClient, ms: number): Promise<CallsRun> {
  const lat: number[] = [];
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(
    Array.from({ length: INFLIGHT }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        await client.execute('echo', 'echo', TOKEN);
        lat.push(performance.now() - s);
      }
    }),
  );
  return { rate: lat.length / ((performance.now() - t0) / 1000), p99Ms: quantile(lat, 0.99) };
}

interface WorkerStatus {
  readonly apps: readonly string[];
  readonly inflight: number;
}

/** Opens the slow stream on the worker that does not hold echo (tokens runs on both; round-robin ties). */
async function openOffEcho(client: DirtyClient): Promise<AsyncIterableIterator<unknown>> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const it = client.openStream('tokens', 'repeat', [TOKEN, 1e9], { timeoutMs: 3_600_000 });
    await it.next();
    const { workers } = (await client.status()) as { workers: readonly WorkerStatus[] };
    if (workers.some((w) => w.inflight > 0 && !w.apps.includes('echo'))) return it;
    await it.return?.();
  }
  throw new Error('bench: the slow stream kept landing on the echo worker');
}

/** A stream on `client` whose consumer takes one chunk per 100 ms until stopped. */
async function slowStream(client: DirtyClient): Promise<{ stop: () => Promise<number> }> {
  const it = await openOffEcho(client);
  let taken = 1;
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      await delay(100);
      if (stopping) break;
      await it.next();
      taken++;
    }
  })();
  // Let the worker fill the stream's window (256 chunks) before anything is measured.
  await delay(200);
  return {
    stop: async () => {
      stopping = true;
      await loop;
      await it.return?.();
      return taken;
    },
  };
}

/** Our client: seconds to read the whole stream of `CHUNKS`. */
async function oursFast(client: DirtyClient): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for await (const x of client.stream('tokens', 'repeat', TOKEN, CHUNKS)) if (x === TOKEN) n++;
  if (n !== CHUNKS) throw new Error(`bench: the stream gave ${n} of ${CHUNKS} chunks`);
  return (performance.now() - t0) / 1000;
}

/** The floor: the same CHUNK payloads from a raw worker through a raw relay; each is decoded here. */
async function floorFast(relayPath: string): Promise<number> {
  const socket = createConnection(relayPath);
  await within(new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject)), 5000, 'floor stream relay');
  const t0 = performance.now();
  let n = 0;
  await new Promise<void>((resolve) => {
    socket.on(
      'data',
      frameReader((_id, buf, start, end, pieces) => {
        const payload = payloadOf(buf, start, end, pieces);
        if (payload.length === 0) resolve();
        else if ((decodeValue(payload) as { data: unknown }).data === TOKEN) n++;
      }),
    );
    const req = Buffer.alloc(HEADER + 4);
    req.writeUInt32BE(4, 0);
    req.writeUInt32BE(1, 4);
    req.writeUInt32BE(CHUNKS, HEADER);
    socket.write(req);
  });
  socket.destroy();
  if (n !== CHUNKS) throw new Error(`bench: the floor stream gave ${n} of ${CHUNKS} chunks`);
  return (performance.now() - t0) / 1000;
}

const pass = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
const f0 = (v: number): string => Math.round(v).toLocaleString('en-US');

export async function streamRows(dir: string, settings: StreamSettings, log: (line: string) => void): Promise<string> {
  const closers: (() => Promise<void>)[] = [];
  try {
    const a: BenchArbiter = await startArbiter({
      name: 'streams',
      dir,
      config: {
        // The oldest worker holds echo and tokens, the other tokens only: the stream runs there.
        apps: [
          { name: 'echo', module: STREAM_APPS, export: 'Echo', workers: 1 },
          { name: 'tokens', module: STREAM_APPS, export: 'Tokens', workers: 2 },
        ],
        workers: 2,
        concurrency: 1,
      },
    });
    closers.push(a.stop);
    const hex = encodeChunk(0n, TOKEN)
      .map((b) => b.toString('hex'))
      .join('')
      .slice(HEADER_SIZE * 2);
    const workerPath = join(dir, 'floor-stream-worker.sock');
    const relayPath = join(dir, 'floor-stream-relay.sock');
    const w = await forkReady(join(ROOT, 'bench/helpers/floor-stream-worker.mjs'), [workerPath, hex], undefined, ARBITER_NODE_ARGS);
    closers.push(() => stop(w));
    const r = await forkReady(join(ROOT, 'bench/helpers/floor-stream-relay.mjs'), [relayPath, workerPath], undefined, ARBITER_NODE_ARGS);
    closers.push(() => stop(r));

    const c = a.client;
    log('streams: warm-up (untimed)');
    await callsRun(c, 500);
    await oursFast(c);
    await floorFast(relayPath);

    const alone: CallsRun[] = [];
    const beside: CallsRun[] = [];
    const ours: number[] = [];
    const floor: number[] = [];
    for (let rep = 0; rep < settings.reps; rep++) {
      const first = rep % 2 === 0;
      for (const withStream of first ? [false, true] : [true, false]) {
        const slow = withStream && !settings.aa ? await slowStream(c) : undefined;
        const run = await callsRun(c, settings.runMs);
        const taken = await slow?.stop();
        (withStream ? beside : alone).push(run);
        log(
          `streams rep ${rep + 1}/${settings.reps} 64 in flight ${slow ? `beside a stream read at 10/s (${taken} taken)` : withStream ? 'alone (A/A: in place of the stream run)' : 'alone'}: ${f0(run.rate)} calls/s, p99 ${run.p99Ms.toFixed(2)} ms`,
        );
      }
      for (const which of first ? ['ours', 'floor'] : ['floor', 'ours']) {
        const s = which === 'ours' ? await oursFast(c) : await floorFast(relayPath);
        (which === 'ours' ? ours : floor).push(CHUNKS / s);
        log(`streams rep ${rep + 1}/${settings.reps} ${CHUNKS} chunks ${which}: ${f0(CHUNKS / s)} chunks/s`);
      }
    }
    // Ratios per repetition (its two runs are back to back), then their median: steadier than a
    // ratio of medians while the machine's load drifts between repetitions.
    const paired = (num: readonly number[], den: readonly number[]): number => median(num.map((v, i) => v / (den[i] ?? v)));
    const rateRatio = paired(
      beside.map((x) => x.rate),
      alone.map((x) => x.rate),
    );
    const p99Ratio = paired(
      beside.map((x) => x.p99Ms),
      alone.map((x) => x.p99Ms),
    );
    const chunkRatio = paired(ours, floor);
    const rateAlone = median(alone.map((x) => x.rate));
    const rateBeside = median(beside.map((x) => x.rate));
    const p99Alone = median(alone.map((x) => x.p99Ms));
    const p99Beside = median(beside.map((x) => x.p99Ms));
    const oursRate = median(ours);
    const floorRate = median(floor);
    return [
      '## Streams (per-stream flow control)',
      '',
      `Medians of ${settings.reps} interleaved repetitions. (a) one client, 64 echo calls in flight for ${settings.runMs} ms, alone and next to a stream on the`,
      'same client whose consumer takes 10 chunks/s (on a second worker, which the echo calls never use). (b) one stream of 100,000 chunks of 16 characters read',
      'as fast as possible, next to the floor: the same CHUNK payloads through a raw two-hop Unix-socket relay, decoded by the reader.',
      '',
      "The ratio is the median of the ratios of each repetition's two runs, which ran back to back.",
      '',
      '| row | alone / floor | beside the slow stream / ours | ratio | goal |',
      '|---|---:|---:|---:|---|',
      `| (a) calls/s, 64 in flight | ${f0(rateAlone)} | ${f0(rateBeside)} | ${rateRatio.toFixed(2)} | >= 0.90: ${pass(rateRatio >= 0.9)} |`,
      `| (a) p99 latency (ms) | ${p99Alone.toFixed(2)} | ${p99Beside.toFixed(2)} | ${p99Ratio.toFixed(2)} | <= 1.10: ${pass(p99Ratio <= 1.1)} |`,
      `| (b) chunks/s, 100,000 chunks | ${f0(floorRate)} | ${f0(oursRate)} | ${chunkRatio.toFixed(2)} | >= 0.70: ${pass(chunkRatio >= 0.7)} |`,
      '',
    ].join('\n');
  } finally {
    for (const close of closers.reverse()) await close().catch((err: unknown) => log(`streams cleanup: ${String(err)}`));
  }
}

// Alone: `npm run bench:streams` (BENCH_QUICK=1 for a short run).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = mkdtempSync(join(tmpdir(), 'pds-'));
  try {
    process.stdout.write(await streamRows(dir, streamSettings(process.env['BENCH_QUICK'] === '1'), (line) => process.stderr.write(`[bench] ${line}\n`)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
