// `node --import=tsx bench/stream-ab.ts <build> <build> ...`: row (b) of bench/streams.ts (one stream of
// 100,000 chunks of 16 characters, read as fast as possible) through several builds of pm2-dirty, in
// interleaved repetitions (the order flips every repetition), so that builds are compared within one
// run of this noisy machine. A build is a built `dist/` directory inside the repository, as for
// bench:ab. STREAM_AB_REPS repetitions (default 8). Prints the median chunks/s of each build.
// A benchmark, not a test: nothing is asserted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ARBITER_NODE_ARGS, ROOT, startArbiter, type BenchArbiter } from './lib/arbiter.js';
import { median } from './lib/stats.js';

const specs = process.argv.slice(2);
if (specs.length === 0) {
  process.stderr.write('usage: node --import=tsx bench/stream-ab.ts <dist dir> ...\n');
  process.exit(2);
}
const reps = Number(process.env['STREAM_AB_REPS'] ?? 8);
const TOKEN = 'x'.repeat(16);
const CHUNKS = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'pdb-sab-'));

/** Chunks per second of one whole stream. */
async function run(a: BenchArbiter): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for await (const x of a.client.stream('tokens', 'repeat', TOKEN, CHUNKS)) if (x === TOKEN) n++;
  if (n !== CHUNKS) throw new Error(`bench: the stream gave ${n} of ${CHUNKS} chunks`);
  return (CHUNKS / (performance.now() - t0)) * 1000;
}

const arbiters: BenchArbiter[] = [];
try {
  for (const [i, spec] of specs.entries()) {
    arbiters.push(
      await startArbiter({
        name: `s${i}`,
        dir,
        dist: isAbsolute(spec) ? spec : resolve(spec),
        execArgv: ARBITER_NODE_ARGS,
        config: { apps: [{ name: 'tokens', module: join(ROOT, 'bench/helpers/stream-apps.mjs'), export: 'Tokens' }], workers: 1, concurrency: 1 },
      }),
    );
  }
  for (const a of arbiters) await run(a); // warm-up
  const got = specs.map((): number[] => []);
  for (let r = 0; r < reps; r++) {
    const order = r % 2 === 0 ? [...arbiters.keys()] : [...arbiters.keys()].reverse();
    const line: string[] = [];
    for (const i of order) {
      const cps = await run(arbiters[i] as BenchArbiter);
      got[i]?.push(cps);
      line.push(`${specs[i]} ${Math.round(cps)}/s`);
    }
    process.stdout.write(`rep ${r + 1}: ${line.join(' | ')}\n`);
  }
  specs.forEach((spec, i) => {
    process.stdout.write(`${spec}: ${Math.round(median(got[i] ?? []))} chunks/s (median of ${reps})\n`);
  });
} finally {
  for (const a of arbiters) await a.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
