// Loads dirty apps inside a worker (import, instantiate, init, close) and resolves action
// names to methods, refusing private and lifecycle names.
import { DirtyAppError, DirtyAppNotFoundError } from '../errors.js';

export interface AppLoadSpec {
  readonly name: string;
  /** What to import(): a file URL or a package name. */
  readonly specifier: string;
  readonly exportName: string;
}

export interface LoadedApp {
  readonly name: string;
  readonly instance: Record<string, unknown>;
}

const REFUSED = new Set(['init', 'close', 'constructor']);

/** Imports the module and returns the named export (throws a clear error when missing). */
export async function importExport(spec: AppLoadSpec): Promise<unknown> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(spec.specifier)) as Record<string, unknown>;
  } catch (err) {
    throw new DirtyAppNotFoundError(`Cannot load module ${JSON.stringify(spec.specifier)} for app ${JSON.stringify(spec.name)}: ${(err as Error).message}`, {
      app_path: spec.name,
    });
  }
  const fromDefault = spec.exportName !== 'default' ? (mod['default'] as Record<string, unknown> | undefined)?.[spec.exportName] : undefined;
  const target = mod[spec.exportName] ?? fromDefault;
  if (target === undefined || target === null) {
    const names = Object.keys(mod).join(', ') || '(none)';
    throw new DirtyAppNotFoundError(`Module ${JSON.stringify(spec.specifier)} has no export ${JSON.stringify(spec.exportName)} (exports: ${names})`, {
      app_path: spec.name,
    });
  }
  if (typeof target !== 'function' && typeof target !== 'object') {
    const what = `Export ${JSON.stringify(spec.exportName)} of ${JSON.stringify(spec.specifier)}`;
    throw new DirtyAppError(`${what} must be a class or an object, got ${typeof target}`, { app_path: spec.name });
  }
  return target;
}

/** The export's own `workers` limit (static on a class, a property on an object). */
export function declaredLimit(target: unknown, name: string): number | null | undefined {
  const raw = (target as { workers?: unknown }).workers;
  if (raw === undefined || raw === null) return raw;
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 1) {
    throw new DirtyAppError(`App ${JSON.stringify(name)}: static \`workers\` must be a positive integer or null, got ${JSON.stringify(raw)}`, {
      app_path: name,
    });
  }
  return raw;
}

/** Imports, instantiates (classes with no arguments) and returns the app, not yet initialised. */
export async function loadApp(spec: AppLoadSpec): Promise<LoadedApp> {
  const target = await importExport(spec);
  let instance: Record<string, unknown>;
  if (typeof target === 'function') {
    try {
      instance = new (target as new () => Record<string, unknown>)();
    } catch (err) {
      throw new DirtyAppError(`App ${JSON.stringify(spec.name)}: constructor threw: ${(err as Error).message}`, { app_path: spec.name }, { cause: err });
    }
  } else {
    instance = target as Record<string, unknown>;
  }
  return { name: spec.name, instance };
}

/** Calls an optional lifecycle method (`init` or `close`) and awaits it. */
export async function callHook(app: LoadedApp, hook: 'init' | 'close'): Promise<void> {
  const fn = app.instance[hook];
  if (typeof fn === 'function') await (fn as () => unknown).call(app.instance);
}

/** The method for `action`, or an error for unknown, private and lifecycle names. */
export function resolveAction(app: LoadedApp, action: string): ((...args: unknown[]) => unknown) | DirtyAppError {
  const fn = action !== '' && !action.startsWith('_') && !REFUSED.has(action) && !(action in Object.prototype) ? app.instance[action] : undefined;
  if (typeof fn !== 'function') {
    return new DirtyAppError(`Unknown action: ${action}`, { app_path: app.name, action, error_type: 'UnknownAction' });
  }
  return fn as (...args: unknown[]) => unknown;
}
