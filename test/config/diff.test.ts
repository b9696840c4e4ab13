// describeConfigChanges: what a reload logs and replies. A config read again without changes has none.
import test from 'ava';
import { describeConfigChanges } from '../../src/config/diff.js';
import type { LoadedConfig } from '../../src/config/load.js';

function config(over: Partial<LoadedConfig> = {}): LoadedConfig {
  // Every structured value is a fresh object per call, as after a reload's new import of the file.
  return {
    apps: [{ name: 'a', module: './a.mjs', exportName: 'A', limit: undefined }],
    workers: 2,
    maxWorkers: 4,
    gracefulTimeoutMs: 30_000,
    socketPath: '/s.sock',
    concurrency: 1,
    maxQueue: 1024,
    timeoutMs: 300_000,
    heartbeatTimeoutMs: 30_000,
    spawnConcurrency: 2,
    restartBaseDelayMs: 100,
    restartMaxDelayMs: 30_000,
    maxCrashes: 5,
    crashWindowMs: 60_000,
    stashMaxTables: 1024,
    stashMaxKeysPerTable: 100_000,
    stashMaxBytes: 1 << 26,
    persistTarget: false,
    maxWorkerMemoryMb: 0,
    hookTimeoutMs: 10_000,
    stashMaxKeyBytes: 1024,
    stashMaxPatternBytes: 256,
    stashMaxEntries: 16_384,
    stashMaxStrBytes: 1 << 20,
    frameStallTimeoutMs: 10_000,
    streamStallTimeoutMs: 30_000,
    hooks: [],
    autoscale: undefined,
    metricsListen: undefined,
    cancelGraceMs: 5_000,
    initTimeoutMs: 60_000,
    crashCooldownMs: 30_000,
    configPath: '/c.mjs',
    resolvedApps: [{ name: 'a', specifier: 'file:///a.mjs', exportName: 'A', limit: null }],
    hookFns: {},
    autoscaleConfig: null,
    ...over,
  };
}

test('the same config read twice has no changes (objects compared by value, not by reference)', (t) => {
  t.deepEqual(describeConfigChanges(config(), config()), []);
  const hook = { onScale: (): void => undefined };
  const same = { onScale: (): void => undefined };
  t.deepEqual(describeConfigChanges(config({ hooks: ['onScale'], hookFns: hook }), config({ hooks: ['onScale'], hookFns: same })), []);
});

test('real changes are named, old -> new', (t) => {
  const before = config({ hookFns: { onScale: (): number => 1 }, hooks: ['onScale'] });
  const after = config({ workers: 3, hooks: ['onScale', 'dirtyPostFork'], hookFns: { onScale: (): number => 2, dirtyPostFork: (): void => undefined } });
  t.deepEqual(describeConfigChanges(before, after), ['workers 2 -> 3', 'hooks ["onScale"] -> ["onScale","dirtyPostFork"]', 'hook onScale changed']);
});
