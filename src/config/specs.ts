// App specs: gunicorn's string form "<module>:<Export>[:N]" and the object form
// { name, module, export, workers }, parsed into one shape. Pure.

export interface AppEntry {
  /** Routing name: `name`, or the string spec without `:N`. */
  readonly name: string;
  /** Module specifier as written (relative path or package name). */
  readonly module: string;
  readonly exportName: string;
  /** `:N` or object `workers`; undefined means "take the export's static `workers`". */
  readonly limit: number | null | undefined;
}

export type SpecResult = { readonly ok: true; readonly entry: AppEntry } | { readonly ok: false; readonly error: string };

const show = (v: unknown): string => `${JSON.stringify(v) ?? String(v)} (${typeof v})`;

function parseLimit(raw: unknown, where: string): { ok: true; limit: number | null | undefined } | { ok: false; error: string } {
  if (raw === undefined) return { ok: true, limit: undefined };
  if (raw === null) return { ok: true, limit: null };
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    return { ok: false, error: `${where}: worker limit must be a positive integer, got ${show(raw)}` };
  }
  return { ok: true, limit: n };
}

function parseString(spec: string, where: string): SpecResult {
  const parts = spec.split(':');
  const [module, exportName, n] = parts;
  if (parts.length < 2 || parts.length > 3 || !module || !exportName) {
    return { ok: false, error: `${where}: expected "<module>:<Export>" or "<module>:<Export>:<N>", got ${show(spec)}` };
  }
  const limit = parseLimit(n, where);
  if (!limit.ok) return limit;
  return { ok: true, entry: { name: `${module}:${exportName}`, module, exportName, limit: limit.limit } };
}

function parseObject(spec: Record<string, unknown>, where: string): SpecResult {
  const unknownKey = Object.keys(spec).find((k) => !['name', 'module', 'export', 'workers'].includes(k));
  if (unknownKey !== undefined) return { ok: false, error: `${where}: unknown key \`${unknownKey}\` (expected name, module, export, workers)` };
  const { module, name } = spec;
  const exportName = spec['export'] ?? 'default';
  if (typeof module !== 'string' || module === '') return { ok: false, error: `${where}.module must be a non-empty string, got ${show(module)}` };
  if (typeof exportName !== 'string' || exportName === '') return { ok: false, error: `${where}.export must be a non-empty string, got ${show(exportName)}` };
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    return { ok: false, error: `${where}.name must be a non-empty string, got ${show(name)}` };
  }
  const limit = parseLimit(spec['workers'], `${where}.workers`);
  if (!limit.ok) return limit;
  return { ok: true, entry: { name: name ?? `${module}:${exportName}`, module, exportName, limit: limit.limit } };
}

/** Parses one entry of `apps`; `where` names it in errors (e.g. `apps[2]`). */
export function parseAppSpec(spec: unknown, where: string): SpecResult {
  if (typeof spec === 'string') return parseString(spec, where);
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) return parseObject(spec as Record<string, unknown>, where);
  return { ok: false, error: `${where}: expected a string "<module>:<Export>[:N]" or an object { name, module, export, workers }, got ${show(spec)}` };
}
