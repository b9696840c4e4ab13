// What a call and the client's connection agree on: the call's side of the table (CallSink), its
// state, and the typed encoder that writes its request frames.
import type { Buffer } from 'node:buffer';
import type { DirtyError } from '../errors.js';
import type { FrameOut } from '../protocol/frame-batch.js';
import type { Frame } from '../protocol/frame.js';
import type { RequestId } from '../protocol/header.js';

/** What a call hands the connection: frames for its id are routed here until it leaves the table. */
export interface CallSink {
  /** A frame with this call's id arrived. May throw DirtyProtocolError (the connection then fails). */
  onFrame(frame: Frame): void;
  /** A RESPONSE for this call, payload `buf[start, end)` (the hot path: no Frame made); else onFrame gets it. */
  onResponse?(buf: Buffer, start: number, end: number): void;
  /** A CHUNK for this call, payload `buf[start, end)` (a stream's hot path: no Frame made); else onFrame gets it. */
  onChunk?(buf: Buffer, start: number, end: number): void;
  /** The call left the table because the connection failed or the client closed. */
  onFail(error: DirtyError): void;
  /** Kept by the connection while the call is in its table (the call object is its own table entry). */
  state: CallState;
  /** The encoded request until it is written (then released, so large arguments are not kept). */
  frames: readonly Buffer[];
}

/** `queued`: waiting for the socket, never written. `sent`: written, so it may have run. */
export type CallState = 'queued' | 'sent';

declare const sent: unique symbol;
/** What an encoder returns: only a FrameOut write makes one (an encodeX() chunk list does not type-check). */
export type Written = { readonly [sent]: true };
/** Writes the frame(s) of the call `id` into `out` and returns what the last write returned. */
export type Encoder = (id: RequestId, out: FrameOut<Written>) => Written;
