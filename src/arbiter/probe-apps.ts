// Runs the worker entry in probe mode: a short-lived child imports every app module and reports
// its declared `workers` limit or its load error. The arbiter never imports app code itself.
import { fork } from 'node:child_process';
import type { AppLoadSpec } from '../worker/app-host.js';
import type { ProbedApp, ToArbiter, WorkerBoot } from '../worker/messages.js';
import { WORKER_ENTRY, workerEnv } from './worker-process.js';

/** How long the probe may take to import every app module (one whose import never settles is killed). */
export const PROBE_TIMEOUT_MS = 60_000;

export function probeApps(apps: readonly AppLoadSpec[], timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbedApp[]> {
  const boot: WorkerBoot = { mode: 'probe', apps };
  return new Promise((resolve) => {
    const env = workerEnv(process.env, { PM2_DIRTY_WORKER: JSON.stringify(boot) });
    const child = fork(WORKER_ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
    let report: ProbedApp[] | null = null;
    const fail = (why: string): ProbedApp[] => apps.map((a) => ({ name: a.name, error: why }));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (msg: ToArbiter) => {
      if (msg.t === 'probe') report = [...msg.apps];
    });
    child.on('error', () => undefined);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (report) resolve(report);
      else if (timedOut) resolve(fail(`the app modules did not finish loading within ${timeoutMs} ms (probe process killed)`));
      else resolve(fail(`loading the app modules failed (probe process ${signal ? `killed by ${signal}` : `exited with code ${code}`})`));
    });
  });
}
