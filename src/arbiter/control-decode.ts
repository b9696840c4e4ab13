// Decoding the payload of a frame the arbiter answers itself (STASH, MANAGE), with a bound on list items
// and dict entries: a frame over it fails before its containers are built, and is answered with a typed
// error on a connection that stays open (the frame was read whole, so the stream is still in step).
import { DirtyProtocolError, StashLimitError, type WireError } from '../errors.js';
import { MessageType } from '../protocol/constants.js';
import { decodeValue } from '../protocol/tlv.js';

/** A MANAGE payload holds a handful of fields. */
export const MAX_MANAGE_ENTRIES = 64;

export type Decoded = { readonly ok: true; readonly payload: unknown } | { readonly ok: false; readonly error: WireError };

/**
 * The payload `buf[start, end)` (an empty payload is null). Over `maxEntries`: a StashLimitError for a
 * STASH frame, a DirtyProtocolError for a MANAGE frame. Any other bad TLV throws DirtyProtocolError.
 */
export function decodeControl(type: MessageType, buf: Buffer, start: number, end: number, stashMaxEntries: number): Decoded {
  if (start === end) return { ok: true, payload: null };
  const maxEntries = type === MessageType.STASH ? stashMaxEntries : MAX_MANAGE_ENTRIES;
  try {
    return { ok: true, payload: decodeValue(buf.subarray(start, end), { maxEntries }) };
  } catch (err) {
    if (!(err instanceof DirtyProtocolError) || err.details['limit'] !== 'maxEntries') throw err;
    if (type !== MessageType.STASH) return { ok: false, error: err.toWire() };
    const message = `Stash limit: a STASH frame holds at most ${maxEntries} list items and dict entries (stashMaxEntries)`;
    return { ok: false, error: new StashLimitError(message, { limit: 'stashMaxEntries', max: maxEntries }).toWire() };
  }
}
