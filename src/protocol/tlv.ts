// Public TLV API: JS values <-> gunicorn's TLV bytes (docs/protocol.md §TLV and §JS mapping).
// The passes live in tlv-encode.ts and tlv-decode.ts; this file adds the buffer handling.
import { Buffer } from 'node:buffer';
import { DirtyProtocolError } from '../errors.js';
import { planEncoding, planFields, type EncodePlan } from './tlv-encode.js';
import { writeFields, writeValue, type Writer } from './tlv-write.js';

export { decodeValue, type DecodeOptions } from './tlv-decode.js';

/**
 * Encodes one value into a new Buffer.
 * @param path Name of the value in error messages (`args` gives `args[1].when`). @default 'value'
 * @throws DirtyProtocolError for values with no TLV form, naming where they sit.
 */
export function encodeValue(value: unknown, path = 'value'): Buffer {
  const { size } = planEncoding(value, path, false);
  const buf = Buffer.allocUnsafe(size);
  writeChecked({ buf, pos: 0, chunks: null, start: 0, referenced: 0 }, (w) => {
    writeValue(w, value);
  }, size, 0, path);
  return buf;
}

/** Exact byte length encodeValue would produce (also validates the value). */
export function encodedSize(value: unknown, path = 'value'): number {
  return planEncoding(value, path, false).size;
}

export interface EncodedChunks {
  readonly chunks: Buffer[];
  /** Payload size in bytes (reserved bytes not included). */
  readonly size: number;
  /** The allocation whose first `reserve` bytes are left for the caller; chunks[0] starts with them. */
  readonly reserved: Buffer;
}

/**
 * Encodes `value` after `reserve` free bytes (room for a frame header) and returns the chunks:
 * one chunk normally; with byte values >= ZERO_COPY_BYTES, those buffers themselves sit between
 * pieces of the allocation. The first chunk always starts with the reserved bytes.
 */
export function encodeChunks(value: unknown, path: string, reserve: number): EncodedChunks {
  return writeChunks(planEncoding(value, path, true), reserve, path, (w) => {
    writeValue(w, value);
  });
}

/** encodeChunks of the plain object `{ [keys[i]]: values[i] }` (same bytes, same errors), without making it. */
export function encodeFieldChunks(keys: readonly string[], values: readonly unknown[], path: string, reserve: number): EncodedChunks {
  return writeChunks(planFields(keys, values, path, true), reserve, path, (w) => {
    writeFields(w, keys, values);
  });
}

function writeChunks(plan: EncodePlan, reserve: number, path: string, write: (w: Writer) => void): EncodedChunks {
  const end = reserve + plan.inline;
  const buf = Buffer.allocUnsafe(end);
  if (plan.inline === plan.size) {
    writeChecked({ buf, pos: reserve, chunks: null, start: 0, referenced: 0 }, write, end, 0, path);
    return { chunks: [buf], size: plan.size, reserved: buf };
  }
  const w: Writer = { buf, pos: reserve, chunks: [], start: 0, referenced: 0 };
  writeChecked(w, write, end, plan.size - plan.inline, path);
  const chunks = w.chunks ?? [];
  if (w.start < end) chunks.push(buf.subarray(w.start, end));
  return { chunks, size: plan.size, reserved: buf };
}

/** The write pass trusts the size pass; a getter or a mutation in between must not yield a bad frame. */
function writeChecked(w: Writer, write: (w: Writer) => void, end: number, referenced: number, path: string): void {
  try {
    write(w);
  } catch (error) {
    throw changedWhileEncoding(path, error);
  }
  if (w.pos !== end || w.referenced !== referenced) throw changedWhileEncoding(path, undefined);
}

export function changedWhileEncoding(path: string, cause: unknown): DirtyProtocolError {
  return new DirtyProtocolError(
    `Cannot encode ${path === '' ? 'payload' : path}: the value changed while it was being encoded (a getter or a concurrent mutation?)`,
    { path },
    { cause },
  );
}
