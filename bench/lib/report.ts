// The Markdown report: machine, method, the calls table with ratios against the two-hop floor,
// CPU per call by process, scale-up against the bare fork() floor, and PASS/MISS per goal.
import type { Machine } from './machine.js';
import { fmt, median, quantile, showSpread, spread, type Spread } from './stats.js';

export type SeriesKey = 'seq' | 'pipe' | 'big';

export interface Series {
  /** seq: median µs; pipe: calls/s; big: median ms. One value per repetition. */
  readonly main: number[];
  readonly p99: number[];
  /** Calls/s over the timed loop (seq, big). */
  readonly rate: number[];
  /** CPU µs per call by role, per repetition. */
  readonly cpu: Record<string, number>[];
}

export interface Results {
  /** Repetitions of the call scenarios actually run (the time budget may cut them short). */
  reps: number;
  readonly series: Map<string, Series>;
  readonly scale: { floorCjs: number[]; floorMjs: number[]; trivial: number[]; slow: number[]; retire: number[] };
}

export interface ReportSettings {
  readonly reps: number;
  readonly seqCalls: number;
  readonly seqUntimed: number;
  readonly inflight: number;
  readonly pipeMs: number;
  readonly bigCalls: number;
  readonly bigWarmup: number;
  readonly spawns: number;
  readonly spawnWarmup: number;
  readonly initMs: number;
}

const ROWS: readonly { key: string; label: string }[] = [
  { key: 'ours', label: '**pm2-dirty** (client → arbiter → worker; 1 worker, concurrency 1)' },
  { key: 'floor2', label: 'floor: raw UDS, 2 hops (client → relay proc → echo proc), pipelined' },
  { key: 'floor1', label: 'raw UDS, 1 hop (client → echo proc), reference only' },
  { key: 'workerpool', label: "workerpool 10.0.3, `workerType: 'process'`, 1 worker (JSON IPC)" },
  { key: 'piscina', label: 'piscina 5.3.2, 1 thread (defaults)' },
  { key: 'piscina64', label: 'piscina 5.3.2, 1 thread, `concurrentTasksPerWorker: 64`' },
];

const MIB_IN_MB = 1.048576;

function get(r: Results, key: SeriesKey, transport: string): Series | undefined {
  return r.series.get(`${key}:${transport}`);
}

function main(r: Results, key: SeriesKey, transport: string): Spread | undefined {
  const s = get(r, key, transport);
  return s && s.main.length > 0 ? spread(s.main) : undefined;
}

/** Per-repetition ratios a/b of two interleaved series (same repetition = same conditions). */
function paired(r: Results, key: SeriesKey, a: string, b: string): Spread | undefined {
  const x = get(r, key, a)?.main ?? [];
  const y = get(r, key, b)?.main ?? [];
  const n = Math.min(x.length, y.length);
  if (n === 0) return undefined;
  return spread(Array.from({ length: n }, (_v, i) => (x[i] ?? Number.NaN) / (y[i] ?? Number.NaN)));
}

function cpuByRole(s: Series | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!s || s.cpu.length === 0) return out;
  const roles = new Set(s.cpu.flatMap((c) => Object.keys(c)));
  for (const role of roles) out[role] = median(s.cpu.map((c) => c[role] ?? 0));
  return out;
}

function cpuTotal(s: Series | undefined): number {
  if (!s || s.cpu.length === 0) return Number.NaN;
  return median(s.cpu.map((c) => Object.values(c).reduce((a, b) => a + b, 0)));
}

/** Per-round ratios (a[i] − offset) / b[i] of interleaved spawn rounds, as "median [min–max]". */
function pairedRounds(a: readonly number[], b: readonly number[], offset: number): string {
  const n = Math.min(a.length, b.length);
  if (n === 0) return '–';
  const p = spread(Array.from({ length: n }, (_v, i) => ((a[i] ?? Number.NaN) - offset) / (b[i] ?? Number.NaN)));
  return `${p.median.toFixed(2)} [${p.min.toFixed(2)}–${p.max.toFixed(2)}]`;
}

