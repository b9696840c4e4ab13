// The arbiter routes a REQUEST on its `app_path` alone: this reads it without building the payload.
// Every value is still checked the way decodeValue checks it (tags, lengths, counts, nesting, UTF-8)
// and skipped by its encoded length, so a payload is accepted here exactly when it decodes; only
// the one app_path string is materialised. Anything odd goes to decodeValue itself, which then
// throws its own error (or, should this scan be stricter than the decoder, answers for it).
import { Buffer, isUtf8 } from 'node:buffer';
import { DirtyProtocolError } from '../errors.js';
import { MAX_NAME_BYTES, MAX_PAYLOAD_BYTES } from './constants.js';
import { MAX_DEPTH, MAX_ITEMS, MIN_DICT_ENTRY, readU32, Tag } from './tlv-kinds.js';
import { decodeValue } from './tlv-decode.js';

/** Marks a payload the scan does not accept (then decodeValue decides). */
const BAD = -1;
/** Smallest encoded list item (MIN_DICT_ENTRY is a dict entry's), as in the decoder. */
const MIN_ITEM = 1;
/** Up to about this many bytes an ASCII scan in JS beats isUtf8 (a subarray and a native call). */
const ASCII_SCAN = 128;
/** "app_path" in ASCII. */
const KEY = [0x61, 0x70, 0x70, 0x5f, 0x70, 0x61, 0x74, 0x68] as const;
/** "action" in ASCII. */
const ACTION = [0x61, 0x63, 0x74, 0x69, 0x6f, 0x6e] as const;

/** A REQUEST whose `app_path` or `action` string is longer than MAX_NAME_BYTES (its length, not its text). */
export interface NameTooLong {
  readonly tooLong: 'app_path' | 'action';
  readonly bytes: number;
}

/** The error a REQUEST with a too long name gets (its frame was read whole: the connection stays in step). */
export function nameTooLongError(n: NameTooLong): DirtyProtocolError {
  const message = `REQUEST ${n.tooLong} is ${n.bytes} bytes, over the limit of ${MAX_NAME_BYTES} bytes (MAX_NAME_BYTES)`;
  return new DirtyProtocolError(message, { field: n.tooLong, bytes: n.bytes, limit: MAX_NAME_BYTES });
}

/**
 * The `app_path` of a REQUEST payload: what `decodePayload(frame).app_path` gives when that is a
 * string, without decoding the other values. Undefined for an empty payload, a value that is not
 * a dict, or a dict without a string `app_path` (the last one wins when the key repeats).
 * NameTooLong, read from the length alone, for a top-level `app_path` or `action` string over MAX_NAME_BYTES.
 * @throws DirtyProtocolError when the payload is not valid TLV: the very error decodeValue throws.
 */
export function peekAppPath(payload: Buffer): string | undefined | NameTooLong {
  const app = scanAppPath(payload);
  return app === null ? slowPath(payload) : app;
}

/**
 * The scan alone: peekAppPath's answer for a payload the scan accepts, null for one it does not
 * (every payload decodeValue rejects, and, were the scan stricter than the decoder, those too).
 * A too long name is answered as soon as its length is read, before the rest is checked.
 */
export function scanAppPath(payload: Buffer): string | undefined | null | NameTooLong {
  const end = payload.length;
  if (end === 0) return undefined;
  if (payload[0] !== Tag.DICT) return skipValue(payload, 0, 0) === end ? undefined : null; // valid TLV, not a dict
  let pos = countEnd(payload, 1, MIN_DICT_ENTRY, 0);
  if (pos === BAD) return null;
  const n = readU32(payload, 1);
  let appStart = -1;
  let appEnd = -1;
  for (let i = 0; i < n; i++) {
    const keyStart = pos + 5;
    pos = skipKey(payload, pos);
    if (pos === BAD) return null;
    const isAppPath = pos - keyStart === KEY.length && isKey(payload, keyStart, KEY);
    const valueAt = pos;
    if (payload[valueAt] === Tag.STR && (isAppPath || (pos - keyStart === ACTION.length && isKey(payload, keyStart, ACTION)))) {
      const bytes = skipSized(payload, valueAt) - valueAt - 5;
      if (bytes > MAX_NAME_BYTES) return { tooLong: isAppPath ? 'app_path' : 'action', bytes };
    }
    pos = skipValue(payload, pos, 1);
    if (pos === BAD) return null;
    if (isAppPath) {
      // The last app_path wins, as in the decoded dict; a non-string one means "none".
      const isStr = payload[valueAt] === Tag.STR;
      appStart = isStr ? valueAt + 5 : -1;
      appEnd = isStr ? pos : -1;
    }
  }
  if (pos !== end) return null;
  return appStart < 0 ? undefined : readText(payload, appStart, appEnd);
}

