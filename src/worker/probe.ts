// Probe mode: a short-lived process imports each app module, reports its declared `workers`
// limit or the load error, and exits, so the arbiter itself never imports app code.
import { declaredLimit, importExport, type AppLoadSpec } from './app-host.js';
import type { ProbedApp } from './messages.js';

export async function runProbe(specs: readonly AppLoadSpec[]): Promise<ProbedApp[]> {
  const report: ProbedApp[] = [];
  for (const spec of specs) {
    try {
      const target = await importExport(spec);
      report.push({ name: spec.name, limit: declaredLimit(target, spec.name) ?? null });
    } catch (err) {
      report.push({ name: spec.name, error: (err as Error).message });
    }
  }
  return report;
}
