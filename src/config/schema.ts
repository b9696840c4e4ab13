// Validation of the config file plus `pm2 set pm2-dirty:<key>` overrides (strings) into one
// DirtyConfig. Pure: every problem is returned, naming the key and the value.
import { parseAppSpec, type AppEntry } from './specs.js';
import { didYouMean } from './suggest.js';

export interface DirtyConfig {
  readonly apps: readonly AppEntry[];
  /** Initial target; undefined means "the minimum the app specs require". */
  readonly workers: number | undefined;
  readonly maxWorkers: number;
  readonly gracefulTimeoutMs: number;
  readonly socketPath: string;
  /** Calls one worker runs at once. */
  readonly concurrency: number;
  /** Calls that may wait in the arbiter for a free worker, across all apps. */
  readonly maxQueue: number;
  /** Arbiter-side limit on one call's run time (0 disables). */
  readonly timeoutMs: number;
  /** A worker whose event loop has not answered for this long is killed (0 disables). */
  readonly heartbeatTimeoutMs: number;
  readonly spawnConcurrency: number;
  readonly restartBaseDelayMs: number;
  readonly restartMaxDelayMs: number;
  readonly maxCrashes: number;
  readonly crashWindowMs: number;
  readonly stashMaxTables: number;
  readonly stashMaxKeysPerTable: number;
  readonly stashMaxBytes: number;
  /** Longest stash key and KEYS pattern (bytes); most list items and dict entries, and str bytes, in one STASH frame. */
  readonly stashMaxKeyBytes: number;
  readonly stashMaxPatternBytes: number;
  readonly stashMaxEntries: number;
  readonly stashMaxStrBytes: number;
  /** Keep a runtime-set target across arbiter restarts ($PM2_HOME/dirty/target.json). */
  readonly persistTarget: boolean;
  /** Retire (drain) and replace a worker whose RSS exceeds this many MiB; 0 disables. */
  readonly maxWorkerMemoryMb: number;
  readonly hookTimeoutMs: number;
  /** A client that sends part of a frame and then nothing for this long is disconnected. */
  readonly frameStallTimeoutMs: number;
  /** A stream whose window stays full (its reader takes nothing) this long is cancelled (0 disables). */
  readonly streamStallTimeoutMs: number;
  // Liveness (each 0 disables): a worker ignoring a cancelled call for cancelGraceMs is recycled, an
  // init() running past initTimeoutMs is killed, an open crash-loop breaker probes after crashCooldownMs.
  readonly cancelGraceMs: number;
  readonly initTimeoutMs: number;
  readonly crashCooldownMs: number;
  /** Hook names defined in the config file (the functions themselves stay in the file). */
  readonly hooks: readonly HookName[];
  /** The raw `autoscale` section, validated by the autoscaler. */
  readonly autoscale: unknown;
  // Operator surface: a Prometheus endpoint `host:port` (off when undefined).
  readonly metricsListen: string | undefined;
}

type Kind = 'count' | 'positive' | 'ms' | 'string' | 'boolean';
interface Field {
  readonly kind: Kind;
  readonly fallback: (env: ConfigEnv) => number | string | boolean | undefined;
}
export interface ConfigEnv {
  readonly cpuCount: number;
  readonly defaultSocketPath: string;
}

const FIELDS: Readonly<Record<Exclude<keyof DirtyConfig, 'apps' | 'hooks' | 'autoscale'>, Field>> = {
  workers: { kind: 'positive', fallback: () => undefined },
  maxWorkers: { kind: 'positive', fallback: (env) => 4 * Math.max(1, env.cpuCount) },
  gracefulTimeoutMs: { kind: 'ms', fallback: () => 30_000 },
  socketPath: { kind: 'string', fallback: (env) => env.defaultSocketPath },
  concurrency: { kind: 'positive', fallback: () => 1 },
  maxQueue: { kind: 'count', fallback: () => 1024 },
  timeoutMs: { kind: 'ms', fallback: () => 300_000 },
  heartbeatTimeoutMs: { kind: 'ms', fallback: () => 30_000 },
  spawnConcurrency: { kind: 'positive', fallback: (env) => Math.max(1, env.cpuCount) },
  restartBaseDelayMs: { kind: 'ms', fallback: () => 100 },
  restartMaxDelayMs: { kind: 'ms', fallback: () => 30_000 },
  maxCrashes: { kind: 'positive', fallback: () => 5 },
  crashWindowMs: { kind: 'ms', fallback: () => 60_000 },
  stashMaxTables: { kind: 'positive', fallback: () => 1024 },
  stashMaxKeysPerTable: { kind: 'positive', fallback: () => 100_000 },
  stashMaxBytes: { kind: 'positive', fallback: () => 64 * 1024 * 1024 },
  stashMaxKeyBytes: { kind: 'positive', fallback: () => 1024 },
  stashMaxPatternBytes: { kind: 'positive', fallback: () => 256 },
  stashMaxEntries: { kind: 'positive', fallback: () => 16_384 },
  stashMaxStrBytes: { kind: 'positive', fallback: () => 1024 * 1024 },
  persistTarget: { kind: 'boolean', fallback: () => false },
  maxWorkerMemoryMb: { kind: 'count', fallback: () => 0 },
  hookTimeoutMs: { kind: 'ms', fallback: () => 10_000 },
  frameStallTimeoutMs: { kind: 'positive', fallback: () => 10_000 },
  streamStallTimeoutMs: { kind: 'ms', fallback: () => 30_000 },
  metricsListen: { kind: 'string', fallback: () => undefined },
  cancelGraceMs: { kind: 'ms', fallback: () => 5_000 },
  initTimeoutMs: { kind: 'ms', fallback: () => 60_000 },
  crashCooldownMs: { kind: 'ms', fallback: () => 30_000 },
};

