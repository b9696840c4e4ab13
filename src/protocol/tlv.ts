// Public TLV API: JS values <-> gunicorn's TLV bytes (docs/protocol.md §TLV and §JS mapping).
// The passes live in tlv-encode.ts and tlv-decode.ts; this file adds the buffer handling.
import { Buffer } from 'node:buffer';
import { DirtyProtocolError } from '../errors.js';
import { planEncoding } from './tlv-encode.js';
import { writeValue, type Writer } from './tlv-write.js';

export { decodeValue, type DecodeOptions } from './tlv-decode.js';

/**
 * Encodes one value into a new Buffer.
 * @param path Name of the value in error messages (`args` gives `args[1].when`). @default 'value'
 * @throws DirtyProtocolError for values with no TLV form, naming where they sit.
 */
export function encodeValue(value: unknown, path = 'value'): Buffer {
  const { size } = planEncoding(value, path, false);
  const buf = Buffer.allocUnsafe(size);
  writeChecked(
    { buf, pos: 0, chunks: null, start: 0, referenced: 0 },
    (w) => {
      writeValue(w, value);
    },
    size,
    0,
    path,
  );
  return buf;
}

/** Exact byte length encodeValue would produce (also validates the value). */
export function encodedSize(value: unknown, path = 'value'): number {
  return planEncoding(value, path, false).size;
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
