// Calls through one worker (64-byte round trip, 64 in flight, 1 MiB) of pm2-dirty next to the
// honest two-hop floor (and, for one release, the old floor), the one-hop floor, workerpool
// (process mode) and piscina. Transports interleave round-robin, the order rotated per repetition.
import { performance } from 'node:perf_hooks';
import { inTurns, pipelined, sequential, totalCpu } from '../lib/measure.js';
import { pinnedSplit } from '../lib/pin.js';
import { floorBeaten, ratioGoal, SeriesBook, type Goal, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { fmt, median, showSpread } from '../lib/stats.js';
import { floor, legacyFloor, ours, piscina, verify, workerpoolProcess, type Transport } from '../lib/transports.js';

type Key = 'seq' | 'pipe' | 'big' | 'seqTurns' | 'bigTurns';

const ROWS: readonly { key: string; label: string }[] = [
  { key: 'ours', label: '**pm2-dirty** (client → arbiter → worker; 1 worker, concurrency 1)' },
  { key: 'floor2', label: 'honest floor: raw UDS, 2 hops (client → relay proc → echo proc), one write per socket per tick' },
  { key: 'floor2old', label: 'old floor (shown for one release): 2 hops, a write per call and per frame' },
  { key: 'floor1', label: 'honest floor, 1 hop (client → echo proc), reference only' },
  { key: 'workerpool', label: "workerpool 10.0.3, `workerType: 'process'`, 1 worker (JSON IPC)" },
  { key: 'piscina', label: 'piscina 5.3.2, 1 thread (defaults)' },
  { key: 'piscina64', label: 'piscina 5.3.2, 1 thread, `concurrentTasksPerWorker: 64`' },
];
const CPU_ROWS = ['ours', 'floor2', 'floor2old', 'floor1', 'workerpool'] as const;
const MIB_IN_MB = 1.048576;
const SCENARIO: Record<Key, string> = {
  seq: '1 in flight',
  pipe: '64 in flight',
  big: '1 MiB',
  seqTurns: '1 in flight, in turns',
  bigTurns: '1 MiB, in turns',
};

const pids = (t: Transport): number[] => t.processes().map((p) => p.pid);

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

async function run(ctx: ScenarioContext): Promise<{ markdown: string[]; goals: Goal[]; raw: unknown }> {
  const { settings: s, log } = ctx;
  const main = new SeriesBook<Key>();
  const p99 = new SeriesBook<Key>();
  const rate = new SeriesBook<Key>();
  const cpu = new Map<string, Record<string, number>[]>();
  const addCpu = (key: Key, t: string, c: Record<string, number>): void => {
    const id = `${key}:${t}`;
    cpu.set(id, [...(cpu.get(id) ?? []), c]);
  };

  log('calls: starting transports');
  const mine = await ours(ctx.dir);
  ctx.closing(mine.close);
  const f = await floor(ctx.dir);
  ctx.closing(f.close);
  const old = await legacyFloor(ctx.dir);
  ctx.closing(old.close);
  const wp = workerpoolProcess();
  ctx.closing(wp.close);
  const pi = piscina(1);
  ctx.closing(pi.close);
  const pi64 = piscina(64);
  ctx.closing(pi64.close);
  const all: Transport[] = [mine, f.twoHop, old, f.oneHop, wp, pi, pi64];
  for (const t of all) await verify(t);
  const seqSet = [mine, f.twoHop, old, f.oneHop, wp, pi];
  const pipeSet = all;
  const bigSet = [mine, f.twoHop, old, f.oneHop, wp, pi];

  // JIT and heap warm-up in every process (the arbiter and worker need it most: the first thousands
  // of calls run cold TLV and routing code), untimed.
  log('calls: warm-up (untimed)');
  for (const t of all) {
    await sequential(t.small, 0, s.warmupCalls, []);
    await pipelined(t.small, s.inflight, s.warmupMs, []);
    if (t.big && bigSet.includes(t)) {
      const big = t.big;
      const until = performance.now() + s.warmupBigMs;
      await pinnedSplit(pids(t), async () => {
        for (let i = 0; i < s.warmupBig || performance.now() < until; i++) await big();
      });
    }
  }

  const t0 = Date.now();
  let reps = 0;
  for (let rep = 0; rep < s.reps; rep++) {
    if (rep >= s.minRounds && Date.now() - t0 > s.callsBudgetS * 1000) {
      log(`calls: time budget of ${s.callsBudgetS} s used up: stopping after ${rep} repetitions`);
      break;
    }
    reps = rep + 1;
    for (const t of rotate(seqSet, rep)) {
      const r = await pinnedSplit(pids(t), () => sequential(t.small, s.seqUntimed, s.seqCalls, t.processes()));
      main.add('seq', t.key, r.medianUs);
      p99.add('seq', t.key, r.p99Us);
      rate.add('seq', t.key, r.callsPerSec);
      addCpu('seq', t.key, r.cpuUsPerCall);
      log(`rep ${rep + 1}/${s.reps} 1 in flight   ${t.key.padEnd(10)} median ${r.medianUs.toFixed(1)} µs, p99 ${r.p99Us.toFixed(1)} µs`);
    }
    // The goal's pair once more, call by call (measure.ts inTurns): both sides meet the same machine.
    const pair = [...pids(mine), ...pids(f.twoHop)];
    const [seqOurs, seqFloor] = await pinnedSplit(pair, () => inTurns(mine.small, f.twoHop.small, s.seqUntimed, s.seqCalls));
    main.add('seqTurns', 'ours', seqOurs);
    main.add('seqTurns', 'floor2', seqFloor);
    log(`rep ${rep + 1}/${s.reps} 1 in flight, in turns: ours ${seqOurs.toFixed(1)} µs, floor ${seqFloor.toFixed(1)} µs`);
    for (const t of rotate(pipeSet, rep)) {
      const r = await pipelined(t.small, s.inflight, s.pipeMs, t.processes());
      main.add('pipe', t.key, r.callsPerSec);
      addCpu('pipe', t.key, r.cpuUsPerCall);
      log(
        `rep ${rep + 1}/${s.reps} 64 in flight  ${t.key.padEnd(10)} ${Math.round(r.callsPerSec)} calls/s, ${totalCpu(r.cpuUsPerCall).toFixed(1)} CPU µs/call`,
      );
    }
    for (const t of rotate(bigSet, rep)) {
      const big = t.big;
      if (!big) continue;
      const r = await pinnedSplit(pids(t), () => sequential(big, s.bigWarmup, s.bigCalls, t.processes()));
      main.add('big', t.key, r.medianUs / 1000);
      rate.add('big', t.key, r.callsPerSec);
      addCpu('big', t.key, r.cpuUsPerCall);
      log(`rep ${rep + 1}/${s.reps} 1 MiB         ${t.key.padEnd(10)} median ${(r.medianUs / 1000).toFixed(2)} ms`);
    }
    const bigOf = (t: Transport): (() => Promise<unknown>) => {
      if (t.big === undefined) throw new Error(`bench: ${t.key} has no 1 MiB call to measure in turns`);
      return t.big;
    };
    const [bigOurs, bigFloor] = await pinnedSplit(pair, () => inTurns(bigOf(mine), bigOf(f.twoHop), s.bigWarmup, s.bigCalls));
    main.add('bigTurns', 'ours', bigOurs / 1000);
    main.add('bigTurns', 'floor2', bigFloor / 1000);
    log(`rep ${rep + 1}/${s.reps} 1 MiB, in turns: ours ${(bigOurs / 1000).toFixed(2)} ms, floor ${(bigFloor / 1000).toFixed(2)} ms`);
  }
  await ctx.closeAll();

  // ---- report -------------------------------------------------------------------------------------
  const out: string[] = [];
  const line = (l = ''): void => {
    out.push(l);
  };
  const cpuOf = (key: Key, t: string): Record<string, number>[] => cpu.get(`${key}:${t}`) ?? [];
  const cpuTotal = (key: Key, t: string): number => {
    const c = cpuOf(key, t);
    return c.length === 0 ? Number.NaN : median(c.map(totalCpu));
  };
  const cpuRole = (key: Key, t: string, roles: readonly string[]): number => {
    const c = cpuOf(key, t);
    if (!c.some((x) => roles.some((r) => r in x))) return Number.NaN;
    return median(c.map((x) => roles.reduce((sum, r) => sum + (x[r] ?? 0), 0)));
  };
  const vsFloor = (key: Key, t: string): string => {
    const a = main.spread(key, t)?.median;
    const b = main.spread(key, 'floor2')?.median;
    if (t === 'floor2' || a === undefined || b === undefined) return '';
    return ` (${(a / b).toFixed(2)}×)`;
  };
  line(`## A. Calls (one worker, echo; ${reps} repetitions)`);
  line();
  line(
    '| transport | 1 in flight: RTT median µs (× floor) | 1 in flight: p99 µs | 64 in flight: calls/s (× floor) | 64 in flight: CPU µs/call, all processes (× floor) | 1 MiB: RTT median ms (× floor) | 1 MiB: MB/s |',
  );
  line('|---|---|---|---|---|---|---|');
  const floorCpu = cpuTotal('pipe', 'floor2');
  for (const { key, label } of ROWS) {
    const c = cpuTotal('pipe', key);
    const cpuVs = key === 'floor2' || !Number.isFinite(c) ? '' : ` (${(c / floorCpu).toFixed(2)}×)`;
    const p = p99.values('seq', key);
    const bigRate = rate.values('big', key);
    line(
      `| ${label} | ${showSpread(main.spread('seq', key))}${vsFloor('seq', key)} | ${p.length > 0 ? fmt(median(p), 0) : '–'} | ` +
        `${showSpread(main.spread('pipe', key), (v) => fmt(v, 0))}${vsFloor('pipe', key)} | ${fmt(c, 1)}${cpuVs} | ` +
        `${showSpread(main.spread('big', key), (v) => fmt(v, 2))}${vsFloor('big', key)} | ${bigRate.length > 0 ? fmt(median(bigRate) * MIB_IN_MB, 0) : '–'} |`,
    );
  }
  line();
  line(
    '64-byte payload: a 64-character string for pm2-dirty, workerpool and piscina; 64 raw bytes for the floors. ' +
      '1 MiB: a Buffer (TLV bytes for pm2-dirty, raw bytes for the floors, base64 text both ways inside the timed call for workerpool, ' +
      'a structured-clone copy for piscina). MB/s counts the payload one way (1 MiB = 1.048576 MB) over the timed loop.',
  );
  line();
  const turn = (key: Key, t: string, digits: number): string => showSpread(main.spread(key, t), (v) => fmt(v, digits));
  line(
    `The round-trip goals compare pm2-dirty and the honest floor measured in turns, call by call, pinned as above (the blocks of the table ran ` +
      `up to seconds apart): 1 in flight ${turn('seqTurns', 'ours', 1)} against ${turn('seqTurns', 'floor2', 1)} µs, ` +
      `1 MiB ${turn('bigTurns', 'ours', 2)} against ${turn('bigTurns', 'floor2', 2)} ms.`,
  );
  line();
  line('### Where the CPU goes (µs per call, median over repetitions)');
  line();
  line('| transport | scenario | client (this process) | middle hop (relay / arbiter) | worker (echo / dirty worker) | total |');
  line('|---|---|---|---|---|---|');
  for (const key of CPU_ROWS) {
    for (const sk of ['seq', 'pipe', 'big'] as const) {
      if (cpuOf(sk, key).length === 0) continue;
      const cell = (v: number): string => (Number.isFinite(v) ? fmt(v, 1) : '–');
      line(
        `| ${key} | ${SCENARIO[sk]} | ${cell(cpuRole(sk, key, ['harness']))} | ${cell(cpuRole(sk, key, ['arbiter', 'relay']))} | ` +
          `${cell(cpuRole(sk, key, ['worker', 'echo']))} | ${cell(cpuTotal(sk, key))} |`,
      );
    }
  }
  line();
  line(
    'Client = this process (client code and the timing loop; piscina threads too for piscina rows), from `process.cpuUsage()`; ' +
      'other processes: the run time of all their threads from /proc/<pid>/task/*/schedstat. CPU time grows when the machine is overloaded ' +
      '(cache misses, wake-ups), so compare rows of the same run.',
  );
  line();

  // ---- goals --------------------------------------------------------------------------------------
  const goals: Goal[] = [
    ratioGoal(main, 'seqTurns', 'ours', 'floor2', {
      name: '1 in flight, 64-byte RTT vs honest two-hop floor (in turns)',
      unit: 'µs',
      digits: 1,
      atMost: 1.3,
      floorCheck: true,
    }),
    ratioGoal(main, 'pipe', 'ours', 'floor2', { name: '64 in flight, throughput vs honest two-hop floor', unit: 'calls/s', atLeast: 0.7, floorCheck: true }),
    ratioGoal(main, 'bigTurns', 'ours', 'floor2', {
      name: '1 MiB RTT vs honest two-hop floor (in turns)',
      unit: 'ms',
      digits: 2,
      atMost: 1.5,
      floorCheck: true,
    }),
    ratioGoal(main, 'pipe', 'ours', 'workerpool', {
      name: "64 in flight, throughput vs workerpool `workerType: 'process'`",
      unit: 'calls/s',
      atLeast: 5,
      floorCheck: false,
    }),
  ];
  const oldBeaten = ['seq', 'pipe', 'big'].flatMap((k) => {
    const key = k as Key;
    const b = floorBeaten(main.values(key, 'ours'), main.values(key, 'floor2old'), key === 'pipe');
    return b === '' ? [] : [`${SCENARIO[key]}: ${b.replace(': the floor is wrong', '')}`];
  });
  line(
    `Old floor, for comparison only: pm2-dirty beat it ${oldBeaten.length === 0 ? 'in no repetition' : `(${oldBeaten.join('; ')})`}; ` +
      `at 64 in flight it ran ${showSpread(main.paired('pipe', 'floor2old', 'floor2'), (v) => v.toFixed(2))}× the honest floor's throughput.`,
  );
  line();
  const cpuOurs = cpuTotal('pipe', 'ours');
  line(
    `CPU per call at 64 in flight, all processes: pm2-dirty ${fmt(cpuOurs, 1)} µs, honest floor ${fmt(floorCpu, 1)} µs (${(cpuOurs / floorCpu).toFixed(2)}×). ` +
      'With many calls in flight the processes are busy, not waiting: throughput follows this cost, since they share the same few vCPUs.',
  );
  line();
  return { markdown: out, goals, raw: { main: main.toJSON(), p99: p99.toJSON(), cpu: Object.fromEntries(cpu) } };
}

export const calls: Scenario = { name: 'calls', run };
