// TLV encoder, write pass: writes a value that planEncoding (tlv-encode.ts) accepted into one buffer;
// with a chunk list, byte values >= ZERO_COPY_BYTES are referenced between pieces instead of copied.
import { Buffer } from 'node:buffer';
import { ObjectKind, objectKind, SHORT_STRING, Tag, TWO_32, ZERO_COPY_BYTES } from './tlv-kinds.js';

/** Write-pass cursor. `chunks` is set when large byte values are referenced rather than copied. */
export interface Writer {
  buf: Buffer;
  pos: number;
  chunks: Buffer[] | null;
  /** Start of the part of `buf` not yet pushed to `chunks`. */
  start: number;
  /** Bytes pushed to `chunks` by reference. */
  referenced: number;
}

/** Writes a value that planEncoding accepted. */
export function writeValue(w: Writer, value: unknown): void {
  const { buf } = w;
  switch (typeof value) {
    case 'string':
      writeString(w, value);
      return;
    case 'number':
      writeNumber(buf, w.pos, value);
      w.pos += 9;
      return;
    case 'boolean':
      buf[w.pos] = Tag.BOOL;
      buf[w.pos + 1] = value ? 1 : 0;
      w.pos += 2;
      return;
    case 'bigint':
      buf[w.pos] = Tag.INT;
      buf.writeBigInt64BE(value, w.pos + 1);
      w.pos += 9;
      return;
    case 'object':
      if (value === null) buf[w.pos++] = Tag.NONE;
      else writeObject(w, value);
      return;
    case 'undefined':
    case 'symbol':
    case 'function':
      buf[w.pos++] = Tag.NONE; // symbols and functions never get here: planEncoding rejects them
      return;
  }
}

/** Writes the dict `{ [keys[i]]: values[i] }` that planFields accepted, as writeValue would write it. */
export function writeFields(w: Writer, keys: readonly string[], values: readonly unknown[]): void {
  writeHead(w.buf, w.pos, Tag.DICT, keys.length);
  w.pos += 5;
  for (let i = 0; i < keys.length; i++) {
    writeString(w, keys[i] ?? '');
    writeValue(w, values[i]);
  }
}

/** A number as int64 when it is a safe integer (not -0), else float64 (9 bytes; the caller checked room). */
export function writeNumber(buf: Buffer, pos: number, value: number): void {
  if (Number.isSafeInteger(value) && !Object.is(value, -0)) {
    buf[pos] = Tag.INT;
    const hi = Math.floor(value / TWO_32);
    const lo = value - hi * TWO_32;
    buf[pos + 1] = hi >>> 24;
    buf[pos + 2] = hi >>> 16;
    buf[pos + 3] = hi >>> 8;
    buf[pos + 4] = hi;
    buf[pos + 5] = lo >>> 24;
    buf[pos + 6] = lo >>> 16;
    buf[pos + 7] = lo >>> 8;
    buf[pos + 8] = lo;
    return;
  }
  buf[pos] = Tag.FLOAT;
  buf.writeDoubleBE(value, pos + 1);
}

/** Tag and big-endian uint32 (a length or count): 5 bytes. */
export function writeHead(buf: Buffer, pos: number, tag: Tag, n: number): void {
  buf[pos] = tag;
  buf[pos + 1] = n >>> 24;
  buf[pos + 2] = n >>> 16;
  buf[pos + 3] = n >>> 8;
  buf[pos + 4] = n;
}

function writeString(w: Writer, value: string): void {
  const { buf } = w;
  const at = w.pos + 5;
  const len = value.length;
  if (len <= SHORT_STRING && writeAscii(buf, at, value)) {
    writeHead(buf, w.pos, Tag.STR, len);
    w.pos = at + len;
    return;
  }
  const n = utf8Write(buf, value, at);
  // A string that grew after the size pass (a getter) is cut at the buffer's end; pos checks miss it at the end.
  if (at + n === buf.length && Buffer.byteLength(value, 'utf8') !== n) throw new RangeError('string longer than measured');
  writeHead(buf, w.pos, Tag.STR, n);
  w.pos = at + n;
}

type Utf8Writer = (this: Buffer, s: string, offset: number, length: number) => number;
/** Buffer's own UTF-8 writer without `buf.write`'s argument juggling (it is what `write` calls). */
const nativeUtf8Write = (Buffer.prototype as unknown as { utf8Write?: Utf8Writer }).utf8Write;

/**
 * Writes `s` byte per char at `at` while it is ASCII (the caller checked room for `s.length` bytes);
 * true when all of it was. Up to SHORT_STRING chars this beats the native UTF-8 writer.
 */
export function writeAscii(buf: Buffer, at: number, s: string): boolean {
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return false;
    buf[at + i] = c;
  }
  return true;
}

/** Writes `s` as UTF-8 at `at` (up to the end of `buf`); returns the bytes written. */
export function utf8Write(buf: Buffer, s: string, at: number): number {
  return nativeUtf8Write === undefined ? buf.write(s, at, 'utf8') : nativeUtf8Write.call(buf, s, at, buf.length - at);
}

function writeObject(w: Writer, value: object): void {
  const { buf } = w;
  const kind = objectKind(value);
  if (kind === ObjectKind.BYTES) {
    const n = (value as Uint8Array).byteLength;
    writeHead(buf, w.pos, Tag.BYTES, n);
    w.pos += 5;
    if (w.chunks !== null && n >= ZERO_COPY_BYTES) {
      w.chunks.push(buf.subarray(w.start, w.pos), asBuffer(value as Uint8Array));
      w.start = w.pos;
      w.referenced += n;
    } else {
      buf.set(value as Uint8Array, w.pos);
      w.pos += n;
    }
  } else if (kind === ObjectKind.LIST) {
    writeHead(buf, w.pos, Tag.LIST, (value as readonly unknown[]).length);
    w.pos += 5;
    for (const item of value as readonly unknown[]) writeValue(w, item);
  } else if (kind === ObjectKind.MAP) {
    const map = value as ReadonlyMap<string, unknown>;
    writeHead(buf, w.pos, Tag.DICT, map.size);
    w.pos += 5;
    for (const [key, item] of map) {
      writeString(w, key);
      writeValue(w, item);
    }
  } else if (kind === ObjectKind.DICT) {
    const dict = value as Record<string, unknown>;
    const keys = Object.keys(dict);
    writeHead(buf, w.pos, Tag.DICT, keys.length);
    w.pos += 5;
    for (const key of keys) {
      writeString(w, key);
      writeValue(w, dict[key]);
    }
  } else {
    throw new TypeError('an object with no TLV form appeared after the size pass (a getter?)');
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
