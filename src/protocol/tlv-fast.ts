// TLV encoder, one pass for the common case (docs/protocol.md §Performance): writes a value straight
// into the free end of a slab, checking as it goes, and gives up (returns NO_FIT) on anything the
// two-pass encoder (tlv-encode.ts + tlv-write.ts) must handle: too little room, byte values large
// enough to be referenced, Maps, other objects, deep nesting (so also cycles), out-of-range bigints,
// symbols, functions. It accepts only what that encoder accepts and writes the same bytes (tested);
// after NO_FIT the caller encodes with the two-pass encoder, which names the error if there is one.
import type { Buffer } from 'node:buffer';
import { isInt64, MAX_DEPTH, MAX_ITEMS, ObjectKind, objectKind, SHORT_STRING, Tag, ZERO_COPY_BYTES } from './tlv-kinds.js';
import { writeAscii, writeHead, writeNumber, utf8Write } from './tlv-write.js';

/** What the writers return when the value needs the two-pass encoder. */
export const NO_FIT = -1;

/**
 * Writes the dict `{ [keys[i]]: values[i] }` at `buf[pos]` (depth 1 for its values, as planFields
 * counts). Returns the position after it, or NO_FIT (bytes after `pos` may then have been written).
 */
export function fastFields(buf: Buffer, pos: number, keys: readonly string[], values: readonly unknown[]): number {
  const n = keys.length;
  if (buf.length - pos < 5) return NO_FIT;
  writeHead(buf, pos, Tag.DICT, n);
  let at = pos + 5;
  for (let i = 0; i < n && at >= 0; i++) {
    at = fastString(buf, at, keys[i] ?? '');
    if (at >= 0) at = fastValue(buf, at, values[i], 1);
  }
  return at;
}

/** Writes `value` at `buf[pos]` with `depth` containers around it; returns the end or NO_FIT. */
export function fastValue(buf: Buffer, pos: number, value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return fastString(buf, pos, value);
    case 'number':
      if (buf.length - pos < 9) return NO_FIT;
      writeNumber(buf, pos, value);
      return pos + 9;
    case 'boolean':
      if (buf.length - pos < 2) return NO_FIT;
      buf[pos] = Tag.BOOL;
      buf[pos + 1] = value ? 1 : 0;
      return pos + 2;
    case 'undefined':
      if (pos >= buf.length) return NO_FIT;
      buf[pos] = Tag.NONE;
      return pos + 1;
    case 'bigint':
      if (buf.length - pos < 9 || !isInt64(value)) return NO_FIT;
      buf[pos] = Tag.INT;
      buf.writeBigInt64BE(value, pos + 1);
      return pos + 9;
    case 'object':
      if (value !== null) return fastObject(buf, pos, value, depth);
      if (pos >= buf.length) return NO_FIT;
      buf[pos] = Tag.NONE;
      return pos + 1;
    case 'symbol':
    case 'function':
      return NO_FIT;
  }
}

function fastString(buf: Buffer, pos: number, s: string): number {
  const len = s.length;
  const room = buf.length - pos - 5;
  if (len <= SHORT_STRING && room >= len && writeAscii(buf, pos + 5, s)) {
    writeHead(buf, pos, Tag.STR, len);
    return pos + 5 + len;
  }
  // A UTF-16 unit takes at most 3 UTF-8 bytes, so the whole string fits.
  if (room < 3 * len) return NO_FIT;
  const n = utf8Write(buf, s, pos + 5);
  writeHead(buf, pos, Tag.STR, n);
  return pos + 5 + n;
}

function fastObject(buf: Buffer, pos: number, value: object, depth: number): number {
  const kind = objectKind(value);
  if (kind === ObjectKind.BYTES) {
    const n = (value as Uint8Array).byteLength;
    if (n >= ZERO_COPY_BYTES || buf.length - pos - 5 < n) return NO_FIT;
    writeHead(buf, pos, Tag.BYTES, n);
    buf.set(value as Uint8Array, pos + 5);
    return pos + 5 + n;
  }
  if (depth >= MAX_DEPTH || buf.length - pos < 5) return NO_FIT;
  if (kind === ObjectKind.LIST) {
    const list = value as readonly unknown[];
    const n = list.length;
    if (n > MAX_ITEMS) return NO_FIT;
    writeHead(buf, pos, Tag.LIST, n);
    let at = pos + 5;
    for (let i = 0; i < n && at >= 0; i++) at = fastValue(buf, at, list[i], depth + 1);
    return at;
  }
  if (kind !== ObjectKind.DICT) return NO_FIT; // a Map or any other object: the two-pass encoder decides
  const dict = value as Record<string, unknown>;
  const keys = Object.keys(dict);
  const n = keys.length;
  if (n > MAX_ITEMS) return NO_FIT;
  writeHead(buf, pos, Tag.DICT, n);
  let at = pos + 5;
  for (let i = 0; i < n && at >= 0; i++) {
    const key = keys[i] ?? '';
    at = fastString(buf, at, key);
    if (at >= 0) at = fastValue(buf, at, dict[key], depth + 1);
  }
  return at;
}
