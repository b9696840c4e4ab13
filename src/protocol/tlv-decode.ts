// TLV decoder (docs/protocol.md §TLV): one value, no trailing bytes, explicit limits on every length,
// count and nesting level; bytes come back as views into the input, never copies.
import { Buffer, isUtf8 } from 'node:buffer';
import { DirtyProtocolError } from '../errors.js';
import { MAX_PAYLOAD_BYTES } from './constants.js';
import { MAX_DEPTH, MAX_ITEMS, MIN_DICT_ENTRY, readU32, SHORT_STRING, Tag, TWO_32 } from './tlv-kinds.js';

/** Highest `maxDepth` accepted: keeps the recursive decoder far from the JS stack limit. */
const MAX_DEPTH_OPTION = 1024;

export interface DecodeOptions {
  /** Deepest list/dict nesting accepted (0..1024). @default MAX_DEPTH (128) */
  readonly maxDepth?: number;
  /** Most list items and dict entries in the whole value, counted as each count is read (before building). */
  readonly maxEntries?: number;
  /** Most UTF-8 bytes of all str values and dict keys together, counted before each str is decoded. */
  readonly maxStrBytes?: number;
}

interface Reader {
  buf: Buffer;
  pos: number;
  end: number;
  depth: number;
  maxDepth: number;
  /** Where the value starts in `buf`: error offsets count from here. */
  base: number;
  /** List items and dict entries announced so far, UTF-8 bytes of str so far, and the most of each allowed. */
  entries: number;
  strBytes: number;
  maxEntries: number;
  maxStrBytes: number;
}

const NOTHING = Buffer.alloc(0);
/** The one reader: decoding runs no user code, so a decode never starts inside another. */
const reader: Reader = { buf: NOTHING, pos: 0, end: 0, depth: 0, maxDepth: MAX_DEPTH, base: 0, entries: 0, strBytes: 0, maxEntries: 0, maxStrBytes: 0 };

function readerFor(buf: Buffer, start: number, end: number, maxDepth: number, maxEntries = Infinity, maxStrBytes = Infinity): Reader {
  const r = reader;
  r.entries = r.strBytes = 0;
  r.maxEntries = maxEntries;
  r.maxStrBytes = maxStrBytes;
  r.buf = buf;
  r.pos = start;
  r.end = end;
  r.depth = 0;
  r.maxDepth = maxDepth;
  r.base = start;
  return r;
}

/** Drops the input, so the reader does not keep a large chunk alive. */
function done<T>(value: T): T {
  reader.buf = NOTHING;
  return value;
}

/** Decodes exactly one TLV value from `input`; trailing bytes are an error. */
export function decodeValue(input: Uint8Array, options?: DecodeOptions): unknown {
  const maxDepth = options?.maxDepth ?? MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > MAX_DEPTH_OPTION) {
    throw new RangeError(`Expected \`maxDepth\` to be an integer in 0..${MAX_DEPTH_OPTION}, got \`${String(maxDepth)}\``);
  }
  const { maxEntries = Infinity, maxStrBytes = Infinity } = options ?? {};
  if (!(maxEntries >= 0 && maxStrBytes >= 0)) throw new RangeError(`Expected \`maxEntries\` and \`maxStrBytes\` to be non-negative numbers`);
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const r = readerFor(buf, 0, buf.length, maxDepth, maxEntries, maxStrBytes);
  const value = readValue(r);
  if (r.pos !== r.end) fail(r, `${r.end - r.pos} trailing bytes after the value`);
  return done(value);
}

/**
 * For a payload that is a dict: the values of `keys` in that order (undefined where absent; a
 * repeated key keeps its last value, as in decodeValue), without building the dict. Other keys
 * are decoded (so validated) and dropped. Returns null when the payload is not a dict.
 * @param out Where to put the values (a caller may reuse one array): returned filled.
 * @throws DirtyProtocolError exactly where decodeValue would.
 */
