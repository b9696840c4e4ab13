// Scale-up: SIGTTIN → new worker ready, for a trivial init() and a 200 ms init(), next to fork() of
// a bare child until its first IPC message (the floor), rounds interleaved with rotated order.
import { join } from 'node:path';
import { BENCH_APPS, ROOT, startArbiter, type BenchArbiter } from '../lib/arbiter.js';
import { ratio, type Goal, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { forkToFirstMessage, settledAt, ttinCycle } from '../lib/scaleup.js';
import { fmt, median, quantile, showSpread, spread } from '../lib/stats.js';

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** Per-round ratios (a[i] − offset) / b[i] of interleaved rounds, as "median [min–max]". */
function pairedRounds(a: readonly number[], b: readonly number[], offset: number): string {
  const n = Math.min(a.length, b.length);
  if (n === 0) return '–';
  const p = spread(Array.from({ length: n }, (_v, i) => ((a[i] ?? Number.NaN) - offset) / (b[i] ?? Number.NaN)));
  return `${p.median.toFixed(2)} [${p.min.toFixed(2)}–${p.max.toFixed(2)}]`;
}

async function run(ctx: ScenarioContext): Promise<{ markdown: string[]; goals: Goal[]; raw: unknown }> {
  const { settings: s, log } = ctx;
  const sc = { floorCjs: [] as number[], floorMjs: [] as number[], trivial: [] as number[], slow: [] as number[], retire: [] as number[] };
  log('scale-up: starting two arbiters (Echo, and SlowInit with a 200 ms init)');
  const start = async (name: string, exportName: string): Promise<BenchArbiter> => {
    const a = await startArbiter({
      name,
      dir: ctx.dir,
      config: { apps: [{ name: 'app', module: BENCH_APPS, export: exportName }], workers: 1, maxWorkers: 4, concurrency: 1 },
      env: { BENCH_INIT_MS: String(s.initMs) },
    });
    ctx.closing(a.stop);
    await settledAt(a, 1);
    return a;
  };
  const trivial = await start('scale-echo', 'Echo');
  const slow = await start('scale-slow', 'SlowInit');
  const cjs = join(ROOT, 'bench/helpers/bare-child.cjs');
  const mjs = join(ROOT, 'bench/helpers/bare-child.mjs');
  const push = (keep: boolean, into: number[], value: number): void => {
    if (keep) into.push(value);
  };
  const steps: { name: string; run: (keep: boolean) => Promise<void> }[] = [
    { name: 'fork bare CJS', run: async (keep) => push(keep, sc.floorCjs, await forkToFirstMessage(cjs)) },
    { name: 'fork bare ESM', run: async (keep) => push(keep, sc.floorMjs, await forkToFirstMessage(mjs)) },
    {
      name: 'TTIN Echo',
      run: async (keep) => {
        const r = await ttinCycle(trivial);
        push(keep, sc.trivial, r.readyMs);
        push(keep, sc.retire, r.retireMs);
      },
    },
    { name: 'TTIN SlowInit', run: async (keep) => push(keep, sc.slow, (await ttinCycle(slow)).readyMs) },
  ];
  const last = (v: readonly number[]): string => (v.length === 0 ? '–' : (v[v.length - 1] ?? 0).toFixed(1));
  const total = s.spawnWarmup + s.spawns;
  const t0 = Date.now();
  for (let i = 0; i < total; i++) {
    const keep = i >= s.spawnWarmup;
    if (i >= s.spawnWarmup + s.minRounds && Date.now() - t0 > s.spawnBudgetS * 1000) {
      log(`scale-up: time budget of ${s.spawnBudgetS} s used up: stopping after ${i - s.spawnWarmup} rounds`);
      break;
    }
    for (const step of rotate(steps, i)) await step.run(keep);
    log(
      `scale-up round ${i + 1}/${total}${keep ? '' : ' (warm-up)'}: floor ${last(sc.floorCjs)} ms, TTIN Echo ${last(sc.trivial)} ms, TTIN SlowInit ${last(sc.slow)} ms`,
    );
  }
  await ctx.closeAll();

  const out: string[] = [];
  const line = (l = ''): void => {
    out.push(l);
  };
  line('## D. Scale-up (SIGTTIN → new worker ready)');
  line();
  line('| measurement | median ms [min–max] | p90 ms | × floor (median) | n |');
  line('|---|---|---|---|---|');
  const floorMs = median(sc.floorCjs);
  const srow = (label: string, v: number[], offset?: number): void => {
    const vs = offset === undefined ? '–' : ratio((median(v) - offset) / floorMs) + (offset > 0 ? ` (after − ${offset} ms init)` : '');
    line(`| ${label} | ${showSpread(v.length > 0 ? spread(v) : undefined, (x) => fmt(x, 1))} | ${fmt(quantile(v, 0.9), 1)} | ${vs} | ${v.length} |`);
  };
  srow('floor: `fork()` → first IPC message, bare CommonJS child', sc.floorCjs);
  srow('`fork()` → first IPC message, bare ES-module child (reference)', sc.floorMjs, 0);
  srow('`kill -TTIN <arbiter>` → "Dirty worker N ready", Echo app (trivial init)', sc.trivial, 0);
  srow(`\`kill -TTIN <arbiter>\` → "Dirty worker N ready", SlowInit app (init ${s.initMs} ms)`, sc.slow, s.initMs);
  srow('`kill -TTOU <arbiter>` → "Dirty worker N retired" (idle worker; reference)', sc.retire);
  line();
  line(
    `Each round runs the four spawn measurements in rotated order, on an arbiter settled at one worker (checked with STATUS); ${s.spawnWarmup} warm-up round(s) dropped. ` +
      "Readiness is the arbiter's own log line, timestamped when it reaches this process: from then on the worker takes calls.",
  );
  line();

  const t = median(sc.trivial);
  const sl = median(sc.slow);
  const goals: Goal[] = [
    {
      name: 'scale-up, trivial init: TTIN → ready vs fork floor',
      measured: `${fmt(t, 1)} ms / ${fmt(floorMs, 1)} ms`,
      value: t / floorMs,
      target: '≤ 1.30× (+ 0 ms init)',
      pass: t <= 1.3 * floorMs,
      spread: pairedRounds(sc.trivial, sc.floorCjs, 0),
    },
    {
      name: `scale-up, ${s.initMs} ms init: (TTIN → ready − init) vs fork floor`,
      measured: `(${fmt(sl, 1)} − ${s.initMs}) ms / ${fmt(floorMs, 1)} ms`,
      value: (sl - s.initMs) / floorMs,
      target: `≤ 1.30× (i.e. ≤ ${fmt(1.3 * floorMs + s.initMs, 1)} ms)`,
      pass: sl <= 1.3 * floorMs + s.initMs,
      spread: pairedRounds(sc.slow, sc.floorCjs, s.initMs),
    },
  ];
  return { markdown: out, goals, raw: sc };
}

export const scaleUp: Scenario = { name: 'scale-up', run };
