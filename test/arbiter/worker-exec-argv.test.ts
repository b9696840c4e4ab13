// workerExecArgv: the arbiter's node flags, plus --single-threaded-gc unless they already set how GC uses threads.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { workerEntry, workerExecArgv } from '../../src/arbiter/worker-process.js';

const cases: [string[], string[]][] = [
  [[], ['--single-threaded-gc']],
  [['--max-old-space-size=512'], ['--max-old-space-size=512', '--single-threaded-gc']],
  [['--single-threaded-gc'], ['--single-threaded-gc']],
  [['--no-single-threaded-gc'], ['--no-single-threaded-gc']],
  [['--single-threaded'], ['--single-threaded']],
  [['--parallel-scavenge'], ['--parallel-scavenge']],
  [
    ['--no-concurrent-marking', '--inspect'],
    ['--no-concurrent-marking', '--inspect'],
  ],
  [['--single-threaded-gc-x'], ['--single-threaded-gc-x', '--single-threaded-gc']],
];
for (const [given, want] of cases) {
  test(`[${given.join(' ')}] -> [${want.join(' ')}]`, (t) => {
    t.deepEqual(workerExecArgv(given), want);
  });
}

// workerEntry: the one-file bundle that `npm run build` makes, else the plain entry (a tsc-only build).
test('workerEntry: the bundle when the build made one, else main.js', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pdw-'));
  try {
    t.is(workerEntry(dir), join(dir, 'main.js'));
    writeFileSync(join(dir, 'main.bundle.js'), '');
    t.is(workerEntry(dir), join(dir, 'main.bundle.js'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
