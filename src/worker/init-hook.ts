// dirtyWorkerInit(worker): runs in the worker after all its apps' init(), before it counts as
// ready (gunicorn's dirty_worker_init). A hook that throws or hangs is logged, never fatal.
import { pathToFileURL } from 'node:url';
import { runHook, type HookFn } from '../config/hooks.js';
import type { WorkerBoot } from './messages.js';

type ServeBoot = Extract<WorkerBoot, { mode: 'serve' }>;

/** The hook, none, or why the config could not be loaded. */
export type LoadedHook = HookFn | undefined | { readonly failure: Error };

/**
 * Starts importing the config file for its dirtyWorkerInit; never rejects. Called at boot, so the
 * import overlaps the apps' loading and init instead of adding to the time before the worker is ready.
 */
export async function loadWorkerInitHook(boot: ServeBoot): Promise<LoadedHook> {
  if (!boot.configPath) return undefined;
  try {
    const mod = (await import(pathToFileURL(boot.configPath).href)) as { default?: Record<string, unknown> } & Record<string, unknown>;
    const cfg = mod.default ?? mod;
    return typeof cfg['dirtyWorkerInit'] === 'function' ? (cfg['dirtyWorkerInit'] as HookFn) : undefined;
  } catch (err) {
    return { failure: err instanceof Error ? err : new Error(String(err)) };
  }
}

/** Runs the hook that loadWorkerInitHook found (after the apps' init); a config that failed to load is logged. */
export async function runWorkerInitHook(boot: ServeBoot, loading: Promise<LoadedHook>): Promise<void> {
  const log = { error: (line: string) => console.error(`[pm2-dirty worker ${process.pid}] ERROR: ${line}`) };
  const hook = await loading;
  if (hook !== undefined && typeof hook !== 'function') {
    log.error(`cannot load ${boot.configPath ?? ''} for dirtyWorkerInit: ${hook.failure.message}`);
    return;
  }
  await runHook('dirtyWorkerInit', hook, [{ id: boot.id, pid: process.pid, apps: boot.apps.map((a) => a.name) }], boot.hookTimeoutMs, log);
}
