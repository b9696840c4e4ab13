// dirtyWorkerInit(worker): runs in the worker after all its apps' init(), before it counts as
// ready (gunicorn's dirty_worker_init). A hook that throws or hangs is logged, never fatal.
import { pathToFileURL } from 'node:url';
import { runHook, type HookFn } from '../arbiter/hooks.js';
import type { WorkerBoot } from './messages.js';

export async function runWorkerInitHook(boot: Extract<WorkerBoot, { mode: 'serve' }>): Promise<void> {
  if (!boot.configPath) return;
  const log = { error: (line: string) => console.error(`[pm2-dirty worker ${process.pid}] ERROR: ${line}`) };
  let fn: HookFn | undefined;
  try {
    const mod = (await import(pathToFileURL(boot.configPath).href)) as { default?: Record<string, unknown> } & Record<string, unknown>;
    const cfg = mod.default ?? mod;
    fn = typeof cfg['dirtyWorkerInit'] === 'function' ? (cfg['dirtyWorkerInit'] as HookFn) : undefined;
  } catch (err) {
    log.error(`cannot load ${boot.configPath} for dirtyWorkerInit: ${(err as Error).message}`);
    return;
  }
  await runHook('dirtyWorkerInit', fn, [{ id: boot.id, pid: process.pid, apps: boot.apps.map((a) => a.name) }], boot.hookTimeoutMs, log);
}
