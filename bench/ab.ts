// `npm run bench:ab -- <build> <build> ...`: several builds of pm2-dirty and a reference, in
// interleaved windows (the order flips every repetition), so that builds are compared within one
// run of this noisy machine. A build is a built `dist/` directory, kept inside the repository so
// that its imports resolve (`cp -r dist .ab/before`; .ab/ is ignored by git), optionally followed by
// `,NODE=<flags>` (the arbiter's node flags, default the package's node_args; workers inherit them)
// or `,KEY=value` environment entries.
// AB_OP says what a window measures (docs/benchmarks.md):
//   echo (default), incr, get: 64 in flight for AB_WINDOW_MS, calls/s; the reference is the two-hop floor;
//   big: 1 MiB echo calls one at a time (AB_BIG_CALLS per window), median RTT; the reference is the two-hop floor;
//   incr-rtt, get-rtt: the stash op one at a time (AB_SEQ_CALLS per window), median RTT; the reference is
//   redis-server through ioredis (the bench's stash rows).
// In the RTT modes the sides take turns call by call within one window (interleaved() below).
// AB_PIN=same|split pins this process (the client) to CPU 0 and every side's processes to CPU 0 (same) or
// CPU 1 (split), with taskset: a round trip at 1 in flight depends mostly on whether the peer sleeps on
// the other vCPU (a cross-vCPU wake-up), which the scheduler otherwise decides anew for each process.
// Prints each repetition (the window's figure, CPU µs and write system calls per call, all processes) and,
// per build, the median ratio to the reference and of CPU per call.
// A benchmark, not a test: nothing is asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { ARBITER_NODE_ARGS, BENCH_APPS, startArbiter, status } from './lib/arbiter.js';
import { pipelined } from './lib/measure.js';
import { cpuOfPid, exited, stop, writesOfPid } from './lib/proc.js';
import { redisInstalled, startRedis } from './lib/redis.js';
import { median } from './lib/stats.js';
import { BIG, floor, SMALL_TEXT } from './lib/transports.js';

interface Side {
  readonly label: string;
  readonly op: () => Promise<unknown>;
  readonly pids: readonly number[];
  readonly close: () => Promise<void>;
}

/** One window's result: its figure (calls/s or median RTT µs) and the calls it made. */
interface Window {
  readonly value: number;
  readonly calls: number;
}

const specs = process.argv.slice(2);
if (specs.length === 0) {
  process.stderr.write('usage: npm run bench:ab -- <dist dir>[,NODE=<flags>][,KEY=value] ...\n');
  process.exit(2);
}
const reps = Number(process.env['AB_REPS'] ?? 12);
const windowMs = Number(process.env['AB_WINDOW_MS'] ?? 400);
const op = process.env['AB_OP'] ?? 'echo';
const OPS = ['echo', 'incr', 'get', 'big', 'incr-rtt', 'get-rtt'];
if (!OPS.includes(op)) throw new Error(`AB_OP: one of ${OPS.join(', ')}`);
/** RTT modes: one call at a time, the figure is the median round trip (lower is better). */
const rtt = op === 'big' || op.endsWith('-rtt');
const seqCalls = Number(process.env[op === 'big' ? 'AB_BIG_CALLS' : 'AB_SEQ_CALLS'] ?? (op === 'big' ? 30 : 2000));
const stashOp = op.replace('-rtt', '');
/** AB_DETAIL=1: also CPU per call of each process in every window. */
const detail = process.env['AB_DETAIL'] === '1';
const dir = mkdtempSync(join(tmpdir(), 'pdb-ab-'));

