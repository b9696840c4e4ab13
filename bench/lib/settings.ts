// The bench's knobs: repetitions, window lengths, time budgets. BENCH_QUICK=1 for a smoke run;
// each can be overridden by its environment variable (docs/benchmarks.md lists them).
const quick = process.env['BENCH_QUICK'] === '1';
const int = (name: string, fallback: number): number => {
  const raw = Number(process.env[name]);
  return Number.isSafeInteger(raw) && raw > 0 ? raw : fallback;
};

export const settings = {
  quick,
  reps: int('BENCH_REPS', quick ? 2 : 9),
  warmupCalls: quick ? 500 : 2000,
  warmupMs: quick ? 200 : 500,
  warmupBig: quick ? 5 : 15,
  /** ... and 1 MiB calls for at least this long: a process's 1 MiB path settles over the first seconds (heap and allocator sizing). */
  warmupBigMs: int('BENCH_BIG_WARMUP_MS', quick ? 100 : 1500),
  seqUntimed: quick ? 30 : 1000,
  seqCalls: int('BENCH_SEQ_CALLS', quick ? 500 : 5000),
  inflight: 64,
  pipeMs: int('BENCH_PIPE_MS', quick ? 150 : 400),
  bigWarmup: quick ? 3 : 10,
  bigCalls: int('BENCH_BIG_CALLS', quick ? 8 : 150),
  /** Web tier: client processes × calls in flight each, against 2 workers. */
  webClients: 8,
  webInflight: 16,
  webWorkers: 2,
  webMs: int('BENCH_WEB_MS', quick ? 200 : 500),
  webReps: int('BENCH_WEB_REPS', quick ? 2 : 7),
  stashReps: int('BENCH_STASH_REPS', quick ? 2 : 7),
  spawnWarmup: 1,
  spawns: int('BENCH_SPAWNS', quick ? 3 : 10),
  initMs: 200,
  /** Stop starting new repetitions / spawn rounds after this many seconds (at least `minRounds` run). */
  callsBudgetS: int('BENCH_CALLS_BUDGET_S', 80),
  spawnBudgetS: int('BENCH_SPAWN_BUDGET_S', 40),
  minRounds: 3,
};

export type BenchSettings = typeof settings;
