// Executes one STASH (0x10) payload against a StashStore: gunicorn's ops 1-10 with the exact result
// values of its arbiter (`handle_stash_request` in gunicorn/dirty/arbiter.py), plus our extensions
// numbered from 100 (docs/stash.md). Pure: the arbiter passes `now`; every failure becomes a WireError.

import { StashOp } from '../protocol/constants.js';
import { DirtyProtocolError, isDirtyError, StashKeyNotFoundError, type WireError } from '../errors.js';
import { keyForMessage } from './key.js';
import { KeyScan, type PutOptions, type StashStore } from './store.js';
import { asInt64, type StashKey } from './value.js';

const OPS: ReadonlySet<number> = new Set(Object.values(StashOp));

export type StashOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: WireError };
/** An outcome, or a KEYS still to run: `pending.run(now, budget)` until it returns true, then its `keys` are the result. */
export type StashStart = StashOutcome | { readonly ok: 'pending'; readonly pending: KeyScan };

/** A validated payload. Absent `key`/`value` mean None, as gunicorn's client omits None fields. */
interface StashRequest {
  readonly op: StashOp;
  readonly table: string;
  readonly key: StashKey;
  readonly value: unknown;
  readonly pattern: string | undefined;
  readonly opts: PutOptions;
  readonly by: number | bigint;
  readonly payload: Readonly<Record<string, unknown>>;
}

function badPayload(message: string, details: Record<string, unknown> = {}): never {
  throw new DirtyProtocolError(`Invalid stash payload: ${message}`, details);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return `\`${String(value)}\` (${typeof value})`;
  return Array.isArray(value) ? 'a list' : value instanceof Uint8Array ? 'bytes' : 'a dict';
}

function field(payload: Readonly<Record<string, unknown>>, name: string): unknown {
  const value = Object.hasOwn(payload, name) ? payload[name] : undefined;
  return value ?? undefined; // None and absent are the same thing on gunicorn's wire
}

/** The options of a write without ttl_ms (shared: nothing writes to it). */
const NO_TTL: PutOptions = Object.freeze({});

function parseTtl(payload: Readonly<Record<string, unknown>>): PutOptions {
  const raw = field(payload, 'ttl_ms');
  if (raw === undefined) return NO_TTL;
  const ttlMs = typeof raw === 'bigint' ? Number(raw) : raw;
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) badPayload(`\`ttl_ms\` must be a positive number, got ${show(raw)}`);
  return { ttlMs };
}

function parse(payload: unknown): StashRequest {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || payload instanceof Uint8Array) {
    badPayload(`expected a dict, got ${show(payload)}`);
  }
  const p = payload as Readonly<Record<string, unknown>>;
  const rawOp = field(p, 'op');
  const op = asInt64(rawOp);
  if (op === undefined) badPayload(`\`op\` must be an integer, got ${show(rawOp)}`);
  // Same words as gunicorn's arbiter for an op it does not know.
  if (!OPS.has(Number(op))) throw new DirtyProtocolError(`Unknown stash operation: ${op}`, { op });
  const table = field(p, 'table') ?? '';
  if (typeof table !== 'string') badPayload(`\`table\` must be a str, got ${show(table)}`);
  const pattern = field(p, 'pattern');
  if (pattern !== undefined && typeof pattern !== 'string') badPayload(`\`pattern\` must be a str, got ${show(pattern)}`);
  const rawBy = field(p, 'by') ?? 1;
  const by = asInt64(rawBy);
  if (by === undefined) badPayload(`\`by\` must be an int64 integer, got ${show(rawBy)}`);
  return {
    op: Number(op) as StashOp,
    table,
    key: (field(p, 'key') ?? null) as StashKey, // an unhashable key is refused by the store (StashError)
    value: field(p, 'value') ?? null,
    pattern,
    opts: parseTtl(p),
    by,
    payload: p,
  };
}

function run(store: StashStore, req: StashRequest, now: number): unknown {
  const { table, key, value, opts } = req;
  switch (req.op) {
    case StashOp.PUT:
      store.put(now, table, key, value, opts);
      return true;
    case StashOp.GET: {
      // gunicorn answers a missing table with key-not-found too; we name the class on the wire.
      const lookup = store.get(now, table, key);
      if (!lookup.found) throw new StashKeyNotFoundError(`Key not found: ${keyForMessage(key)}`, { table_name: table, key });
      return lookup.value;
    }
    case StashOp.DELETE:
      return store.delete(now, table, key);
    case StashOp.KEYS:
      return store.scanKeys(now, table, req.pattern);
    case StashOp.CLEAR:
      store.clear(table);
      return true;
    case StashOp.INFO:
      return store.info(now, table);
    case StashOp.ENSURE:
      store.ensure(table);
      return true;
    case StashOp.DELETE_TABLE:
      return store.deleteTable(table);
    case StashOp.TABLES:
      return store.tables();
    case StashOp.EXISTS:
      return key === null ? store.exists(now, table) : store.exists(now, table, key);
    case StashOp.INCR:
      return store.incr(now, table, key, req.by, opts);
    case StashOp.PUT_IF_ABSENT:
      return store.putIfAbsent(now, table, key, value, opts);
    case StashOp.COMPARE_AND_SET:
      // `expected` must be present (a None is sent explicitly), so a forgotten field is not a match on None.
      if (!Object.hasOwn(req.payload, 'expected')) badPayload('`expected` is required for COMPARE_AND_SET');
      return store.compareAndSet(now, table, key, req.payload['expected'] ?? null, value, opts);
  }
}

/**
 * Runs one STASH payload. Results are gunicorn's: PUT/CLEAR/ENSURE → true, GET → the value,
 * DELETE/DELETE_TABLE/EXISTS → bool, KEYS/TABLES → list, INFO → {size, table}. Errors carry the
 * specific class name (StashKeyNotFoundError, StashTableNotFoundError, StashLimitError, StashError,
 * DirtyProtocolError) in `error_type`, so a stock gunicorn client raises its specific subclass.
 */
export function executeStash(store: StashStore, payload: unknown, now: number): StashOutcome {
  const r = startStash(store, payload, now);
  if (r.ok !== 'pending') return r;
  r.pending.run(now, Infinity);
  return { ok: true, result: r.pending.keys };
}

/** Like executeStash, but a KEYS comes back as a scan for the caller to run in slices. */
export function startStash(store: StashStore, payload: unknown, now: number): StashStart {
  try {
    const result = run(store, parse(payload), now);
    return result instanceof KeyScan ? { ok: 'pending', pending: result } : { ok: true, result };
  } catch (err) {
    if (isDirtyError(err)) return { ok: false, error: err.toWire() };
    const message = err instanceof Error ? err.message : String(err);
    // The store throws TypeError/RangeError only for arguments a valid payload cannot produce.
    const errorType = err instanceof TypeError || err instanceof RangeError ? 'DirtyProtocolError' : 'StashError';
    return { ok: false, error: { error_type: errorType, message, details: {} } };
  }
}
