// Finds and loads the config file (env PM2_DIRTY_CONFIG or `pm2 set pm2-dirty:config`), overlays
// pm2 module overrides, resolves app modules and probes their `workers` limits in a child process.
import { createRequire } from 'node:module';
import { homedir, availableParallelism } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppLoadSpec } from '../worker/app-host.js';
import type { ProbedApp } from '../worker/messages.js';
import { HOOK_NAMES, resolveConfig, type DirtyConfig } from './schema.js';
import type { HookFn, HookFns } from './hooks.js';
import type { AutoscaleConfig } from '../core/autoscale.js';
import { parseAutoscale } from './autoscale-config.js';
import { computeBounds, workersText } from '../core/scaling.js';
import type { AppEntry } from './specs.js';

export const MODULE_NAME = 'pm2-dirty';

export interface ResolvedApp extends AppLoadSpec {
  readonly limit: number | null;
}

export interface LoadedConfig extends DirtyConfig {
  readonly configPath: string;
  readonly resolvedApps: readonly ResolvedApp[];
  /** The hook functions of the config file (validated as functions by the schema). */
  readonly hookFns: HookFns;
  /** Autoscaling settings, or null when `autoscale` is absent or false. */
  readonly autoscaleConfig: AutoscaleConfig | null;
}

/** Imports the app modules away from the caller (the arbiter forks a probe process) and reports each one's limit or error. */
export type ProbeApps = (apps: readonly AppLoadSpec[], timeoutMs?: number) => Promise<ProbedApp[]>;

/** `timedOut`: the config module's import did not settle within the load deadline (the errors say so). */
export type LoadResult =
  { readonly ok: true; readonly config: LoadedConfig } | { readonly ok: false; readonly errors: readonly string[]; readonly timedOut?: boolean };

/**
 * How long the config module's import may take (a top-level await that never settles would
 * otherwise hang start-up or a reload forever). It cannot come from the config itself: env
 * PM2_DIRTY_LOAD_TIMEOUT_MS (ms, a positive integer) overrides it, and the app probe uses the same
 * value when it is set (else its own 60 s).
 */
export const CONFIG_LOAD_TIMEOUT_MS = 30_000;