export function decodeDictFields(
  input: Buffer,
  keys: readonly string[],
  start = 0,
  end = input.length,
  out: unknown[] = new Array<unknown>(keys.length),
): unknown[] | null {
  if (start >= end || input[start] !== Tag.DICT) return null;
  const r = readerFor(input, start, end, MAX_DEPTH);
  r.pos++;
  const n = readCount(r, 'dict', MIN_DICT_ENTRY);
  r.depth++;
  out.fill(undefined, 0, keys.length);
  for (let i = 0; i < n; i++) {
    const key = readKey(r);
    const value = readValue(r);
    const at = keys.indexOf(key);
    if (at !== -1) out[at] = value;
  }
  if (r.pos !== r.end) fail(r, `${r.end - r.pos} trailing bytes after the value`);
  return done(out);
}

function fail(r: Reader, reason: string, at = r.pos): never {
  const offset = at - r.base;
  throw new DirtyProtocolError(`Invalid TLV at byte ${offset}: ${reason}`, { offset });
}

/** `what` and `suffix` name the field in the error (joined only on failure: this runs for every value). */
function need(r: Reader, n: number, what: string, suffix = ''): void {
  if (r.end - r.pos < n) fail(r, `truncated ${what}${suffix} (needs ${n} bytes, ${r.end - r.pos} left)`);
}

function readValue(r: Reader): unknown {
  if (r.pos >= r.end) fail(r, 'truncated value (no tag byte)');
  const { buf } = r;
  const tag = buf[r.pos++] ?? -1;
  switch (tag) {
    case Tag.NONE:
      return null;
    case Tag.BOOL:
      need(r, 1, 'bool');
      return buf[r.pos++] !== 0;
    case Tag.INT:
      need(r, 8, 'int64');
      return readInt64(r);
    case Tag.FLOAT: {
      need(r, 8, 'float64');
      const value = buf.readDoubleBE(r.pos);
      r.pos += 8;
      return value;
    }
    case Tag.BYTES: {
      const n = readLength(r, 'bytes');
      const start = r.pos;
      r.pos += n;
      return buf.subarray(start, r.pos);
    }
    case Tag.STR:
      return readString(r, readLength(r, 'str'));
    case Tag.LIST:
      return readList(r);
    case Tag.DICT:
      return readDict(r);
    default:
      return fail(r, `unknown tag 0x${tag.toString(16).padStart(2, '0')}`, r.pos - 1);
  }
}

/** Big-endian uint32 at r.pos (the caller checked that 4 bytes are there). */
function readUint32(r: Reader): number {
  const { pos } = r;
  r.pos = pos + 4;
  return readU32(r.buf, pos);
}

/** Length of a bytes/str value: within the 64 MiB limit and within the input. */
function readLength(r: Reader, what: string): number {
  need(r, 4, what, ' length');
  const n = readUint32(r);
  if (n > MAX_PAYLOAD_BYTES) fail(r, `${what} length ${n} exceeds the 64 MiB limit`, r.pos - 4);
  if (n > r.end - r.pos) fail(r, `truncated ${what} (needs ${n} bytes, ${r.end - r.pos} left)`);
  return n;
}

/** Count of a list/dict: within MAX_ITEMS and no larger than the remaining bytes could hold. */
function readCount(r: Reader, what: string, minItemBytes: number): number {
  need(r, 4, what, ' count');
  const n = readUint32(r);
  if (n > MAX_ITEMS) fail(r, `${what} count ${n} exceeds the limit of ${MAX_ITEMS}`, r.pos - 4);
  if (n * minItemBytes > r.end - r.pos) fail(r, `${what} count ${n} cannot fit in the ${r.end - r.pos} bytes left`, r.pos - 4);
  if (r.depth >= r.maxDepth) fail(r, `nesting deeper than ${r.maxDepth} levels`, r.pos - 5);
  r.entries += n;
  if (r.entries > r.maxEntries) overLimit(r, 'maxEntries', 'list items and dict entries');
  return n;
}

function overLimit(r: Reader, limit: 'maxEntries' | 'maxStrBytes', what: string): never {
  const offset = r.pos - 4 - r.base;
  const max = limit === 'maxEntries' ? r.maxEntries : r.maxStrBytes;
  throw new DirtyProtocolError(`Invalid TLV at byte ${offset}: more than ${max} ${what} in one value`, { offset, limit, max });
}

