// The stash next to Redis, what users pick for shared counters otherwise: `incr` and a 64-byte
// `get`, 1 and 64 in flight, through our client and through ioredis (auto-pipelining) to a
// redis-server started here on a Unix socket with persistence off. Skipped, with a note, when
// redis-server is not installed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BENCH_APPS, startArbiter } from '../lib/arbiter.js';
import { pipelined, sequential, totalCpu } from '../lib/measure.js';
import { pinnedSplit } from '../lib/pin.js';
import { stop } from '../lib/proc.js';
import { redisInstalled, startRedis } from '../lib/redis.js';
import { ratioGoal, SeriesBook, type Goal, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { fmt, median, showSpread } from '../lib/stats.js';

type Key = 'incr1' | 'incr64' | 'get1' | 'get64';
const VALUE = 'v'.repeat(64);

interface Side {
  readonly key: string;
  readonly incr: () => Promise<unknown>;
  readonly get: () => Promise<unknown>;
  readonly roles: readonly { role: string; pid: number }[];
}

async function run(ctx: ScenarioContext): Promise<{ markdown: string[]; goals: Goal[]; raw?: unknown }> {
  const { settings: s, log } = ctx;
  if (!redisInstalled()) {
    const note =
      'redis-server is not installed: the stash-vs-Redis rows are skipped (Debian/Ubuntu: `apt-get install -y redis-server`; the bench starts and stops it itself).';
    log(note);
    return { markdown: ['## C. Stash next to Redis', '', `Skipped: ${note}`, ''], goals: [] };
  }
  const a = await startArbiter({ name: 'stash', dir: ctx.dir, config: { apps: [{ name: 'echo', module: BENCH_APPS, export: 'Echo' }], workers: 1 } });
  ctx.closing(a.stop);
  const redisPath = join(ctx.dir, 'redis.sock');
  const redis = await startRedis(redisPath);
  ctx.closing(() => stop(redis));
  const r = new Redis({ path: redisPath, enableAutoPipelining: true, lazyConnect: true });
  await r.connect();
  ctx.closing(async () => {
    await r.quit();
  });
  await a.client.stash.put('bench', 'v', VALUE);
  await r.set('bench:v', VALUE);
  const sides: Side[] = [
    { key: 'ours', incr: () => a.client.stash.incr('bench', 'n'), get: () => a.client.stash.get('bench', 'v'), roles: [{ role: 'server', pid: a.pid }] },
    { key: 'redis', incr: () => r.incr('bench:n'), get: () => r.get('bench:v'), roles: [{ role: 'server', pid: redis.pid ?? 0 }] },
  ];
  for (const side of sides) {
    if ((await side.get()) !== VALUE) throw new Error(`bench: ${side.key} get returned a wrong value`);
    await sequential(side.incr, 0, s.warmupCalls, []);
    await pipelined(side.get, s.inflight, s.warmupMs, []);
    await pipelined(side.incr, s.inflight, s.warmupMs, []);
  }
  const book = new SeriesBook<Key>();
  const cpu = new Map<string, Record<string, number>[]>();
  const addCpu = (id: string, c: Record<string, number>): void => void cpu.set(id, [...(cpu.get(id) ?? []), c]);
  for (let rep = 0; rep < s.stashReps; rep++) {
    for (const side of rep % 2 === 0 ? sides : [...sides].reverse()) {
      for (const [op, fn] of [
        ['incr', side.incr],
        ['get', side.get],
      ] as const) {
        const one = await pinnedSplit(
          side.roles.map((r) => r.pid),
          () => sequential(fn, s.seqUntimed, s.seqCalls, side.roles),
        );
        book.add(`${op}1`, side.key, one.medianUs);
        addCpu(`${op}1:${side.key}`, one.cpuUsPerCall);
        const many = await pipelined(fn, s.inflight, s.pipeMs, side.roles);
        book.add(`${op}64`, side.key, many.callsPerSec);
        addCpu(`${op}64:${side.key}`, many.cpuUsPerCall);
        log(
          `stash rep ${rep + 1}/${s.stashReps} ${side.key.padEnd(5)} ${op.padEnd(4)} 1 in flight ${one.medianUs.toFixed(1)} µs, 64 in flight ${Math.round(many.callsPerSec)}/s`,
        );
      }
    }
  }
  await ctx.closeAll();

  const out: string[] = [];
  const line = (l = ''): void => {
    out.push(l);
  };
  const role = (id: string, rl: string): string => fmt(median((cpu.get(id) ?? []).map((c) => c[rl] ?? 0)), 1);
  const tot = (id: string): string => fmt(median((cpu.get(id) ?? []).map(totalCpu)), 1);
  line(`## C. Stash next to Redis (${s.stashReps} repetitions)`);
  line();
  line(
    '| operation | pm2-dirty stash | Redis (ioredis, auto-pipelining) | stash ÷ Redis | CPU µs/call stash: client / arbiter | Redis: client / redis-server |',
  );
  line('|---|---|---|---|---|---|');
  const rows: { key: Key; label: string; unit: (v: number) => string }[] = [
    { key: 'incr1', label: '`incr`, 1 in flight: RTT median µs', unit: (v) => fmt(v, 1) },
    { key: 'get1', label: '64-byte `get`, 1 in flight: RTT median µs', unit: (v) => fmt(v, 1) },
    { key: 'incr64', label: '`incr`, 64 in flight: calls/s', unit: (v) => fmt(v, 0) },
    { key: 'get64', label: '64-byte `get`, 64 in flight: calls/s', unit: (v) => fmt(v, 0) },
  ];
  for (const row of rows) {
    const o = `${row.key}:ours`;
    const rd = `${row.key}:redis`;
    line(
      `| ${row.label} | ${showSpread(book.spread(row.key, 'ours'), row.unit)} | ${showSpread(book.spread(row.key, 'redis'), row.unit)} | ` +
        `${((book.spread(row.key, 'ours')?.median ?? Number.NaN) / (book.spread(row.key, 'redis')?.median ?? Number.NaN)).toFixed(2)}× | ` +
        `${role(o, 'harness')} / ${role(o, 'server')} (${tot(o)}) | ${role(rd, 'harness')} / ${role(rd, 'server')} (${tot(rd)}) |`,
    );
  }
  line();
  line(
    `redis-server ${spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim().split(' ')[2] ?? ''} on a Unix socket, ` +
      "`--save '' --appendonly no`; ioredis with `enableAutoPipelining: true`. The stash side is `client.stash.incr('bench', 'n')` and " +
      "`client.stash.get('bench', 'v')` (a 64-character string) on an arbiter with one worker (the stash never reaches it).",
  );
  line();
  const goals = [
    ratioGoal(book, 'incr64', 'ours', 'redis', { name: 'stash `incr`, 64 in flight, throughput vs Redis', unit: 'calls/s', atLeast: 1, floorCheck: false }),
    ratioGoal(book, 'get64', 'ours', 'redis', {
      name: 'stash 64-byte `get`, 64 in flight, throughput vs Redis',
      unit: 'calls/s',
      atLeast: 1,
      floorCheck: false,
    }),
    ratioGoal(book, 'incr1', 'ours', 'redis', { name: 'stash `incr`, 1 in flight, RTT vs Redis', unit: 'µs', digits: 1, atMost: 1, floorCheck: false }),
    ratioGoal(book, 'get1', 'ours', 'redis', { name: 'stash 64-byte `get`, 1 in flight, RTT vs Redis', unit: 'µs', digits: 1, atMost: 1, floorCheck: false }),
  ];
  return { markdown: out, goals, raw: { book: book.toJSON(), cpu: Object.fromEntries(cpu) } };
}

export const stash: Scenario = { name: 'stash', run };
