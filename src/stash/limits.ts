// Stash limits and write options: defaults, argument validation, and the StashLimitError each limit raises.
// Pure; a TTL becomes an absolute expiry time from the caller's `now`.

import { StashLimitError } from '../errors.js';

export interface StashLimits {
  /** @default 1024 */
  readonly maxTables: number;
  /** @default 100_000 */
  readonly maxKeysPerTable: number;
  /** TLV-encoded size of every table name, key and value together. @default 64 MiB */
  readonly maxTotalBytes: number;
}

export const DEFAULT_STASH_LIMITS: StashLimits = Object.freeze({
  maxTables: 1024,
  maxKeysPerTable: 100_000,
  maxTotalBytes: 64 * 1024 * 1024,
});

export interface PutOptions {
  /** The key expires this many ms after the write; absent means never. */
  readonly ttlMs?: number;
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`Expected \`${name}\` to be a positive integer, got \`${String(value)}\` (${typeof value})`);
  }
  return value;
}

/** The defaults overridden by `limits`, validated and frozen. */
export function resolveLimits(limits: Partial<StashLimits>): StashLimits {
  const merged = { ...DEFAULT_STASH_LIMITS, ...limits };
  return Object.freeze({
    maxTables: positiveInteger('maxTables', merged.maxTables),
    maxKeysPerTable: positiveInteger('maxKeysPerTable', merged.maxKeysPerTable),
    maxTotalBytes: positiveInteger('maxTotalBytes', merged.maxTotalBytes),
  });
}

/** A table name as given, or TypeError: table names are str on the wire. */
export function tableName(table: unknown): string {
  if (typeof table !== 'string') throw new TypeError(`Expected \`table\` to be a string, got \`${String(table)}\` (${typeof table})`);
  return table;
}

/** Absolute expiry time in ms for a write at `now`; Infinity without `ttlMs`. */
export function expiryTime(now: number, opts: PutOptions | undefined): number {
  const ttl = opts?.ttlMs;
  if (ttl === undefined) return Infinity;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new TypeError(`Expected \`ttlMs\` to be a positive finite number, got \`${String(ttl)}\` (${typeof ttl})`);
  }
  return now + ttl;
}

export function tooManyTables(limits: StashLimits, table: string): StashLimitError {
  const max = limits.maxTables;
  return new StashLimitError(`Stash limit reached: maxTables is ${max}, cannot create table "${table}"`, { limit: 'maxTables', max, table_name: table });
}

export function tooManyKeys(limits: StashLimits, table: string): StashLimitError {
  const max = limits.maxKeysPerTable;
  return new StashLimitError(`Stash limit reached: maxKeysPerTable is ${max}, table "${table}" is full`, { limit: 'maxKeysPerTable', max, table_name: table });
}

export function tooManyBytes(limits: StashLimits, table: string, bytes: number): StashLimitError {
  const max = limits.maxTotalBytes;
  return new StashLimitError(`Stash limit reached: maxTotalBytes is ${max}, this write would bring the stash to ${bytes} bytes`, {
    limit: 'maxTotalBytes',
    max,
    table_name: table,
    bytes,
  });
}
