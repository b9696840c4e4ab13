// `node --import=tsx --single-threaded-gc bench/codec-ab.ts <dist> <dist> ...`: the codec's hot functions
// (one-pass and two-pass encoding, decoding, the app_path scan) in several builds of pm2-dirty, in
// interleaved windows (the order flips every repetition), timed in CPU time of this process, which a
// busy machine disturbs less than wall time. Pass the same build twice (two copies: a module is loaded
// once per path) to see the noise. Prints per case the median ns per operation and each build's
// ratio to the first. A build is a built `dist/` directory (`cp -r dist .ab/before`).
// A benchmark, not a test: nothing is asserted.
import { Buffer } from 'node:buffer';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './lib/stats.js';

type Messages = typeof import('../src/protocol/messages.js');
type Batches = typeof import('../src/protocol/frame-batch.js');
type Tlv = typeof import('../src/protocol/tlv.js');
type AppPath = typeof import('../src/protocol/app-path.js');

interface Build {
  readonly m: Messages;
  readonly fb: Batches;
  readonly tlv: Tlv;
  readonly ap: AppPath;
  /** A connection-style batch: 64 KiB slabs, so frames that fit take the one-pass encoder. */
  readonly slab: InstanceType<Batches['FrameBatch']>;
  readonly reqPayload: Buffer;
  readonly bigPayload: Buffer;
}

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  process.stderr.write('usage: node --import=tsx --single-threaded-gc bench/codec-ab.ts <dist dir> <dist dir> ...\n');
  process.exit(2);
}
const reps = Number(process.env['CODEC_REPS'] ?? 21);
const windowNs = BigInt(Number(process.env['CODEC_WINDOW_MS'] ?? 30) * 1e6);

const args: unknown[] = ['hello world', 42, 3.5, true, null, { a: 1, name: 'zoë', list: [1, 2, 3] }, Buffer.alloc(100, 1)];
const kwargs = { timeout: 10, mode: 'fast', tags: ['x', 'y'] };
const rows = Array.from({ length: 200 }, (_, i) => ({ id: i, name: `row${i}`, v: i * 1.5, ok: i % 2 === 0, big: BigInt(i) * 10n ** 12n }));
const big = { rows };

async function load(dir: string): Promise<Build> {
  const at = (file: string): string => pathToFileURL(resolve(dir, 'protocol', file)).href;
  const m = (await import(at('messages.js'))) as Messages;
  const fb = (await import(at('frame-batch.js'))) as Batches;
  const tlv = (await import(at('tlv.js'))) as Tlv;
  const ap = (await import(at('app-path.js'))) as AppPath;
  const reqPayload = Buffer.concat(m.encodeRequest(1n, 'app:Echo', 'echo', args, kwargs)).subarray(16);
  return { m, fb, tlv, ap, slab: new fb.FrameBatch(64 * 1024), reqPayload, bigPayload: tlv.encodeValue(big) };
}

const cases: Record<string, (b: Build) => unknown> = {
  'REQUEST, one pass': (b) => {
    b.m.writeRequest(b.slab, 1n, 'app:Echo', 'echo', args, kwargs);
    return b.slab.take();
  },
  'RESPONSE 200 rows, one pass': (b) => {
    b.m.writeResponse(b.slab, 1n, big);
    return b.slab.take();
  },
  'REQUEST, two pass': (b) => b.m.encodeRequest(1n, 'app:Echo', 'echo', args, kwargs),
  'RESPONSE 200 rows, two pass': (b) => b.m.encodeResponse(1n, big),
  'encodeValue Map': (b) =>
    b.tlv.encodeValue(
      new Map<string, unknown>([
        ['k', args],
        ['big', big],
      ]),
    ),
  'decodeValue 200 rows': (b) => b.tlv.decodeValue(b.bigPayload),
  decodeRequest: (b) => b.m.decodeRequest(b.reqPayload),
  scanAppPath: (b) => b.ap.scanAppPath(b.reqPayload),
};

const builds = await Promise.all(dirs.map(load));
const samples = new Map<string, number[][]>(Object.keys(cases).map((name) => [name, builds.map(() => [])]));
for (let r = 0; r < reps; r++) {
  const order = builds.map((_, i) => i);
  if (r % 2 === 1) order.reverse();
  for (const [name, run] of Object.entries(cases)) {
    for (const i of order) {
      const b = builds[i] as Build;
      let n = 0;
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      do {
        for (let k = 0; k < 200; k++) run(b);
        n += 200;
      } while (process.hrtime.bigint() - t0 < windowNs);
      const cpu = process.cpuUsage(cpu0);
      samples.get(name)?.[i]?.push(((cpu.user + cpu.system) * 1000) / n);
    }
  }
}
for (const [name, perBuild] of samples) {
  const ns = perBuild.map((s) => median(s));
  const first = ns[0] ?? 1;
  const cells = ns.map((v, i) => `${v.toFixed(0).padStart(7)} ns${i === 0 ? '' : ` (${(v / first).toFixed(3)})`}`);
  process.stdout.write(`${name.padEnd(28)} ${cells.join('  ')}\n`);
}
