// What changed between two configs, as human-readable lines for the reload log and reply. Pure.
import type { LoadedConfig } from './load.js';

export function describeConfigChanges(before: LoadedConfig, after: LoadedConfig): string[] {
  const lines: string[] = [];
  const old = new Map(before.resolvedApps.map((a) => [a.name, a]));
  const now = new Map(after.resolvedApps.map((a) => [a.name, a]));
  for (const [name, a] of now) {
    const b = old.get(name);
    if (!b) lines.push(`app ${name} added (limit ${a.limit ?? 'none'})`);
    else if (b.limit !== a.limit) lines.push(`app ${name} limit ${b.limit ?? 'none'} -> ${a.limit ?? 'none'}`);
    else if (b.specifier !== a.specifier || b.exportName !== a.exportName) lines.push(`app ${name} now loads ${a.specifier}:${a.exportName}`);
  }
  for (const name of old.keys()) if (!now.has(name)) lines.push(`app ${name} removed`);
  // Compared by value: a reload builds new arrays and objects even when nothing changed.
  const scalars = Object.keys(after).filter((k) => !['apps', 'resolvedApps', 'configPath', 'hookFns'].includes(k)) as (keyof LoadedConfig)[];
  const show = (v: unknown): string => JSON.stringify(v) ?? 'unset';
  for (const k of scalars) {
    if (show(before[k]) === show(after[k])) continue;
    const restart = k === 'socketPath' || k === 'metricsListen' ? ' ignored until a restart' : '';
    lines.push(`${k} ${show(before[k])} -> ${show(after[k])}${restart}`);
  }
  // A hook present before and after whose code changed (functions are new objects after every reload).
  for (const [name, fn] of Object.entries(after.hookFns)) {
    const old = before.hookFns[name as keyof LoadedConfig['hookFns']];
    if (old !== undefined && String(old) !== String(fn)) lines.push(`hook ${name} changed`);
  }
  return lines;
}