/** Lifecycle hooks (functions in the config file; gunicorn's names, camel-cased). */
export const HOOK_NAMES = ['onDirtyStarting', 'dirtyPostFork', 'dirtyWorkerInit', 'dirtyWorkerExit', 'onScale'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** Keys that `pm2 set pm2-dirty:<key>` may override, plus `config` (the path of the file). */
export const OVERRIDABLE_KEYS: readonly string[] = Object.keys(FIELDS);

const show = (v: unknown): string => `${typeof v === 'string' ? JSON.stringify(v) : String(v)} (${typeof v})`;

function coerce(key: string, kind: Kind, raw: unknown): { value: number | string | boolean } | { error: string } {
  if (kind === 'boolean') {
    if (typeof raw === 'boolean') return { value: raw };
    if (raw === 'true' || raw === 'false') return { value: raw === 'true' };
    return { error: `\`${key}\` must be true or false, got ${show(raw)}` };
  }
  if (kind === 'string') {
    return typeof raw === 'string' && raw !== '' ? { value: raw } : { error: `\`${key}\` must be a non-empty string, got ${show(raw)}` };
  }
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
  const min = kind === 'positive' ? 1 : 0;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
    const what = kind === 'positive' ? 'a positive integer' : 'a non-negative integer';
    return { error: `\`${key}\` must be ${what}, got ${show(raw)}` };
  }
  return { value: n };
}

export type ConfigResult = { readonly ok: true; readonly config: DirtyConfig } | { readonly ok: false; readonly errors: readonly string[] };

/** Merges file values with overrides (overrides win), coerces, and validates every key. */
export function resolveConfig(file: Readonly<Record<string, unknown>>, overrides: Readonly<Record<string, unknown>>, env: ConfigEnv): ConfigResult {
  const errors: string[] = [];
  const structured = new Set<string>(['apps', 'autoscale', ...HOOK_NAMES]);
  const fileKeys = [...structured, ...OVERRIDABLE_KEYS];
  for (const key of Object.keys(file)) {
    if (!structured.has(key) && !(key in FIELDS)) errors.push(`unknown key \`${key}\`${didYouMean(key, fileKeys) || ' (the keys are listed in the README)'}`);
  }
  const hooks = HOOK_NAMES.filter((h) => file[h] !== undefined);
  for (const h of hooks) if (typeof file[h] !== 'function') errors.push(`\`${h}\` must be a function, got ${show(file[h])}`);
  for (const key of Object.keys(overrides)) {
    const hint = didYouMean(key, ['config', ...OVERRIDABLE_KEYS]) || `; known: config, ${OVERRIDABLE_KEYS.join(', ')}`;
    if (!(key in FIELDS)) errors.push(`unknown override \`${key}\` (pm2 set pm2-dirty:${key})${hint}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(FIELDS)) {
    const raw = key in overrides && overrides[key] !== '' ? overrides[key] : file[key];
    if (raw === undefined || raw === null || raw === '') {
      out[key] = field.fallback(env);
      continue;
    }
    const r = coerce(key, field.kind, raw);
    if ('error' in r) errors.push(r.error);
    else out[key] = r.value;
  }
  const apps = parseApps(file['apps'], errors);
  const workers = out['workers'] as number | undefined;
  const maxWorkers = out['maxWorkers'] as number;
  if (workers !== undefined && workers > maxWorkers) errors.push(`\`workers\` (${workers}) is above \`maxWorkers\` (${maxWorkers})`);
  const listen = out['metricsListen'];
  if (typeof listen === 'string' && !/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(listen)) {
    errors.push(`\`metricsListen\` must be host:port (e.g. "127.0.0.1:9464"), got ${show(listen)}`);
  } else if (typeof listen === 'string' && Number(listen.slice(listen.lastIndexOf(':') + 1)) > 65535) {
    errors.push(`\`metricsListen\` port must be 0 to 65535, got ${show(listen)}`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: { ...(out as unknown as Omit<DirtyConfig, 'apps' | 'hooks' | 'autoscale'>), apps, hooks, autoscale: file['autoscale'] } };
}

function parseApps(raw: unknown, errors: string[]): AppEntry[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    errors.push(`\`apps\` must be a non-empty array of app specs, got ${show(raw)}`);
    return [];
  }
  const apps: AppEntry[] = [];
  const seen = new Set<string>();
  raw.forEach((spec, i) => {
    const r = parseAppSpec(spec, `apps[${i}]`);
    if (!r.ok) {
      errors.push(r.error);
      return;
    }
    if (seen.has(r.entry.name)) errors.push(`apps[${i}]: duplicate app name ${JSON.stringify(r.entry.name)}`);
    seen.add(r.entry.name);
    apps.push(r.entry);
  });
  return apps;
}
