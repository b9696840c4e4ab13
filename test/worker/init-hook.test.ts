// The worker's dirtyWorkerInit: the config is imported as soon as loading starts (in parallel with
// the apps' init), the hook itself runs only when runWorkerInitHook is called, and a config that
// cannot be loaded is logged, not fatal.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { loadWorkerInitHook, runWorkerInitHook } from '../../src/worker/init-hook.js';
import type { WorkerBoot } from '../../src/worker/messages.js';

const dir = mkdtempSync(join(tmpdir(), 'pdh-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

type Probe = { evaluated?: boolean; calls?: unknown[] };
const probe: Probe = {};
(globalThis as { __pdhProbe?: Probe }).__pdhProbe = probe;

function boot(configPath: string | null): Extract<WorkerBoot, { mode: 'serve' }> {
  return {
    mode: 'serve',
    id: 7,
    apps: [{ name: 'a', specifier: 'x', exportName: 'A' }],
    concurrency: 1,
    heartbeatIntervalMs: 1000,
    configPath,
    hookTimeoutMs: 1000,
  };
}

function captureErrors(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  return { lines, restore: () => (console.error = original) };
}

test.serial('the config is imported when loading starts; the hook runs only when asked, with the worker info', async (t) => {
  const path = join(dir, 'ok.config.mjs');
  writeFileSync(
    path,
    'globalThis.__pdhProbe.evaluated = true;\nexport default { dirtyWorkerInit: (w) => { (globalThis.__pdhProbe.calls ??= []).push(w); } };\n',
  );
  const loading = loadWorkerInitHook(boot(path));
  t.is(typeof (await loading), 'function');
  t.true(probe.evaluated);
  t.is(probe.calls, undefined);
  await runWorkerInitHook(boot(path), loading);
  t.deepEqual(probe.calls, [{ id: 7, pid: process.pid, apps: ['a'] }]);
});

test.serial('no config: nothing is loaded or run', async (t) => {
  const loading = loadWorkerInitHook(boot(null));
  t.is(await loading, undefined);
  await t.notThrowsAsync(runWorkerInitHook(boot(null), loading));
});

test.serial('a config that fails to load is logged when the hook would run, and the worker carries on', async (t) => {
  const path = join(dir, 'bad.config.mjs');
  writeFileSync(path, 'throw new Error("broken config");\n');
  const loading = loadWorkerInitHook(boot(path));
  await t.notThrowsAsync(loading);
  const errors = captureErrors();
  try {
    await runWorkerInitHook(boot(path), loading);
  } finally {
    errors.restore();
  }
  t.is(errors.lines.length, 1);
  t.regex(errors.lines[0] ?? '', /cannot load .*bad\.config\.mjs for dirtyWorkerInit: broken config/);
});