const ratio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

interface Goal {
  readonly name: string;
  readonly measured: string;
  readonly value: number;
  readonly target: string;
  readonly pass: boolean;
  readonly spread?: string;
}

export function buildReport(host: Machine, loadEnd: string, settings: ReportSettings, r: Results, seconds: number): string {
  const out: string[] = [];
  const line = (s = ''): void => {
    out.push(s);
  };

  line('# pm2-dirty benchmark report');
  line();
  line(`- Date: ${host.date}; whole run ${seconds.toFixed(0)} s`);
  line(`- Machine: ${host.cpuModel}, ${host.cpus} vCPUs (${host.usableCpus} usable, affinity ${host.affinity}), ${host.kernel}`);
  line(`- Node ${host.node}; scheduling: ${host.affinity.includes('-') || host.affinity.includes(',') ? 'default (not pinned)' : `pinned to CPU ${host.affinity}`}`);
  line(`- Code measured: ${host.build}`);
  line(`- Load average (1/5/15 min) at start: ${host.load}; at end: ${loadEnd}`);
  line(
    `- Method: ${r.reps} repetitions (of ${settings.reps} planned), transports interleaved round-robin (order rotated each repetition). ` +
      `Per repetition: 1 in flight = ${settings.seqCalls} timed calls after ${settings.seqUntimed} untimed; ` +
      `64 in flight = ${settings.pipeMs} ms of keeping ${settings.inflight} calls outstanding; ` +
      `1 MiB = ${settings.bigCalls} timed calls after ${settings.bigWarmup}. ` +
      'Cells are the median over repetitions [min–max of the repetitions]; p99 is the median of the per-repetition p99s.',
  );
  line();

  // ---- A. calls ---------------------------------------------------------------------------------
  line('## A. Calls (one worker, echo)');
  line();
  line('| transport | 1 in flight: RTT median µs (× floor) | 1 in flight: p99 µs | 64 in flight: calls/s (× floor) | 64 in flight: CPU µs/call, all processes (× floor) | 1 MiB: RTT median ms (× floor) | 1 MiB: MB/s |');
  line('|---|---|---|---|---|---|---|');
  const vsFloor = (key: SeriesKey, t: string): string => {
    const a = main(r, key, t)?.median;
    const b = main(r, key, 'floor2')?.median;
    return t === 'floor2' || a === undefined || b === undefined ? '' : ` (${ratio(a / b)})`;
  };
  const floorCpu = cpuTotal(get(r, 'pipe', 'floor2'));
  for (const { key, label } of ROWS) {
    const seq = get(r, 'seq', key);
    const big = get(r, 'big', key);
    const pipe = get(r, 'pipe', key);
    const cpu = cpuTotal(pipe);
    const cpuVs = key === 'floor2' || !Number.isFinite(cpu) ? '' : ` (${ratio(cpu / floorCpu)})`;
    line(
      `| ${label} | ${showSpread(main(r, 'seq', key))}${vsFloor('seq', key)} | ${seq ? fmt(median(seq.p99), 0) : '–'} | ` +
        `${showSpread(main(r, 'pipe', key), (v) => fmt(v, 0))}${vsFloor('pipe', key)} | ${fmt(cpu, 1)}${cpuVs} | ` +
        `${showSpread(main(r, 'big', key), (v) => fmt(v, 2))}${vsFloor('big', key)} | ${big ? fmt(median(big.rate) * MIB_IN_MB, 0) : '–'} |`,
    );
  }
  line();
  line('64-byte payload: a 64-character string for pm2-dirty, workerpool and piscina; 64 raw bytes for the floors. ' +
    '1 MiB: a Buffer (TLV bytes for pm2-dirty, raw bytes for the floors, base64 text both ways inside the timed call for workerpool, a structured-clone copy for piscina). ' +
    'MB/s counts the payload one way (1 MiB = 1.048576 MB) over the timed loop.');
  line();

  // ---- CPU by process ---------------------------------------------------------------------------
  line('### Where the CPU goes (µs per call, median over repetitions)');
  line();
  line('| transport | scenario | harness (client side) | middle hop (relay / arbiter) | worker (echo / dirty worker) | total |');
  line('|---|---|---|---|---|---|');
  const scenarioName: Record<SeriesKey, string> = { seq: '1 in flight', pipe: '64 in flight', big: '1 MiB' };
  for (const key of ['ours', 'floor2', 'floor1', 'workerpool'] as const) {
    for (const sk of ['seq', 'pipe', 'big'] as const) {
      const s = get(r, sk, key);
      if (!s) continue;
      const c = cpuByRole(s);
      const middle = c['arbiter'] ?? c['relay'];
      const worker = c['worker'] ?? c['echo'];
      line(`| ${key} | ${scenarioName[sk]} | ${fmt(c['harness'] ?? Number.NaN, 1)} | ${middle === undefined ? '–' : fmt(middle, 1)} | ${worker === undefined ? '–' : fmt(worker, 1)} | ${fmt(cpuTotal(s), 1)} |`);
    }
  }
  line();
  line('Harness = this process (client code; piscina threads too for piscina rows), from `process.cpuUsage()`; other processes: the run time of all their threads from /proc/<pid>/task/*/schedstat. CPU time still grows when the machine is overloaded (cache misses, wake-ups), so compare rows of the same run.');
  line();

  // ---- B. scale-up ------------------------------------------------------------------------------
  const sc = r.scale;
  line('## B. Scale-up (SIGTTIN → new worker ready)');
  line();
  line('| measurement | median ms [min–max] | p90 ms | × floor (median) | n |');
  line('|---|---|---|---|---|');
  const floorMedian = median(sc.floorCjs);
  const srow = (label: string, v: number[], offset?: number): void => {
    const vs = offset === undefined ? '–' : ratio((median(v) - offset) / floorMedian) + (offset > 0 ? ` (after − ${offset} ms init)` : '');
    line(`| ${label} | ${showSpread(v.length > 0 ? spread(v) : undefined, (x) => fmt(x, 1))} | ${fmt(quantile(v, 0.9), 1)} | ${vs} | ${v.length} |`);
  };
  srow('floor: `fork()` → first IPC message, bare CommonJS child', sc.floorCjs);
  srow('`fork()` → first IPC message, bare ES-module child (reference)', sc.floorMjs, 0);
  srow('`kill -TTIN <arbiter>` → "Dirty worker N ready", Echo app (trivial init)', sc.trivial, 0);
  srow(`\`kill -TTIN <arbiter>\` → "Dirty worker N ready", SlowInit app (init ${settings.initMs} ms)`, sc.slow, settings.initMs);
  srow('`kill -TTOU <arbiter>` → "Dirty worker N retired" (idle worker; reference)', sc.retire);
  line();
  line(`Each round runs the four spawn measurements in rotated order, on an arbiter settled at one worker (checked with STATUS); ${settings.spawnWarmup} warm-up round(s) dropped. ` +
    'Readiness is the arbiter\'s own log line, timestamped when it reaches this process: from then on the worker takes calls.');
  line();

  // ---- goals ------------------------------------------------------------------------------------
  const goals: Goal[] = [];
  const m = (key: SeriesKey, t: string): number => main(r, key, t)?.median ?? Number.NaN;
  const pairedText = (key: SeriesKey, a: string, b: string): string => {
    const p = paired(r, key, a, b);
    return p ? `${p.median.toFixed(2)} [${p.min.toFixed(2)}–${p.max.toFixed(2)}]` : '–';
  };
  {
    const v = m('seq', 'ours') / m('seq', 'floor2');
    goals.push({ name: '1 in flight, 64-byte RTT vs two-hop floor', measured: `${fmt(m('seq', 'ours'), 1)} µs / ${fmt(m('seq', 'floor2'), 1)} µs`, value: v, target: '≤ 1.30×', pass: v <= 1.3, spread: pairedText('seq', 'ours', 'floor2') });
  }
  {
    const v = m('pipe', 'ours') / m('pipe', 'floor2');
    goals.push({ name: '64 in flight, throughput vs pipelined two-hop floor', measured: `${fmt(m('pipe', 'ours'))} / ${fmt(m('pipe', 'floor2'))} calls/s`, value: v, target: '≥ 0.70×', pass: v >= 0.7, spread: pairedText('pipe', 'ours', 'floor2') });
  }
  {
    const v = m('pipe', 'ours') / m('pipe', 'workerpool');
    goals.push({ name: "64 in flight, throughput vs workerpool `workerType: 'process'`", measured: `${fmt(m('pipe', 'ours'))} / ${fmt(m('pipe', 'workerpool'))} calls/s`, value: v, target: '≥ 5×', pass: v >= 5, spread: pairedText('pipe', 'ours', 'workerpool') });
  }
  {
    const v = m('big', 'ours') / m('big', 'floor2');
    goals.push({ name: '1 MiB RTT vs two-hop floor', measured: `${fmt(m('big', 'ours'), 2)} ms / ${fmt(m('big', 'floor2'), 2)} ms`, value: v, target: '≤ 1.50×', pass: v <= 1.5, spread: pairedText('big', 'ours', 'floor2') });
  }
  const floorMs = median(sc.floorCjs);
  {
    const t = median(sc.trivial);
    const v = t / floorMs;
    goals.push({ name: 'scale-up, trivial init: TTIN → ready vs fork floor', measured: `${fmt(t, 1)} ms / ${fmt(floorMs, 1)} ms`, value: v, target: '≤ 1.30× (+ 0 ms init)', pass: t <= 1.3 * floorMs, spread: pairedRounds(sc.trivial, sc.floorCjs, 0) });
  }
  {
    const t = median(sc.slow);
    const v = (t - settings.initMs) / floorMs;
    goals.push({
      name: `scale-up, ${settings.initMs} ms init: (TTIN → ready − init) vs fork floor`,
      measured: `(${fmt(t, 1)} − ${settings.initMs}) ms / ${fmt(floorMs, 1)} ms`,
      value: v,
      target: `≤ 1.30× (i.e. ≤ ${fmt(1.3 * floorMs + settings.initMs, 1)} ms)`,
      pass: t <= 1.3 * floorMs + settings.initMs,
      spread: pairedRounds(sc.slow, sc.floorCjs, settings.initMs),
    });
  }
  line('## Goals (computed from this run)');
  line();
  line('| goal | measured (ours / reference) | ratio of medians | per-repetition (per-round) ratio median [min–max] | target | result |');
  line('|---|---|---|---|---|---|');
  for (const g of goals) line(`| ${g.name} | ${g.measured} | ${ratio(g.value)} | ${g.spread ?? '–'} | ${g.target} | **${g.pass ? 'PASS' : 'MISS'}** |`);
  line();
  line(`Summary: ${goals.filter((g) => g.pass).length} of ${goals.length} goals met (${goals.map((g) => (g.pass ? 'PASS' : 'MISS')).join(', ')}).`);
  line();
  const cpuOurs = cpuTotal(get(r, 'pipe', 'ours'));
  const cpuFloor = cpuTotal(get(r, 'pipe', 'floor2'));
  line(
    `CPU per call at 64 in flight, all processes: pm2-dirty ${fmt(cpuOurs, 1)} µs, two-hop floor ${fmt(cpuFloor, 1)} µs (${ratio(cpuOurs / cpuFloor)}). ` +
      'With many calls in flight the processes are busy, not waiting: throughput then follows this cost, since they all share the same few vCPUs.',
  );
  line();
  return out.join('\n');
}
