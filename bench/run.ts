// `npm run bench`: calls (64-byte round trip, 64 in flight, 1 MiB) through our arbiter next to
// the raw two-hop Unix-socket floor, workerpool (process mode) and piscina; then scale-up by
// SIGTTIN next to a bare fork(); then the stream rows (bench/streams.ts). Prints one Markdown report on stdout (progress on stderr).
// A benchmark, not a test: nothing here asserts a timing; PASS/MISS are computed and printed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_APPS, ROOT, startArbiter, type BenchArbiter } from './lib/arbiter.js';
import { loadNow, machine } from './lib/machine.js';
import { pipelined, sequential, totalCpu } from './lib/measure.js';
import { started } from './lib/proc.js';
import { buildReport, type Results, type SeriesKey } from './lib/report.js';
import { forkToFirstMessage, settledAt, ttinCycle } from './lib/scaleup.js';
import { floor, ours, piscina, verify, workerpoolProcess, type Transport } from './lib/transports.js';
import { streamRows, streamSettings } from './streams.js';

const quick = process.env['BENCH_QUICK'] === '1';
const int = (name: string, fallback: number): number => {
  const raw = Number(process.env[name]);
  return Number.isSafeInteger(raw) && raw > 0 ? raw : fallback;
};

export const settings = {
  reps: int('BENCH_REPS', quick ? 2 : 9),
  warmupCalls: quick ? 500 : 2000,
  warmupMs: quick ? 200 : 500,
  warmupBig: quick ? 5 : 15,
  seqUntimed: quick ? 30 : 100,
  seqCalls: int('BENCH_SEQ_CALLS', quick ? 500 : 2000),
  inflight: 64,
  pipeMs: int('BENCH_PIPE_MS', quick ? 150 : 400),
  bigWarmup: 3,
  bigCalls: int('BENCH_BIG_CALLS', quick ? 8 : 30),
  spawnWarmup: 1,
  spawns: int('BENCH_SPAWNS', quick ? 3 : 10),
  initMs: 200,
  /** Stop starting new repetitions / spawn rounds after this many seconds (at least `minRounds` run). */
  callsBudgetS: int('BENCH_CALLS_BUDGET_S', 100),
  spawnBudgetS: int('BENCH_SPAWN_BUDGET_S', 45),
  minRounds: 3,
};

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

const dir = mkdtempSync(join(tmpdir(), 'pdb-'));
const closers: (() => Promise<void>)[] = [];
let cleaning = false;

