// peekAppPath (app-path.ts) for a REQUEST payload that arrived in several chunks (a large argument):
// the same answer and the same errors, without joining the chunks. The arbiter relays such a payload
// as its chunks; joining them only to read app_path cost a copy of the whole payload per call (30-120
// us per MiB measured in-process, docs/benchmarks.md). Every value that lies inside one chunk is
// skipped by app-path.ts's own scan, and only the values that straddle two chunks are walked: their
// headers read across the boundary, a bytes value skipped by its length, a str's bytes checked as
// UTF-8 (copied only when the str straddles). Anything the walk does not accept (bad TLV, or a scan
// stricter than the decoder) is joined and handed to peekAppPath, which throws the decoder's error.
import { Buffer, isUtf8 } from 'node:buffer';
import { MAX_NAME_BYTES, MAX_PAYLOAD_BYTES } from './constants.js';
import { MAX_DEPTH, MAX_ITEMS, MIN_DICT_ENTRY, Tag } from './tlv-kinds.js';
import { peekAppPath, readText, skipValue, type NameTooLong } from './app-path.js';

const BAD = -1;
/** Smallest encoded list item, as in the decoder. */
const MIN_ITEM = 1;
/** Bytes the one-chunk scan may go over in vain beyond twice the payload (small payloads are never joined for it). */
const RETRY_SLACK = 64 * 1024;
const APP_PATH = Buffer.from('app_path');
const ACTION = Buffer.from('action');

/** The payload's chunks, read by position in the payload. */
class Chunks {
  readonly pieces: readonly Buffer[];
  /** starts[i]: position of pieces[i] in the payload; starts[pieces.length] = length. */
  readonly starts: number[];
  readonly length: number;
  /** The piece the last lookup found (reads go mostly forward). */
  #i = 0;
  /**
   * Bytes the one-chunk scan went over before it stopped at a chunk's end: a value nested in many
   * straddling containers is tried once per level, so this bounds the work (then the chunks are joined).
   */
  retried = 0;

  constructor(pieces: readonly Buffer[], length: number) {
    this.pieces = pieces;
    this.length = length;
    this.starts = [0];
    let at = 0;
    for (const p of pieces) this.starts.push((at += p.length));
  }

  /** Index of the piece holding `pos` (0 <= pos < length). */
  index(pos: number): number {
    const s = this.starts;
    let i = this.#i;
    while ((s[i + 1] ?? Infinity) <= pos) i++;
    while ((s[i] ?? 0) > pos) i--;
    this.#i = i;
    return i;
  }

  byte(pos: number): number {
    const i = this.index(pos);
    return this.pieces[i]?.[pos - (this.starts[i] ?? 0)] ?? 0;
  }

  /** Big-endian u32 at `pos` (the caller checked that 4 bytes remain). */
  u32(pos: number): number {
    return this.byte(pos) * 0x1000000 + ((this.byte(pos + 1) << 16) | (this.byte(pos + 2) << 8) | this.byte(pos + 3));
  }

  /** Whether bytes [start, end) are `bytes`. */
  equals(start: number, end: number, bytes: Buffer): boolean {
    if (end - start !== bytes.length) return false;
    for (let k = 0; k < bytes.length; k++) if (this.byte(start + k) !== bytes[k]) return false;
    return true;
  }

  /** Bytes [start, end): a view when they lie in one piece, else a copy. */
  range(start: number, end: number): Buffer {
    const i = this.index(start);
    const piece = this.pieces[i] ?? Buffer.alloc(0);
    const at = start - (this.starts[i] ?? 0);
    if (at + end - start <= piece.length) return piece.subarray(at, at + end - start);
    const out = Buffer.allocUnsafe(end - start);
    let filled = 0;
    for (let j = i; filled < out.length; j++) {
      const p = this.pieces[j] ?? Buffer.alloc(0);
      filled += p.copy(out, filled, j === i ? at : 0, Math.min(p.length, (j === i ? at : 0) + out.length - filled));
    }
    return out;
  }
}

/**
 * peekAppPath of the payload made of `pieces` (in order): the same result, the same DirtyProtocolError,
 * without copying the payload when it is valid TLV.
 */
export function peekAppPathPieces(pieces: readonly Buffer[]): string | undefined | NameTooLong {
  const app = scanAppPathPieces(pieces);
  return app === null ? peekAppPath(Buffer.concat(pieces)) : app;
}