function readInt64(r: Reader): number | bigint {
  const { buf, pos } = r;
  const hi = buf.readInt32BE(pos);
  // |value| < 2^53 exactly when -2^21 <= hi < 2^21, except -2^53 itself, which is unsafe.
  if (hi >= -0x200000 && hi < 0x200000) {
    const value = hi * TWO_32 + buf.readUInt32BE(pos + 4);
    if (value !== -9007199254740992) {
      r.pos += 8;
      return value;
    }
  }
  r.pos += 8;
  return buf.readBigInt64BE(pos);
}

/** Up to this many bytes, an ASCII check in JS and a one-byte string beat isUtf8 on a view. */
const ASCII_SCAN = 256;

function readString(r: Reader, n: number): string {
  r.strBytes += n;
  if (r.strBytes > r.maxStrBytes) overLimit(r, 'maxStrBytes', 'bytes of str');
  if (n <= SHORT_STRING) return readShort(r, n);
  const { buf } = r;
  const start = r.pos;
  const end = start + n;
  r.pos = end;
  if (n <= ASCII_SCAN) {
    let i = start;
    while (i < end && (buf[i] ?? 0) < 0x80) i++;
    // ASCII is valid UTF-8 and decodes the same as latin1, the cheapest native string maker.
    if (i === end) return buf.toString('latin1', start, end);
  }
  const view = buf.subarray(start, end);
  // Python's decoder is strict (no overlongs, surrogates or truncated sequences); so is isUtf8.
  if (!isUtf8(view)) fail(r, 'str is not valid UTF-8', start);
  return view.toString('utf8');
}

/**
 * Short strings repeat from message to message (dict keys, app and action names, status words).
 * An ASCII one is looked up by a hash of its bytes and handed back as the same string object
 * (checked char by char, so a collision only costs a miss); a dict key that V8 has already
 * internalized is then also a cheap property store.
 */
const shortCache: (string | undefined)[] = new Array<string | undefined>(512).fill(undefined);

function readShort(r: Reader, n: number): string {
  const { buf } = r;
  const start = r.pos;
  const end = start + n;
  r.pos = end;
  if (n === 0) return '';
  // The slot comes from the length and the end bytes; the one pass below both compares and, as the
  // cached strings are ASCII, checks that the bytes are.
  const slot = (Math.imul(n, 0x9e3779b1) ^ ((buf[start] ?? 0) << 4) ^ Math.imul(buf[end - 1] ?? 0, 0x45d9f3b)) >>> 23;
  const hit = shortCache[slot];
  if (hit !== undefined && hit.length === n) {
    let i = 0;
    while (i < n && hit.charCodeAt(i) === buf[start + i]) i++;
    if (i === n) return hit;
  }
  let bits = 0;
  for (let i = start; i < end; i++) bits |= buf[i] ?? 0;
  if (bits > 0x7f) {
    const view = buf.subarray(start, end);
    if (!isUtf8(view)) fail(r, 'str is not valid UTF-8', start);
    return view.toString('utf8');
  }
  const value = buf.toString('latin1', start, end);
  shortCache[slot] = value;
  return value;
}

function readList(r: Reader): unknown[] {
  const n = readCount(r, 'list', 1);
  r.depth++;
  let list: unknown[];
  // Literals for the usual short argument lists: packed arrays of exactly their size.
  if (n === 0) list = [];
  else if (n === 1) list = [readValue(r)];
  else if (n === 2) {
    const a = readValue(r);
    list = [a, readValue(r)];
  } else {
    list = [];
    for (let i = 0; i < n; i++) list.push(readValue(r));
  }
  r.depth--;
  return list;
}

function readKey(r: Reader): string {
  const { buf } = r;
  // Bounds first: the value may be a range of a larger buffer, whose next byte is not ours.
  if (r.pos >= r.end) fail(r, 'truncated dict key');
  if (buf[r.pos] !== Tag.STR) fail(r, `dict key has tag 0x${(buf[r.pos] ?? 0).toString(16).padStart(2, '0')}, keys must be str`);
  r.pos++;
  return readString(r, readLength(r, 'dict key'));
}

function readDict(r: Reader): Record<string, unknown> {
  const n = readCount(r, 'dict', MIN_DICT_ENTRY);
  r.depth++;
  const dict: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const key = readKey(r);
    const value = readValue(r);
    // A plain object keeps ava/deepEqual and spread working; "__proto__" must stay an own property.
    if (key === '__proto__') Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
    else dict[key] = value;
  }
  r.depth--;
  return dict;
}
