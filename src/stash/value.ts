// Stash values as decoded TLV values: their encoded size, a detached deep copy, deep equality and
// int64 helpers. Ints may arrive as `number` (safe integers) or `bigint`; both mean TLV int (tag 0x05).
import { INT64_MAX, INT64_MIN, isInt64, isPlainObject, MAX_DEPTH } from '../protocol/tlv-kinds.js';

import { BIGINT_COST, bytesCost, DICT_COST, DICT_ENTRY_COST, LIST_COST, LIST_ITEM_COST, NUMBER_COST, stringCost } from './cost.js';

/** A decoded TLV value: None, bool, int, float, bytes, str, list or str-keyed dict. */
export type StashValue = null | boolean | number | bigint | string | Uint8Array | readonly StashValue[] | { readonly [key: string]: StashValue };

/** A hashable TLV value (Python rejects list/dict keys as unhashable). */
export type StashKey = null | boolean | number | bigint | string | Uint8Array;

export { INT64_MAX, INT64_MIN };

/** Deepest list/dict nesting stored (the TLV codec's MAX_DEPTH); also stops a cyclic value passed in-process. */
export const MAX_VALUE_DEPTH = MAX_DEPTH;

const TAG = 1;
const LENGTH = 4;
const SCALAR = 8;

/** The value as an int64 bigint, or undefined when it is not a TLV int (bools and fractions are not). */
export function toInt64(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return isInt64(value) ? value : undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return undefined;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A bigint as the project's int representation: a number when safe, else the bigint. */
export function fromInt64(value: bigint): number | bigint {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

/**
 * fromInt64(toInt64(value)) without a bigint when `value` is a safe integer number (the common case):
 * the int in the project's representation, or undefined when it is not a TLV int. `+ 0` turns -0 into 0, as the bigint does.
 */
export function asInt64(value: unknown): number | bigint | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value + 0;
  const big = toInt64(value);
  return big === undefined ? undefined : fromInt64(big);
}

function describe(value: object): string {
  const ctor: unknown = value.constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'object';
}

function copyBytes(bytes: Uint8Array): Uint8Array {
  // Buffer#slice is a view, so copy explicitly; keep the Buffer class for callers that expect it.
  return Buffer.isBuffer(bytes) ? Buffer.from(bytes) : new Uint8Array(bytes);
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export interface Detached {
  readonly value: StashValue;
  /** The TLV-encoded size in bytes (tag + length/count prefix + content). */
  readonly bytes: number;
  /** What the copy costs the arbiter's memory in bytes (src/stash/cost.ts). */
  readonly cost: number;
}

/** Smallest bytes value that `keepViews` keeps as it is. */
export const KEEP_VIEW_BYTES = 1 << 20;

/** A view large enough, and covering enough of its buffer, to be kept instead of copied. */
function keepable(bytes: Uint8Array): boolean {
  return bytes.byteLength >= KEEP_VIEW_BYTES && 2 * bytes.byteLength >= bytes.buffer.byteLength;
}

function detachContainer(value: object, depth: number, keepViews: boolean): Detached {
  if (depth >= MAX_VALUE_DEPTH) throw new TypeError(`Expected a stash value nested at most ${MAX_VALUE_DEPTH} levels deep`);
  if (Array.isArray(value)) {
    let bytes = TAG + LENGTH;
    let cost = LIST_COST;
    const items: StashValue[] = [];
    for (const item of value as readonly unknown[]) {
      const d = detach(item, depth + 1, keepViews);
      items.push(d.value);
      bytes += d.bytes;
      cost += LIST_ITEM_COST + d.cost;
    }
    return { value: items, bytes, cost };
  }
  let pairs: Iterable<[unknown, unknown]>;
  if (value instanceof Map) pairs = value as Map<unknown, unknown>;
  else if (isPlainObject(value)) pairs = Object.entries(value);
  else throw new TypeError(`Expected a TLV-encodable stash value, got a ${describe(value)}`);
  let bytes = TAG + LENGTH;
  let cost = DICT_COST;
  const dict: Record<string, StashValue> = {};
  for (const [key, item] of pairs) {
    if (typeof key !== 'string') throw new TypeError(`Expected stash dict keys to be strings, got ${typeof key}`);
    const d = detach(item, depth + 1, keepViews);
    // defineProperty so that a "__proto__" key stays an own data property.
    if (key === '__proto__') Object.defineProperty(dict, key, { value: d.value, enumerable: true, writable: true, configurable: true });
    else dict[key] = d.value;
    const keyBytes = utf8Length(key);
    bytes += TAG + LENGTH + keyBytes + d.bytes;
    cost += DICT_ENTRY_COST + stringCost(key, keyBytes) + d.cost;
  }
  return { value: dict, bytes, cost };
}

/**
 * Validates a value, measures its TLV-encoded size and its memory cost, and makes a deep copy that shares
 * no memory with the input (decoded bytes are views into the whole received frame; keeping them would
 * keep the frame). `undefined` becomes null and a Map with str keys a dict, as the TLV encoder does.
 * Throws TypeError for anything the TLV encoder could not send.
 * With `keepViews` (the arbiter, whose received frames are never written again), a bytes value of at
 * least KEEP_VIEW_BYTES that covers at least half of its buffer is kept as it is, and charged for the
 * whole buffer: copying a 48 MiB value would hold the event loop for tens of ms.
 */
export function detach(value: unknown, depth = 0, keepViews = false): Detached {
  switch (typeof value) {
    case 'undefined':
      return { value: null, bytes: TAG, cost: 0 };
    case 'boolean':
      return { value, bytes: TAG + 1, cost: 0 };
    case 'number':
      return { value, bytes: TAG + SCALAR, cost: NUMBER_COST };
    case 'bigint':
      if (toInt64(value) === undefined) throw new TypeError(`Expected an int64 stash value, got \`${value}\` (bigint)`);
      return { value, bytes: TAG + SCALAR, cost: BIGINT_COST };
    case 'string': {
      const n = utf8Length(value);
      return { value, bytes: TAG + LENGTH + n, cost: stringCost(value, n) };
    }
    case 'object':
      if (value === null) return { value, bytes: TAG, cost: 0 };
      if (value instanceof Uint8Array) {
        const bytes = TAG + LENGTH + value.byteLength;
        if (keepViews && keepable(value)) return { value, bytes, cost: bytesCost(value.buffer.byteLength) };
        return { value: copyBytes(value), bytes, cost: bytesCost(value.byteLength) };
      }
      return detachContainer(value, depth, keepViews);
    case 'symbol':
    case 'function':
      throw new TypeError(`Expected a TLV-encodable stash value, got a ${typeof value}`);
  }
}

function numericEquals(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  // Mixed number/bigint: an int 1 may be decoded as 1 or 1n; == compares them exactly.
  return a == b;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/**
 * Deep equality on TLV values: numbers by value (1 equals 1n, NaN equals NaN), bytes by content,
 * lists in order, dicts as key sets. Unlike Python, a bool never equals an int.
 */
export function valueEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return numericEquals(a, b);
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && bytesEqual(a, b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => valueEquals(item, b[i]));
  }
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ak.every((k) => Object.hasOwn(rb, k) && valueEquals(ra[k], rb[k]));
}