/** The env override of the load deadlines, or undefined when unset or not a positive integer. */
export function loadTimeoutOverride(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env['PM2_DIRTY_LOAD_TIMEOUT_MS'];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function defaultSocketPath(env: NodeJS.ProcessEnv): string {
  return join(env['PM2_HOME'] ?? join(homedir(), '.pm2'), 'dirty', 'arbiter.sock');
}

function moduleOverrides(env: NodeJS.ProcessEnv): { values: Record<string, unknown>; error?: string } {
  const raw = env[MODULE_NAME];
  if (raw === undefined || raw === '') return { values: {} };
  try {
    const parsed = JSON.parse(raw) as unknown;
    return { values: typeof parsed === 'object' && parsed !== null ? { ...(parsed as Record<string, unknown>) } : {} };
  } catch {
    return { values: {}, error: `env ${MODULE_NAME} is not JSON: ${raw.slice(0, 200)}` };
  }
}

function specifierFor(entry: AppEntry, configPath: string): string {
  if (entry.module.startsWith('.') || isAbsolute(entry.module)) return pathToFileURL(resolve(dirname(configPath), entry.module)).href;
  try {
    return pathToFileURL(createRequire(configPath).resolve(entry.module)).href;
  } catch {
    return entry.module;
  }
}

let generation = 0;

async function importConfig(configPath: string): Promise<Record<string, unknown>> {
  // ESM caches modules by URL: a query string makes a reload read the file as it is now.
  const url = `${pathToFileURL(configPath).href}?load=${++generation}`;
  const mod = (await import(url)) as { default?: unknown };
  const value = mod.default ?? mod;
  if (typeof value !== 'object' || value === null) throw new Error(`it must export an object, got ${typeof value}`);
  return value as Record<string, unknown>;
}

const TIMED_OUT = Symbol('timed out');

/**
 * importConfig, or TIMED_OUT after `ms` (the import itself cannot be cancelled: it is left pending).
 * `keepAlive` false: the deadline alone does not hold the event loop (the caller detects a pending
 * import that holds nothing else by the loop emptying, as `check` does).
 */
async function importWithin(configPath: string, ms: number, keepAlive: boolean): Promise<Record<string, unknown> | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
    if (!keepAlive) timer.unref();
  });
  try {
    return await Promise.race([importConfig(configPath), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Loads everything the arbiter needs, probing the apps with `probe`; every problem is reported, none is thrown. */
export async function loadConfig(probe: ProbeApps, env: NodeJS.ProcessEnv = process.env, opts: { readonly keepAlive?: boolean } = {}): Promise<LoadResult> {
  const { values: overrides, error } = moduleOverrides(env);
  if (error !== undefined) return { ok: false, errors: [error] };
  const fromModule = overrides['config'];
  delete overrides['config'];
  const rawPath = env['PM2_DIRTY_CONFIG'] || (typeof fromModule === 'string' ? fromModule : '');
  if (!rawPath) return { ok: false, errors: [`no config file: set env PM2_DIRTY_CONFIG=/abs/path or run \`pm2 set ${MODULE_NAME}:config /abs/path\``] };
  const configPath = resolve(rawPath);
  const timeoutMs = loadTimeoutOverride(env) ?? CONFIG_LOAD_TIMEOUT_MS;
  let file: Record<string, unknown> | typeof TIMED_OUT;
  try {
    file = await importWithin(configPath, timeoutMs, opts.keepAlive ?? true);
  } catch (err) {
    return { ok: false, errors: [`cannot load config file ${configPath}: ${(err as Error).message}`] };
  }
  if (file === TIMED_OUT) {
    const why = `config ${configPath} did not finish loading within ${timeoutMs} ms (a top-level await that never settles?)`;
    return { ok: false, errors: [why], timedOut: true };
  }
  if (env['PM2_DIRTY_SOCKET']) overrides['socketPath'] = env['PM2_DIRTY_SOCKET'];
  const r = resolveConfig(file, overrides, { cpuCount: availableParallelism(), defaultSocketPath: defaultSocketPath(env) });
  if (!r.ok) return { ok: false, errors: r.errors.map((e) => `${configPath}: ${e}`) };
  const hookFns: HookFns = {};
  for (const h of HOOK_NAMES) if (typeof file[h] === 'function') hookFns[h] = file[h] as HookFn;
  return finishApps(r.config, configPath, hookFns, (apps) => probe(apps, loadTimeoutOverride(env)));
}

async function finishApps(config: DirtyConfig, configPath: string, hookFns: HookFns, probe: ProbeApps): Promise<LoadResult> {
  const specs = config.apps.map((entry) => ({ name: entry.name, specifier: specifierFor(entry, configPath), exportName: entry.exportName }));
  const probed = await probe(specs);
  const errors: string[] = [];
  const resolvedApps: ResolvedApp[] = [];
  config.apps.forEach((entry, i) => {
    const p = probed.find((x) => x.name === entry.name);
    const spec = specs[i];
    if (!p || !spec) return;
    if (p.error !== undefined) errors.push(`apps[${i}] (${entry.name}): ${p.error}`);
    resolvedApps.push({ ...spec, limit: entry.limit !== undefined ? entry.limit : (p.limit ?? null) });
  });
  const { minimum, maximum, maximumReason } = computeBounds(resolvedApps, config.maxWorkers);
  if (minimum > config.maxWorkers) errors.push(`the app specs require ${workersText(minimum)} but \`maxWorkers\` is ${config.maxWorkers}`);
  if (config.workers !== undefined && config.workers < minimum)
    errors.push(`\`workers\` (${config.workers}) is below the minimum ${minimum} required by app specs`);
  // Above maxWorkers is caught by the schema; this is the lower maximum of a pool whose apps are all limited.
  if (config.workers !== undefined && config.workers > maximum && maximum < config.maxWorkers) {
    errors.push(`\`workers\` (${config.workers}) is above the maximum of ${maximum} (${maximumReason}): no further worker could load an app`);
  }
  const autoscale = parseAutoscale(config.autoscale, config.maxWorkers);
  if (!autoscale.ok) errors.push(...autoscale.errors);
  if (errors.length > 0) return { ok: false, errors: errors.map((e) => `${configPath}: ${e}`) };
  return { ok: true, config: { ...config, configPath, resolvedApps, hookFns, autoscaleConfig: autoscale.ok ? autoscale.config : null } };
}
