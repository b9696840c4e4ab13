// Build step after tsc: bundles the worker entry (dist/worker/main.js and the ~20 modules it
// imports) into one file, dist/worker/main.bundle.js, which the arbiter forks. A worker then starts
// without resolving, reading and linking each ES module on its own: fork -> ready went from about
// 1.4x to about 1.1x a bare `fork()` (docs/benchmarks.md, "Third session").
// dist/app/index.js stays a separate module: it holds the per-call context that apps reach through
// `pm2-dirty/app`, and the worker must share that one module instance with them.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

await build({
  entryPoints: [`${dist}worker/main.js`],
  outfile: `${dist}worker/main.bundle.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Resolved relative to the working directory; the import keeps its text, '../app/index.js',
  // which is right from dist/worker/ as well.
  absWorkingDir: dist,
  external: ['./app/index.js'],
  // Maps back to src/ through the tsc maps next to each input, as dist's other files do.
  sourcemap: true,
  logLevel: 'warning',
});
