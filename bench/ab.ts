// `npm run bench:ab -- <build> <build> ...`: 64 calls in flight through several builds of pm2-dirty
// and the two-hop floor, in interleaved windows (the order flips every repetition), so that builds
// are compared within one run of this noisy machine. A build is a built `dist/` directory, kept
// inside the repository so that its imports resolve (`cp -r dist .ab/before`; .ab/ is ignored by
// git), optionally followed by `,NODE=<flags>` (the arbiter's node
// flags, default the package's node_args; workers inherit them) or `,KEY=value` environment entries.
// Prints each repetition (calls/s, CPU µs and write system calls per call, all processes) and, per build, the median ratio to the floor and of CPU per call.
// AB_OP=incr|get compares the stash path of the builds instead of echo calls.
// A benchmark, not a test: nothing is asserted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ARBITER_NODE_ARGS, BENCH_APPS, startArbiter, status } from './lib/arbiter.js';
import { pipelined } from './lib/measure.js';
import { cpuOfPid, exited, writesOfPid } from './lib/proc.js';
import { median } from './lib/stats.js';
import { floor, SMALL_TEXT } from './lib/transports.js';

interface Side {
  readonly label: string;
  readonly small: () => Promise<unknown>;
  readonly pids: readonly number[];
  readonly close: () => Promise<void>;
}

const specs = process.argv.slice(2);
if (specs.length === 0) {
  process.stderr.write('usage: npm run bench:ab -- <dist dir>[,NODE=<flags>][,KEY=value] ...\n');
  process.exit(2);
}
const reps = Number(process.env['AB_REPS'] ?? 12);
const windowMs = Number(process.env['AB_WINDOW_MS'] ?? 400);
/** AB_OP=incr or get: the builds run that stash operation instead of an echo call (the floor stays the reference). */
const op = process.env['AB_OP'] ?? 'echo';
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
  const small = (): Promise<unknown> =>
    op === 'incr' ? a.client.stash.incr('bench', 'n') : op === 'get' ? a.client.stash.get('bench', 'v') : a.client.execute('echo', 'echo', SMALL_TEXT);
  // Waits (up to the call's timeout) for the arbiter and its worker; an arbiter that dies says so at once.
  const died = exited(a.child).then(() => {
    throw new Error(`bench:ab: the arbiter of ${spec} exited:\n${a.output()}`);
  });
  await Promise.race([small(), died]);
  const s = await status(a);
  return { label: spec, small, pids: [a.pid, ...s.workers.flatMap((w) => (w.pid === null ? [] : [w.pid]))], close: a.stop };
}

const sides: Side[] = [];
try {
  for (const [i, spec] of specs.entries()) sides.push(await build(spec, `b${i}`));
  const f = await floor(dir);
  sides.push({ label: 'floor', small: f.twoHop.small, pids: f.twoHop.processes().map((p) => p.pid), close: f.close });
  for (const s of sides) await pipelined(s.small, 64, 1000, []); // warm-up
  const ratio = specs.map((): number[] => []);
  const cpu = specs.map((): number[] => []);
  for (let r = 0; r < reps; r++) {
    const got = new Map<Side, { cps: number; cpuUs: number; writes: number }>();
    for (const s of r % 2 === 0 ? sides : [...sides].reverse()) {
      const pids = [process.pid, ...s.pids];
      const before = pids.map((pid) => (pid === process.pid ? process.cpuUsage().user + process.cpuUsage().system : cpuOfPid(pid)));
      const writesBefore = pids.reduce((sum, pid) => sum + writesOfPid(pid), 0);
      const w = await pipelined(s.small, 64, windowMs, []);
      const writes = (pids.reduce((sum, pid) => sum + writesOfPid(pid), 0) - writesBefore) / w.calls;
      const after = pids.map((pid) => (pid === process.pid ? process.cpuUsage().user + process.cpuUsage().system : cpuOfPid(pid)));
      if (detail) {
        const each = pids.map((_, i) => (((after[i] ?? 0) - (before[i] ?? 0)) / w.calls).toFixed(2));
        process.stdout.write(`  ${s.label}: µs per call by process (client, arbiter or relay, workers): ${each.join(' ')}\n`);
      }
      got.set(s, { cps: w.callsPerSec, cpuUs: after.reduce((sum, v, i) => sum + v - (before[i] ?? 0), 0) / w.calls, writes });
    }
    const fl = got.get(sides[sides.length - 1] as Side) ?? { cps: 1, cpuUs: 1, writes: 0 };
    const line: string[] = [];
    specs.forEach((_, i) => {
      const g = got.get(sides[i] as Side) ?? { cps: 0, cpuUs: 0, writes: 0 };
      ratio[i]?.push(g.cps / fl.cps);
      cpu[i]?.push(g.cpuUs / fl.cpuUs);
      line.push(`${Math.round(g.cps)}/s ${g.cpuUs.toFixed(1)} µs ${g.writes.toFixed(2)} w (${(g.cps / fl.cps).toFixed(2)})`);
    });
    process.stdout.write(`rep ${r + 1}: ${line.join(' | ')} | floor ${Math.round(fl.cps)}/s ${fl.cpuUs.toFixed(1)} µs ${fl.writes.toFixed(2)} w\n`);
  }
  specs.forEach((spec, i) => {
    process.stdout.write(
      `${spec}: throughput ${median(ratio[i] ?? []).toFixed(3)} x the floor, CPU per call ${median(cpu[i] ?? []).toFixed(2)} x (medians of ${reps})\n`,
    );
  });
} finally {
  for (const s of sides) await s.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
