// `npm run bench:profile`: 64 calls in flight through the built arbiter for BENCH_PROFILE_MS
// (default 4000; BENCH_PROFILE_OP=incr or get: the stash instead of an echo call; big: a 1 MiB echo, 1 in flight) with `node --cpu-prof` on the arbiter and its worker, and the V8 profiler on this
// process (the client); prints the top functions by self time of each process. Where the CPU of a
// call goes, for docs/benchmarks.md. A benchmark tool, not a test.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARBITER_NODE_ARGS, BENCH_APPS, startArbiter, status } from './lib/arbiter.js';
import { pipelined } from './lib/measure.js';
import { BIG, SMALL_TEXT } from './lib/transports.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
}

const ms = Number(process.env['BENCH_PROFILE_MS'] ?? 4000);
const top = Number(process.env['BENCH_PROFILE_TOP'] ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'pdb-prof-'));
const profDir = join(dir, 'prof');

function where(url: string, line: number): string {
  if (url === '') return '';
  const short = url.replace(/^file:\/\//, '').replace(/^.*\/(dist|bench|node_modules)\//, '$1/');
  return ` (${short}:${line + 1})`;
}

/** Self time by function (name + location), as share of all samples, top `n`. */
function summarize(p: Profile, calls: number | null, n: number): string[] {
  const self = new Map<string, number>();
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  for (const id of p.samples) {
    const node = byId.get(id);
    if (!node) continue;
    const f = node.callFrame;
    const key = `${f.functionName === '' ? '(anonymous)' : f.functionName}${where(f.url, f.lineNumber)}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = p.samples.length;
  const us = (p.endTime - p.startTime) / Math.max(1, total); // µs per sample
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
  return rows.map(
    ([k, v]) => `  ${((100 * v) / total).toFixed(1).padStart(5)} %  ${calls === null ? '' : `${((v * us) / calls).toFixed(2).padStart(6)} µs/call  `}${k}`,
  );
}

try {
  const a = await startArbiter({
    name: 'prof',
    dir,
    execArgv: [...ARBITER_NODE_ARGS, '--cpu-prof', `--cpu-prof-dir=${profDir}`],
    config: { apps: [{ name: 'echo', module: BENCH_APPS, export: 'Echo' }], workers: 1, concurrency: 1 },
  });
  const s = await status(a);
  const workerPid = s.workers[0]?.pid ?? 0;
  const op = process.env['BENCH_PROFILE_OP'] ?? 'echo';
  await a.client.stash.put('bench', 'v', SMALL_TEXT);
  const ops: Record<string, () => Promise<unknown>> = {
    echo: () => a.client.execute('echo', 'echo', SMALL_TEXT),
    incr: () => a.client.stash.incr('bench', 'n'),
    get: () => a.client.stash.get('bench', 'v'),
    big: () => a.client.execute('echo', 'echo', BIG),
  };
  // A 1 MiB echo is profiled one call at a time (the bench's 1 MiB column), the rest at 64 in flight (BENCH_PROFILE_INFLIGHT sets it).
  const inflight = Number(process.env['BENCH_PROFILE_INFLIGHT'] ?? (op === 'big' ? 1 : 64));
  const small = ops[op];
  if (small === undefined) throw new Error(`BENCH_PROFILE_OP: one of ${Object.keys(ops).join(', ')}`);
  await pipelined(small, inflight, 1500, []); // warm-up (in the profile too, but short next to the window)
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const r = await pipelined(small, inflight, ms, []);
  const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
  session.disconnect();
  await a.stop(); // SIGTERM: the arbiter and its worker write their profiles on exit
  process.stdout.write(
    `${inflight} in flight for ${ms} ms: ${Math.round(r.callsPerSec)} calls/s, ${r.calls} calls (the arbiter's and worker's profiles include a 1500 ms warm-up)\n\n`,
  );
  process.stdout.write(`client (this process, window only):\n${summarize(profile, r.calls, top).join('\n')}\n\n`);
  for (const file of readdirSync(profDir)) {
    const p = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as Profile;
    const pid = Number(/CPU\.\d+\.\d+\.(\d+)\./.exec(file)?.[1]);
    const role = pid === a.pid ? 'arbiter' : pid === workerPid ? 'worker' : `other child, pid ${pid} (e.g. the arbiter's config probe)`;
    process.stdout.write(`${role} (whole life):\n${summarize(p, null, top).join('\n')}\n\n`);
    const keep = process.env['BENCH_PROFILE_KEEP'];
    if (keep !== undefined && keep !== '') writeFileSync(join(keep, `${role}.cpuprofile`), JSON.stringify(p));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