async function build(spec: string, name: string): Promise<Side> {
  const [path = '', ...extras] = spec.split(',');
  const env: Record<string, string> = {};
  let execArgv: readonly string[] = ARBITER_NODE_ARGS;
  for (const e of extras) {
    const at = e.indexOf('=');
    if (at < 0) throw new Error(`bench:ab: '${e}' in '${spec}' is not KEY=value`);
    if (e.slice(0, at) === 'NODE')
      execArgv = e
        .slice(at + 1)
        .split(' ')
        .filter(Boolean);
    else env[e.slice(0, at)] = e.slice(at + 1);
  }
  const a = await startArbiter({
    name,
    dir,
    dist: isAbsolute(path) ? path : resolve(path),
    execArgv,
    env,
    config: { apps: [{ name: 'echo', module: BENCH_APPS, export: 'Echo' }], workers: 1, concurrency: 1 },
  });
  await a.client.stash.put('bench', 'v', SMALL_TEXT);
  const fn =
    stashOp === 'incr'
      ? (): Promise<unknown> => a.client.stash.incr('bench', 'n')
      : stashOp === 'get'
        ? (): Promise<unknown> => a.client.stash.get('bench', 'v')
        : op === 'big'
          ? (): Promise<unknown> => a.client.execute('echo', 'echo', BIG)
          : (): Promise<unknown> => a.client.execute('echo', 'echo', SMALL_TEXT);
  // Waits (up to the call's timeout) for the arbiter and its worker; an arbiter that dies says so at once.
  const died = exited(a.child).then(() => {
    throw new Error(`bench:ab: the arbiter of ${spec} exited:\n${a.output()}`);
  });
  await Promise.race([fn(), died]);
  const s = await status(a);
  return { label: spec, op: fn, pids: [a.pid, ...s.workers.flatMap((w) => (w.pid === null ? [] : [w.pid]))], close: a.stop };
}

/** The reference: the two-hop floor, or (stash RTT) redis-server through ioredis. */
async function reference(): Promise<Side> {
  if (!op.endsWith('-rtt')) {
    const f = await floor(dir);
    return {
      label: 'floor',
      op: op === 'big' ? (f.twoHop.big ?? f.twoHop.small) : f.twoHop.small,
      pids: f.twoHop.processes().map((p) => p.pid),
      close: f.close,
    };
  }
  if (!redisInstalled()) throw new Error('bench:ab: AB_OP=' + op + ' needs redis-server (apt-get install -y redis-server)');
  const path = join(dir, 'redis.sock');
  const server = await startRedis(path);
  const r = new Redis({ path, enableAutoPipelining: true, lazyConnect: true });
  await r.connect();
  await r.set('bench:v', SMALL_TEXT);
  const fn = stashOp === 'incr' ? (): Promise<unknown> => r.incr('bench:n') : (): Promise<unknown> => r.get('bench:v');
  const close = async (): Promise<void> => {
    await r.quit().catch(() => undefined);
    await stop(server);
  };
  return { label: 'redis', op: fn, pids: [server.pid ?? 0], close };
}

/** `n` calls one after another: the median round trip in µs. */
async function oneAtATime(fn: () => Promise<unknown>, n: number): Promise<Window> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    lat.push((performance.now() - t) * 1000);
  }
  return { value: median(lat), calls: n };
}

async function measure(fn: () => Promise<unknown>): Promise<Window> {
  const w = await pipelined(fn, 64, windowMs, []);
  return { value: w.callsPerSec, calls: w.calls };
}

const cpuOf = (pid: number): number => (pid === process.pid ? process.cpuUsage().user + process.cpuUsage().system : cpuOfPid(pid));

interface Got {
  readonly value: number;
  readonly cpuUs: number;
  readonly writes: number;
}

/**
 * The RTT modes: one window in which the sides take turns call by call, so that every side meets the
 * same machine (a round trip is mostly wake-ups, whose cost moved 3 x between windows of a few ms under
 * load). CPU and writes per call count the sides' own processes only (the client, this process, is shared).
 */
