// The DirtyError tree: stable codes, gunicorn's wire form ({error_type, message, details}),
// and a brand so that errors are recognised across two copies of the package.

const BRAND = Symbol.for('pm2-dirty.error');
const CODES = Symbol.for('pm2-dirty.error.codes');

export const ErrorCode = {
  DIRTY: 'DIRTY_ERR',
  TIMEOUT: 'DIRTY_ERR_TIMEOUT',
  CONNECTION: 'DIRTY_ERR_CONNECTION',
  WORKER: 'DIRTY_ERR_WORKER',
  APP: 'DIRTY_ERR_APP',
  APP_NOT_FOUND: 'DIRTY_ERR_APP_NOT_FOUND',
  NO_WORKERS: 'DIRTY_ERR_NO_WORKERS',
  PROTOCOL: 'DIRTY_ERR_PROTOCOL',
  QUEUE_FULL: 'DIRTY_ERR_QUEUE_FULL',
  ABORTED: 'DIRTY_ERR_ABORTED',
  STASH: 'DIRTY_ERR_STASH',
  STASH_TABLE_NOT_FOUND: 'DIRTY_ERR_STASH_TABLE_NOT_FOUND',
  STASH_KEY_NOT_FOUND: 'DIRTY_ERR_STASH_KEY_NOT_FOUND',
  STASH_LIMIT: 'DIRTY_ERR_STASH_LIMIT',
  STASH_CONFLICT: 'DIRTY_ERR_STASH_CONFLICT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Details travel on the wire as a TLV dict, so they hold plain values only. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/** The wire form used inside an ERROR frame's `error` key (gunicorn's `DirtyError.to_dict()`). */
export interface WireError {
  readonly error_type: string;
  readonly message: string;
  readonly details: ErrorDetails;
}

interface Branded {
  readonly [BRAND]: true;
  readonly [CODES]: readonly string[];
}

function isBranded(value: unknown): value is Branded {
  return typeof value === 'object' && value !== null && (value as Partial<Branded>)[BRAND] === true;
}

/** Base class of every error this package raises or relays. */
export class DirtyError extends Error {
  static readonly code: ErrorCode = ErrorCode.DIRTY;
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
  declare readonly [BRAND]: true;
  declare readonly [CODES]: readonly string[];

  constructor(message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
    super(message, options);
    const ctor = new.target as unknown as { code: ErrorCode; name: string };
    this.code = ctor.code;
    this.name = ctor.name;
    this.details = details;
    const codes: string[] = [];
    for (let p: unknown = new.target; typeof p === 'function' && 'code' in p; p = Object.getPrototypeOf(p)) {
      codes.push((p as { code: string }).code);
    }
    Object.defineProperty(this, BRAND, { value: true });
    Object.defineProperty(this, CODES, { value: codes });
  }

  /** `x instanceof DirtyTimeoutError` also holds for an error made by another copy of this package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBranded(value) && value[CODES].includes((this as unknown as { code: string }).code);
  }

  toWire(): WireError {
    return { error_type: this.name, message: this.message, details: this.details };
  }
}

export class DirtyTimeoutError extends DirtyError {
  static override readonly code: ErrorCode = ErrorCode.TIMEOUT;
}
export class DirtyConnectionError extends DirtyError {
  static override readonly code: ErrorCode = ErrorCode.CONNECTION;
}
/** The worker running the call died or was killed; `details` name the worker and the exit code or signal. */
export class DirtyWorkerError extends DirtyError {
  static override readonly code: ErrorCode = ErrorCode.WORKER;
}
/** The app's action threw; `details` carry `app_path`, `action`, `error_type` (remote class) and `traceback`. */
export class DirtyAppError extends DirtyError {
  static override readonly code: ErrorCode = ErrorCode.APP;
}
export class DirtyAppNotFoundError extends DirtyAppError {
  static override readonly code: ErrorCode = ErrorCode.APP_NOT_FOUND;
}
export class DirtyNoWorkersAvailableError extends DirtyError {
  static override readonly code: ErrorCode = ErrorCode.NO_WORKERS;
}
export class DirtyProtocolError extends DirtyError {
  static override readonly code: ErrorCode = ErrorCode.PROTOCOL;
}
export class DirtyQueueFullError extends DirtyError {
  static override readonly code: ErrorCode = ErrorCode.QUEUE_FULL;
}
/** The caller's AbortSignal fired. */
export class DirtyAbortError extends DirtyError {
  static override readonly code: ErrorCode = ErrorCode.ABORTED;
}
export class StashError extends DirtyError {
  static override readonly code: ErrorCode = ErrorCode.STASH;
}
export class StashTableNotFoundError extends StashError {
  static override readonly code: ErrorCode = ErrorCode.STASH_TABLE_NOT_FOUND;
}
export class StashKeyNotFoundError extends StashError {
  static override readonly code: ErrorCode = ErrorCode.STASH_KEY_NOT_FOUND;
}
/** A stash limit (tables, keys per table, total bytes) would be exceeded. */
export class StashLimitError extends StashError {
  static override readonly code: ErrorCode = ErrorCode.STASH_LIMIT;
}
/** A compare-and-set found another value. */
export class StashConflictError extends StashError {
  static override readonly code: ErrorCode = ErrorCode.STASH_CONFLICT;
}

const CLASSES: Readonly<Record<string, new (message: string, details?: ErrorDetails) => DirtyError>> = {
  DirtyError,
  DirtyTimeoutError,
  DirtyConnectionError,
  DirtyWorkerError,
  DirtyAppError,
  DirtyAppNotFoundError,
  DirtyNoWorkersAvailableError,
  DirtyProtocolError,
  DirtyQueueFullError,
  DirtyAbortError,
  StashError,
  StashTableNotFoundError,
  StashKeyNotFoundError,
  StashLimitError,
  StashConflictError,
};

/** True for any error of this package, from any copy of it. */
export function isDirtyError(value: unknown): value is DirtyError {
  return isBranded(value);
}

/** Rebuilds the matching subclass from gunicorn's wire form; unknown names become DirtyError. */
export function fromWire(wire: unknown): DirtyError {
  const obj = (typeof wire === 'object' && wire !== null ? wire : {}) as Record<string, unknown>;
  const type = typeof obj['error_type'] === 'string' ? obj['error_type'] : 'DirtyError';
  const message = typeof obj['message'] === 'string' ? obj['message'] : 'Unknown dirty error';
  const rawDetails = obj['details'];
  const details = typeof rawDetails === 'object' && rawDetails !== null ? (rawDetails as ErrorDetails) : {};
  const Cls = Object.hasOwn(CLASSES, type) ? CLASSES[type] : undefined;
  const err = Cls ? new Cls(message, details) : new DirtyError(message, { ...details, error_type: type });
  const traceback = details['traceback'];
  if (typeof traceback === 'string' && traceback !== '') {
    err.stack = `${err.name}: ${message}\n    --- remote ---\n${traceback}`;
  }
  return err;
}

/**
 * Converts anything thrown into the wire form. An app error keeps what the app said: its class name in
 * `details.error_type`, its own `code` (a string or number, e.g. Node's `ENOENT` or an app's `E_DEMO`)
 * in `details.app_code`.
 */
export function toWire(err: unknown, context: ErrorDetails = {}): WireError {
  if (isDirtyError(err)) return { ...err.toWire(), details: { ...err.details, ...context } };
  const e = err instanceof Error ? err : new Error(String(err));
  const code: unknown = (e as { code?: unknown }).code;
  const appCode = typeof code === 'string' || typeof code === 'number' ? { app_code: code } : {};
  return {
    error_type: 'DirtyAppError',
    message: e.message,
    details: { ...context, error_type: e.name, ...appCode, traceback: e.stack ?? '' },
  };
}
