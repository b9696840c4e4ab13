// Frames (docs/protocol.md §Header and §Payloads): the Frame a decoder hands out, whole messages as
// write-ready chunk lists (one-off encoding through FrameBatch), and payload decoding.
import type { Buffer } from 'node:buffer';
import type { MessageType } from './constants.js';
import { FrameBatch } from './frame-batch.js';
import { decodeValue } from './tlv.js';

export { decodeHeader, encodeHeader, type FrameHeader } from './header.js';

/** One message as read off the wire; `payload` holds the raw TLV bytes (often a view into the read chunk). */
export interface Frame {
  readonly type: MessageType;
  readonly requestId: bigint;
  readonly payload: Buffer;
}

/**
 * Encodes a whole message as chunks for `socket.cork(); write(each); uncork()` or writev.
 * Small messages are one chunk; byte values >= 64 KiB are referenced between chunks, not copied.
 * `value === undefined` gives an empty payload (END, STATUS, CANCEL).
 * @param path Root name in error messages; '' makes top-level dict keys the names (`args[1].when`). @default 'payload'
 * @throws DirtyProtocolError for a bad header field, an unencodable value or a payload over 64 MiB.
 */
export function encodeMessage(type: MessageType, requestId: bigint, value?: unknown, path = 'payload'): Buffer[] {
  const batch = new FrameBatch();
  batch.message(type, requestId, value, path);
  return batch.take();
}

/** Decoded payload of a frame; an empty payload is `null`. */
export function decodePayload(frame: Pick<Frame, 'payload'>): unknown {
  return frame.payload.length === 0 ? null : decodeValue(frame.payload);
}
