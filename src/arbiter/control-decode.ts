// Decoding the payload of a frame the arbiter answers itself (STASH, MANAGE) within limits that keep the
// decoding cheap: list items and dict entries, and UTF-8 bytes of str (decoding UTF-8 to JS strings is
// slow: about 10 ms per MiB of non-ASCII text here). A frame over a limit fails before its containers
// or strings are built, and is answered with a typed error on a connection that stays open (the frame
// was read whole, so the stream is still in step).
import { DirtyProtocolError, StashLimitError, type WireError } from '../errors.js';
import { MessageType } from '../protocol/constants.js';
import { decodeValue, type DecodeOptions } from '../protocol/tlv.js';

export interface FrameLimits {
  /** Most list items and dict entries in one frame (config `stashMaxEntries`). */
  readonly maxEntries: number;
  /** Most UTF-8 bytes of str values and dict keys in one frame (config `stashMaxStrBytes`). */
  readonly maxStrBytes: number;
}

/** A MANAGE payload holds a handful of short fields. */
export const MANAGE_LIMITS: FrameLimits = Object.freeze({ maxEntries: 64, maxStrBytes: 4096 });

const CONFIG_KEY = { maxEntries: 'stashMaxEntries', maxStrBytes: 'stashMaxStrBytes' } as const;
const WHAT = { maxEntries: 'list items and dict entries', maxStrBytes: 'bytes of str (store large text as bytes)' } as const;

export type Decoded = { readonly ok: true; readonly payload: unknown } | { readonly ok: false; readonly error: WireError };

/**
 * The payload `buf[start, end)` (an empty payload is null). Over a limit: a StashLimitError for a STASH
 * frame, a DirtyProtocolError for a MANAGE frame. Any other bad TLV throws DirtyProtocolError.
 */
export function decodeControl(type: MessageType, buf: Buffer, start: number, end: number, stash: FrameLimits): Decoded {
  if (start === end) return { ok: true, payload: null };
  const limits: DecodeOptions = type === MessageType.STASH ? stash : MANAGE_LIMITS;
  try {
    return { ok: true, payload: decodeValue(buf.subarray(start, end), limits) };
  } catch (err) {
    const limit = err instanceof DirtyProtocolError ? err.details['limit'] : undefined;
    if (limit !== 'maxEntries' && limit !== 'maxStrBytes') throw err;
    if (type !== MessageType.STASH) return { ok: false, error: (err as DirtyProtocolError).toWire() };
    const max = stash[limit];
    const message = `Stash limit: a STASH frame holds at most ${max} ${WHAT[limit]} (${CONFIG_KEY[limit]})`;
    return { ok: false, error: new StashLimitError(message, { limit: CONFIG_KEY[limit], max }).toWire() };
  }
}

/**
 * A MANAGE payload in a few words for an error message: `{op: 9, count: bytes (33554432 bytes)}`. Never
 * prints a value whole (a frame may carry 64 MiB of bytes, which JSON would render as 200 MB of text).
 */
export function describeManage(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || payload instanceof Uint8Array) return brief(payload);
  const p = payload as Record<string, unknown>;
  return `{op: ${brief(p['op'])}, count: ${brief(p['count'])}}`;
}

function brief(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return `bytes (${v.byteLength} bytes)`;
  return Array.isArray(v) ? `a list of ${v.length}` : 'a dict';
}