async function interleaved(order: readonly Side[]): Promise<Map<Side, Got>> {
  const snap = (s: Side): number[] => [...s.pids.map(cpuOf), ...s.pids.map(writesOfPid)];
  const before = order.map(snap);
  const lat = order.map((): number[] => []);
  for (let i = 0; i < seqCalls; i++) {
    for (const [k, s] of order.entries()) {
      const t = performance.now();
      await s.op();
      lat[k]?.push((performance.now() - t) * 1000);
    }
  }
  const got = new Map<Side, Got>();
  order.forEach((s, k) => {
    const d = snap(s).map((v, j) => (v - (before[k]?.[j] ?? 0)) / seqCalls);
    const n = s.pids.length;
    if (detail)
      process.stdout.write(
        `  ${s.label}: µs per call by process (arbiter or relay or server, workers): ${d
          .slice(0, n)
          .map((v) => v.toFixed(2))
          .join(' ')}\n`,
      );
    got.set(s, { value: median(lat[k] ?? []), cpuUs: d.slice(0, n).reduce((a, b) => a + b, 0), writes: d.slice(n).reduce((a, b) => a + b, 0) });
  });
  return got;
}
const show = (v: number): string => (rtt ? `${v.toFixed(1)} µs` : `${Math.round(v)}/s`);

/** AB_PIN: every thread of `pid` on `cpu`. */
function pin(pid: number, cpu: number): void {
  const r = spawnSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`bench:ab: taskset could not pin pid ${pid} to CPU ${cpu}`);
}

const pinning = process.env['AB_PIN'];
if (pinning !== undefined && pinning !== 'same' && pinning !== 'split') throw new Error('AB_PIN: same or split');

const sides: Side[] = [];
try {
  for (const [i, spec] of specs.entries()) sides.push(await build(spec, `b${i}`));
  const ref = await reference();
  sides.push(ref);
  if (pinning !== undefined) {
    pin(process.pid, 0);
    for (const s of sides) for (const pid of s.pids) pin(pid, pinning === 'same' ? 0 : 1);
  }
  // Warm-up
  for (const s of sides) {
    if (rtt) await oneAtATime(s.op, op === 'big' ? 15 : 2000);
    else await pipelined(s.op, 64, 1000, []);
  }
  const ratio = specs.map((): number[] => []);
  const cpu = specs.map((): number[] => []);
  for (let r = 0; r < reps; r++) {
    const got = rtt ? await interleaved(r % 2 === 0 ? sides : [...sides].reverse()) : new Map<Side, Got>();
    for (const s of rtt ? [] : r % 2 === 0 ? sides : [...sides].reverse()) {
      const pids = [process.pid, ...s.pids];
      const before = pids.map(cpuOf);
      const writesBefore = pids.reduce((sum, pid) => sum + writesOfPid(pid), 0);
      const w = await measure(s.op);
      const writes = (pids.reduce((sum, pid) => sum + writesOfPid(pid), 0) - writesBefore) / w.calls;
      const after = pids.map(cpuOf);
      if (detail) {
        const each = pids.map((_, i) => (((after[i] ?? 0) - (before[i] ?? 0)) / w.calls).toFixed(2));
        process.stdout.write(`  ${s.label}: µs per call by process (client, arbiter or relay or server, workers): ${each.join(' ')}\n`);
      }
      got.set(s, { value: w.value, cpuUs: after.reduce((sum, v, i) => sum + v - (before[i] ?? 0), 0) / w.calls, writes });
    }
    const fl = got.get(ref) ?? { value: 1, cpuUs: 1, writes: 0 };
    const line: string[] = [];
    specs.forEach((_, i) => {
      const g = got.get(sides[i] as Side) ?? { value: 0, cpuUs: 0, writes: 0 };
      ratio[i]?.push(g.value / fl.value);
      cpu[i]?.push(g.cpuUs / fl.cpuUs);
      line.push(`${show(g.value)} ${g.cpuUs.toFixed(1)} µs ${g.writes.toFixed(2)} w (${(g.value / fl.value).toFixed(2)})`);
    });
    process.stdout.write(`rep ${r + 1}: ${line.join(' | ')} | ${ref.label} ${show(fl.value)} ${fl.cpuUs.toFixed(1)} µs ${fl.writes.toFixed(2)} w\n`);
  }
  const what = rtt ? `median RTT ${op}` : `throughput ${op}`;
  specs.forEach((spec, i) => {
    process.stdout.write(
      `${spec}: ${what} ${median(ratio[i] ?? []).toFixed(3)} x the ${ref.label}, CPU per call ${median(cpu[i] ?? []).toFixed(2)} x (medians of ${reps})\n`,
    );
  });
} finally {
  for (const s of sides) await s.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
