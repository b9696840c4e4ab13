// workerExecArgv: the arbiter's node flags, plus --single-threaded-gc unless they already set how GC uses threads.
import test from 'ava';
import { workerExecArgv } from '../../src/arbiter/worker-process.js';

const cases: [string[], string[]][] = [
  [[], ['--single-threaded-gc']],
  [['--max-old-space-size=512'], ['--max-old-space-size=512', '--single-threaded-gc']],
  [['--single-threaded-gc'], ['--single-threaded-gc']],
  [['--no-single-threaded-gc'], ['--no-single-threaded-gc']],
  [['--single-threaded'], ['--single-threaded']],
  [['--parallel-scavenge'], ['--parallel-scavenge']],
  [['--no-concurrent-marking', '--inspect'], ['--no-concurrent-marking', '--inspect']],
  [['--single-threaded-gc-x'], ['--single-threaded-gc-x', '--single-threaded-gc']],
];
for (const [given, want] of cases) {
  test(`[${given.join(' ')}] -> [${want.join(' ')}]`, (t) => {
    t.deepEqual(workerExecArgv(given), want);
  });
}