async function cleanup(): Promise<void> {
  if (cleaning) return;
  cleaning = true;
  for (const close of closers.reverse()) await close().catch((err: unknown) => log(`cleanup: ${String(err)}`));
  // Anything still running was started by this run: stop it by pid.
  for (const child of started) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping the processes this run started`);
    void cleanup().finally(() => process.exit(130));
  });
}

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

const results: Results = { reps: 0, series: new Map(), scale: { floorCjs: [], floorMjs: [], trivial: [], slow: [], retire: [] } };
function record(key: SeriesKey, transport: string, main: number, extra: { p99?: number; rate?: number; cpu?: Record<string, number> }): void {
  const id = `${key}:${transport}`;
  let s = results.series.get(id);
  if (!s) results.series.set(id, (s = { main: [], p99: [], rate: [], cpu: [] }));
  s.main.push(main);
  if (extra.p99 !== undefined) s.p99.push(extra.p99);
  if (extra.rate !== undefined) s.rate.push(extra.rate);
  if (extra.cpu) s.cpu.push(extra.cpu);
}

async function calls(): Promise<void> {
  log(`temp dir ${dir}; starting transports`);
  const mine = await ours(dir);
  closers.push(mine.close);
  const f = await floor(dir);
  closers.push(f.close);
  const wp = workerpoolProcess();
  closers.push(wp.close);
  const pi = piscina(1);
  closers.push(pi.close);
  const pi64 = piscina(64);
  closers.push(pi64.close);
  const all: Transport[] = [mine, f.twoHop, f.oneHop, wp, pi, pi64];
  for (const t of all) await verify(t);

  const seqSet = [mine, f.twoHop, f.oneHop, wp, pi];
  const pipeSet = [mine, f.twoHop, f.oneHop, wp, pi, pi64];
  const bigSet = [mine, f.twoHop, f.oneHop, wp, pi];

  // JIT and heap warm-up in every process (our arbiter and worker need it most: the first
  // thousands of calls run cold TLV and routing code), untimed.
  log('warm-up (untimed)');
  for (const t of all) {
    await sequential(t.small, 0, settings.warmupCalls, []);
    await pipelined(t.small, settings.inflight, settings.warmupMs, []);
    if (t.big && bigSet.includes(t)) await sequential(t.big, 0, settings.warmupBig, []);
  }

  const callsStart = Date.now();
  for (let rep = 0; rep < settings.reps; rep++) {
    if (rep >= settings.minRounds && Date.now() - callsStart > settings.callsBudgetS * 1000) {
      log(`time budget of ${settings.callsBudgetS} s for calls used up: stopping after ${rep} repetitions`);
      break;
    }
    results.reps = rep + 1;
    for (const t of rotate(seqSet, rep)) {
      const r = await sequential(t.small, settings.seqUntimed, settings.seqCalls, t.processes());
      record('seq', t.key, r.medianUs, { p99: r.p99Us, rate: r.callsPerSec, cpu: r.cpuUsPerCall });
      log(`rep ${rep + 1}/${settings.reps} 1 in flight   ${t.key.padEnd(10)} median ${r.medianUs.toFixed(1)} µs, p99 ${r.p99Us.toFixed(1)} µs`);
    }
    for (const t of rotate(pipeSet, rep)) {
      const r = await pipelined(t.small, settings.inflight, settings.pipeMs, t.processes());
      record('pipe', t.key, r.callsPerSec, { cpu: r.cpuUsPerCall });
      log(`rep ${rep + 1}/${settings.reps} 64 in flight  ${t.key.padEnd(10)} ${Math.round(r.callsPerSec)} calls/s, ${totalCpu(r.cpuUsPerCall).toFixed(1)} CPU µs/call`);
    }
    for (const t of rotate(bigSet, rep)) {
      if (!t.big) continue;
      const r = await sequential(t.big, settings.bigWarmup, settings.bigCalls, t.processes());
      record('big', t.key, r.medianUs / 1000, { p99: r.p99Us / 1000, rate: r.callsPerSec, cpu: r.cpuUsPerCall });
      log(`rep ${rep + 1}/${settings.reps} 1 MiB         ${t.key.padEnd(10)} median ${(r.medianUs / 1000).toFixed(2)} ms`);
    }
  }
  // Close the call transports before the spawn measurements (less to compete with).
  for (const close of closers.splice(0).reverse()) await close();
}

async function scaleUp(): Promise<void> {
  log('scale-up: starting two arbiters (Echo, and SlowInit with a 200 ms init)');
  const arbiters: BenchArbiter[] = [];
  const start = async (name: string, exportName: string): Promise<BenchArbiter> => {
    const a = await startArbiter({
      name,
      dir,
      config: { apps: [{ name: 'app', module: BENCH_APPS, export: exportName }], workers: 1, maxWorkers: 4, concurrency: 1 },
      env: { BENCH_INIT_MS: String(settings.initMs) },
    });
    arbiters.push(a);
    closers.push(a.stop);
    await settledAt(a, 1);
    return a;
  };
  const trivial = await start('scale-echo', 'Echo');
  const slow = await start('scale-slow', 'SlowInit');
  const cjs = join(ROOT, 'bench/helpers/bare-child.cjs');
  const mjs = join(ROOT, 'bench/helpers/bare-child.mjs');
  const steps: { name: string; run: (keep: boolean) => Promise<void> }[] = [
    { name: 'fork bare CJS', run: async (keep) => push(keep, results.scale.floorCjs, await forkToFirstMessage(cjs)) },
    { name: 'fork bare ESM', run: async (keep) => push(keep, results.scale.floorMjs, await forkToFirstMessage(mjs)) },
    {
      name: 'TTIN Echo',
      run: async (keep) => {
        const s = await ttinCycle(trivial);
        push(keep, results.scale.trivial, s.readyMs);
        push(keep, results.scale.retire, s.retireMs);
      },
    },
    { name: 'TTIN SlowInit', run: async (keep) => push(keep, results.scale.slow, (await ttinCycle(slow)).readyMs) },
  ];
  const total = settings.spawnWarmup + settings.spawns;
  const spawnStart = Date.now();
  for (let i = 0; i < total; i++) {
    const keep = i >= settings.spawnWarmup;
    if (i >= settings.spawnWarmup + settings.minRounds && Date.now() - spawnStart > settings.spawnBudgetS * 1000) {
      log(`time budget of ${settings.spawnBudgetS} s for scale-up used up: stopping after ${i - settings.spawnWarmup} rounds`);
      break;
    }
    for (const step of rotate(steps, i)) await step.run(keep);
    log(`scale-up round ${i + 1}/${total}${keep ? '' : ' (warm-up)'}: floor ${last(results.scale.floorCjs)} ms, TTIN Echo ${last(results.scale.trivial)} ms, TTIN SlowInit ${last(results.scale.slow)} ms`);
  }
  for (const close of closers.splice(0).reverse()) await close();
}

function push(keep: boolean, into: number[], value: number): void {
  if (keep) into.push(value);
}

function last(values: readonly number[]): string {
  const v = values[values.length - 1];
  return v === undefined ? '–' : v.toFixed(1);
}

const t0 = Date.now();
const host = machine(ROOT);
try {
  log(`settings ${JSON.stringify(settings)}`);
  await calls();
  await scaleUp();
  const streams = await streamRows(dir, streamSettings(quick), log);
  const report = buildReport(host, loadNow(), settings, results, (Date.now() - t0) / 1000);
  process.stdout.write(`${report}\n${streams}`);
  const out = process.env['BENCH_JSON'];
  if (out !== undefined && out !== '') writeFileSync(out, JSON.stringify({ host, settings, series: Object.fromEntries(results.series), scale: results.scale }, null, 2));
} finally {
  await cleanup();
}
