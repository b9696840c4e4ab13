// Frames (docs/protocol.md §Header and §Payloads): the Frame a decoder hands out and payload decoding.
// Messages are encoded by FrameBatch (frame-batch.ts), through the builders in messages.ts.
import type { Buffer } from 'node:buffer';
import type { MessageType } from './constants.js';
import type { RequestId } from './header.js';
import { decodeValue } from './tlv.js';

export { decodeHeader, encodeHeader, type FrameHeader } from './header.js';

/** One message as read off the wire; `payload` holds the raw TLV bytes (often a view into the read chunk). */
export interface Frame {
  readonly type: MessageType;
  readonly requestId: RequestId;
  readonly payload: Buffer;
}

/** Decoded payload of a frame; an empty payload is `null`. */
export function decodePayload(frame: Pick<Frame, 'payload'>): unknown {
  return frame.payload.length === 0 ? null : decodeValue(frame.payload);
}