/** The walk alone (scanAppPath across chunks): peekAppPathPieces's answer, or null for what it hands to peekAppPath. */
export function scanAppPathPieces(pieces: readonly Buffer[]): string | undefined | null | NameTooLong {
  let n = 0;
  for (const p of pieces) n += p.length;
  const c = new Chunks(pieces, n);
  const end = c.length;
  if (end === 0) return undefined;
  if (c.byte(0) !== Tag.DICT) return skip(c, 0, 0) === end ? undefined : null;
  let pos = countEnd(c, 1, MIN_DICT_ENTRY, 0);
  if (pos === BAD) return null;
  const count = c.u32(1);
  let appStart = -1;
  let appEnd = -1;
  for (let i = 0; i < count; i++) {
    const keyStart = pos + 5;
    pos = skipKey(c, pos);
    if (pos === BAD) return null;
    const isAppPath = c.equals(keyStart, pos, APP_PATH);
    const valueAt = pos;
    const isStr = valueAt < end && c.byte(valueAt) === Tag.STR;
    if (isStr && (isAppPath || c.equals(keyStart, pos, ACTION))) {
      const bytes = sized(c, valueAt) - valueAt - 5;
      if (bytes > MAX_NAME_BYTES) return { tooLong: isAppPath ? 'app_path' : 'action', bytes };
    }
    pos = skip(c, pos, 1);
    if (pos === BAD) return null;
    // The last app_path wins, as in the decoded dict; a non-string one means "none".
    if (isAppPath) {
      appStart = isStr ? valueAt + 5 : -1;
      appEnd = isStr ? pos : -1;
    }
  }
  if (pos !== end) return null;
  if (appStart < 0) return undefined;
  const i = c.index(appStart);
  const piece = c.pieces[i] ?? Buffer.alloc(0);
  const at = appStart - (c.starts[i] ?? 0);
  // readText hands out the previous app_path again when the bytes match (the router's Map keys).
  return at + appEnd - appStart <= piece.length ? readText(piece, at, at + appEnd - appStart) : c.range(appStart, appEnd).toString('utf8');
}

/** End of the value at `pos` inside `depth` containers, or BAD: app-path.ts's skipValue across chunks. */
function skip(c: Chunks, pos: number, depth: number): number {
  if (pos >= c.length) return BAD;
  const i = c.index(pos);
  const piece = c.pieces[i] ?? Buffer.alloc(0);
  const at = pos - (c.starts[i] ?? 0);
  // Inside one chunk: its own bounds are tighter than the payload's, so what passes there passes here.
  const inPiece = skipValue(piece, at, depth);
  if (inPiece !== BAD) return pos + inPiece - at;
  c.retried += piece.length - at;
  if (c.retried > 2 * c.length + RETRY_SLACK) return BAD; // then joined: linear work whatever the nesting
  switch (piece[at] ?? -1) {
    case Tag.BOOL:
      return fixed(c, pos, 1);
    case Tag.INT:
    case Tag.FLOAT:
      return fixed(c, pos, 8);
    case Tag.BYTES:
      return sized(c, pos);
    case Tag.STR:
      return text(c, pos);
    case Tag.LIST: {
      let next = countEnd(c, pos + 1, MIN_ITEM, depth);
      const n = next === BAD ? 0 : c.u32(pos + 1);
      for (let k = 0; k < n && next !== BAD; k++) next = skip(c, next, depth + 1);
      return next;
    }
    case Tag.DICT: {
      let next = countEnd(c, pos + 1, MIN_DICT_ENTRY, depth);
      const n = next === BAD ? 0 : c.u32(pos + 1);
      for (let k = 0; k < n && next !== BAD; k++) {
        next = skipKey(c, next);
        if (next !== BAD) next = skip(c, next, depth + 1);
      }
      return next;
    }
    default:
      return BAD; // NONE always fits in one chunk; anything else is no tag
  }
}

/** A tag followed by `n` fixed bytes. */
function fixed(c: Chunks, pos: number, n: number): number {
  return c.length - pos - 1 < n ? BAD : pos + 1 + n;
}

/** End of a bytes/str value (tag, u32 length, bytes) within the limits, or BAD. */
function sized(c: Chunks, pos: number): number {
  if (c.length - pos - 1 < 4) return BAD;
  const n = c.u32(pos + 1);
  const start = pos + 5;
  if (n > MAX_PAYLOAD_BYTES || n > c.length - start) return BAD;
  return start + n;
}

/** A str value: sized, and valid UTF-8. */
function text(c: Chunks, pos: number): number {
  const end = sized(c, pos);
  return end === BAD || !isUtf8(c.range(pos + 5, end)) ? BAD : end;
}

/** A dict key: a str. */
function skipKey(c: Chunks, pos: number): number {
  return pos < c.length && c.byte(pos) === Tag.STR ? text(c, pos) : BAD;
}

/** After the u32 count at `pos` of a container at `depth`: the decoder's count, room and depth limits. */
function countEnd(c: Chunks, pos: number, minItemBytes: number, depth: number): number {
  if (c.length - pos < 4 || depth >= MAX_DEPTH) return BAD;
  const n = c.u32(pos);
  const at = pos + 4;
  return n > MAX_ITEMS || n * minItemBytes > c.length - at ? BAD : at;
}