/** What the full decoder says: throws its error, or (if the scan was too strict) reads the decoded dict. */
function slowPath(payload: Buffer): string | undefined | NameTooLong {
  const value = decodeValue(payload);
  if (typeof value !== 'object' || value === null) return undefined;
  const { app_path: app, action } = value as Record<string, unknown>;
  for (const [field, v] of [
    ['app_path', app],
    ['action', action],
  ] as const) {
    const bytes = typeof v === 'string' ? Buffer.byteLength(v) : 0;
    if (bytes > MAX_NAME_BYTES) return { tooLong: field, bytes };
  }
  return typeof app === 'string' ? app : undefined;
}

/**
 * Every call names one of a few apps: the last string read is handed out again when the bytes
 * match (no new string, and its hash is already computed for the router's Map lookups).
 */
let lastApp = '';

/** A validated UTF-8 range as a string. */
export function readText(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n === lastApp.length) {
    let i = 0;
    // Equal when every byte is ASCII and equals the char code ('Ã©' must not match the bytes of 'é').
    for (; i < n; i++) {
      const c = buf[start + i] ?? 0x80;
      if (c >= 0x80 || c !== lastApp.charCodeAt(i)) break;
    }
    if (i === n) return lastApp;
  }
  lastApp = buf.toString('utf8', start, end);
  return lastApp;
}

/** End of the value at `pos` inside `depth` containers, or BAD (-1). */
export function skipValue(buf: Buffer, pos: number, depth: number): number {
  if (pos >= buf.length) return BAD;
  const tag = buf[pos] ?? -1;
  switch (tag) {
    case Tag.NONE:
      return pos + 1;
    case Tag.BOOL:
      return skipFixed(buf, pos, 1);
    case Tag.INT:
    case Tag.FLOAT:
      return skipFixed(buf, pos, 8);
    case Tag.BYTES:
      return skipSized(buf, pos);
    case Tag.STR:
      return skipText(buf, pos);
    case Tag.LIST: {
      let at = countEnd(buf, pos + 1, MIN_ITEM, depth);
      if (at === BAD) return BAD;
      const n = readU32(buf, pos + 1);
      for (let i = 0; i < n && at !== BAD; i++) at = skipValue(buf, at, depth + 1);
      return at;
    }
    case Tag.DICT: {
      let at = countEnd(buf, pos + 1, MIN_DICT_ENTRY, depth);
      if (at === BAD) return BAD;
      const n = readU32(buf, pos + 1);
      for (let i = 0; i < n && at !== BAD; i++) {
        at = skipKey(buf, at);
        if (at !== BAD) at = skipValue(buf, at, depth + 1);
      }
      return at;
    }
    default:
      return BAD;
  }
}

/** A tag followed by `n` fixed bytes. */
function skipFixed(buf: Buffer, pos: number, n: number): number {
  return buf.length - pos - 1 < n ? BAD : pos + 1 + n;
}

/** End of a bytes/str value (tag, u32 length, bytes) within the limits, or BAD. */
function skipSized(buf: Buffer, pos: number): number {
  if (buf.length - pos - 1 < 4) return BAD;
  const n = readU32(buf, pos + 1);
  const start = pos + 5;
  if (n > MAX_PAYLOAD_BYTES || n > buf.length - start) return BAD;
  return start + n;
}

/** A str value: sized, and valid UTF-8. */
function skipText(buf: Buffer, pos: number): number {
  const end = skipSized(buf, pos);
  return end === BAD || !isUtf8Range(buf, pos + 5, end) ? BAD : end;
}

/** A dict key: a str. */
function skipKey(buf: Buffer, pos: number): number {
  return pos < buf.length && buf[pos] === Tag.STR ? skipText(buf, pos) : BAD;
}

/** After the u32 count at `pos` of a container at `depth`: the decoder's count, room and depth limits. */
function countEnd(buf: Buffer, pos: number, minItemBytes: number, depth: number): number {
  if (buf.length - pos < 4 || depth >= MAX_DEPTH) return BAD;
  const n = readU32(buf, pos);
  const at = pos + 4;
  return n > MAX_ITEMS || n * minItemBytes > buf.length - at ? BAD : at;
}

function isUtf8Range(buf: Buffer, start: number, end: number): boolean {
  if (end - start <= ASCII_SCAN) {
    let bits = 0;
    let i = start;
    for (; i + 4 <= end; i += 4) bits |= (buf[i] ?? 0) | (buf[i + 1] ?? 0) | (buf[i + 2] ?? 0) | (buf[i + 3] ?? 0);
    for (; i < end; i++) bits |= buf[i] ?? 0;
    if (bits < 0x80) return true; // ASCII is valid UTF-8
  }
  return isUtf8(buf.subarray(start, end));
}

function isKey(buf: Buffer, start: number, key: readonly number[]): boolean {
  for (let i = 0; i < key.length; i++) if (buf[start + i] !== key[i]) return false;
  return true;
}
