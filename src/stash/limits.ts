// Stash limits and write options: defaults, argument validation, and the StashLimitError each limit raises.
// Pure; a TTL becomes an absolute expiry time from the caller's `now`.

import { StashLimitError } from '../errors.js';
import { keyForMessage } from './key.js';
import type { StashKey } from './value.js';

export interface StashLimits {
  /** @default 1024 */
  readonly maxTables: number;
  /** @default 100_000 */
  readonly maxKeysPerTable: number;
  /** What every table name, key and value costs the arbiter's memory, together (docs/stash.md). @default 64 MiB */
  readonly maxTotalBytes: number;
  /** Longest key: UTF-8 bytes of a str key, length of a bytes key. @default 1024 */
  readonly maxKeyBytes: number;
  /** Longest KEYS pattern in UTF-8 bytes; with maxKeyBytes it bounds what matching one key costs. @default 256 */
  readonly maxPatternBytes: number;
}

export const DEFAULT_STASH_LIMITS: StashLimits = Object.freeze({
  maxTables: 1024,
  maxKeysPerTable: 100_000,
  maxTotalBytes: 64 * 1024 * 1024,
  maxKeyBytes: 1024,
  maxPatternBytes: 256,
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
    maxKeyBytes: positiveInteger('maxKeyBytes', merged.maxKeyBytes),
    maxPatternBytes: positiveInteger('maxPatternBytes', merged.maxPatternBytes),
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

/**
 * The size a str or bytes value has against maxKeyBytes/maxPatternBytes, or undefined when it is within
 * `max`. A str longer than `max` UTF-16 units is too long whatever its encoding, so a huge one is never
 * measured in full.
 */
function oversize(value: unknown, max: number): string | undefined {
  if (typeof value === 'string') {
    if (value.length > max) return `${value.length} characters`;
    const bytes = Buffer.byteLength(value, 'utf8');
    return bytes > max ? `${bytes} bytes` : undefined;
  }
  if (value instanceof Uint8Array && value.byteLength > max) return `${value.byteLength} bytes`;
  return undefined;
}

/** Throws StashLimitError for a key longer than maxKeyBytes (checked before the key is used for anything). */
export function checkKeySize(limits: StashLimits, table: string, key: StashKey): void {
  const max = limits.maxKeyBytes;
  const size = oversize(key, max);
  if (size === undefined) return;
  throw new StashLimitError(`Stash limit: keys are at most ${max} bytes (maxKeyBytes), got a key of ${size}: ${keyForMessage(key)}`, {
    limit: 'maxKeyBytes',
    max,
    table_name: table,
  });
}

/** Throws StashLimitError for a new table whose name is longer than maxKeyBytes (TABLES lists every name). */
export function checkTableNameSize(limits: StashLimits, name: string): void {
  const max = limits.maxKeyBytes;
  const size = oversize(name, max);
  if (size === undefined) return;
  throw new StashLimitError(`Stash limit: table names are at most ${max} bytes (maxKeyBytes), got one of ${size}: ${keyForMessage(name)}`, {
    limit: 'maxKeyBytes',
    max,
  });
}

/** Throws StashLimitError for a KEYS pattern longer than maxPatternBytes. */
export function checkPatternSize(limits: StashLimits, table: string, pattern: string): void {
  const max = limits.maxPatternBytes;
  const size = oversize(pattern, max);
  if (size === undefined) return;
  throw new StashLimitError(`Stash limit: KEYS patterns are at most ${max} bytes (maxPatternBytes), got one of ${size}: ${keyForMessage(pattern)}`, {
    limit: 'maxPatternBytes',
    max,
    table_name: table,
  });
}
