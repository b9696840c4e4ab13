// The TLV vocabulary (docs/protocol.md §TLV and §JS mapping), written once and shared by the two-pass
// encoder (tlv-encode.ts + tlv-write.ts), the one-pass encoder (tlv-fast.ts), the decoder (tlv-decode.ts)
// and the app_path scanner (app-path.ts): type tags, limits, the int64 range, which objects encode to what.

/** TLV type tags (the first byte of every encoded value). */
export const Tag = {
  NONE: 0x00,
  BOOL: 0x01,
  INT: 0x05,
  FLOAT: 0x06,
  BYTES: 0x10,
  STR: 0x11,
  LIST: 0x20,
  DICT: 0x21,
} as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

/** Largest list or dict count (gunicorn's MAX_LIST_SIZE / MAX_DICT_SIZE). */
export const MAX_ITEMS = 1_048_576;
/** Our nesting limit (gunicorn has none): guards the recursive decoder against deep-nesting attacks. */
export const MAX_DEPTH = 128;
/** Byte values at least this long are referenced by the encoders, not copied. */
export const ZERO_COPY_BYTES = 64 * 1024;
/** Smallest encoded dict entry: a str key (tag + length) plus a one-byte value (a list item is at least 1 byte). */
export const MIN_DICT_ENTRY = 6;
/**
 * A string of at most this many ASCII chars (as many bytes, as many UTF-16 units) is short: below it a
 * loop in JS beats the native UTF-8 calls, and the decoder hands out cached strings (docs/protocol.md §Performance).
 */
export const SHORT_STRING = 24;

/** 2^32: joins the two uint32 halves of a 64-bit integer as a double. */
export const TWO_32 = 4294967296;
/** A TLV int is a signed 64-bit integer. */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** The uint64 with big-endian uint32 halves `hi`, `lo` (request ids are small counters: one exact double when it fits). */
export function joinUint64(hi: number, lo: number): bigint {
  return hi < 0x200000 ? BigInt(hi * TWO_32 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

export function isInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

/** An object that travels as a dict: its prototype is Object.prototype or null. */
export function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** What an object encodes to: bytes, a list, a dict (a plain object or a Map), or nothing (OTHER). */
export const ObjectKind = { BYTES: 0, LIST: 1, DICT: 2, MAP: 3, OTHER: 4 } as const;
export type ObjectKind = (typeof ObjectKind)[keyof typeof ObjectKind];

/** The one classification of objects both encoders use (the one-pass encoder takes BYTES, LIST and DICT and leaves the rest to the two-pass one). */
export function objectKind(value: object): ObjectKind {
  if (value instanceof Uint8Array) return ObjectKind.BYTES;
  if (Array.isArray(value)) return ObjectKind.LIST;
  if (isPlainObject(value)) return ObjectKind.DICT;
  return value instanceof Map ? ObjectKind.MAP : ObjectKind.OTHER;
}

/** Big-endian uint32 at `pos` (the caller checked that 4 bytes are there). */
export function readU32(buf: Uint8Array, pos: number): number {
  return (buf[pos] ?? 0) * 0x1000000 + (((buf[pos + 1] ?? 0) << 16) | ((buf[pos + 2] ?? 0) << 8) | (buf[pos + 3] ?? 0));
}
