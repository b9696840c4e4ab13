// Writes frames to a socket batched: the frames encoded until the flush go into one FrameBatch and
// leave as one write (a slab piece, plus any large payload it references), however many there are.
// The flush comes at the end of the tick (process.nextTick), or, for a process that reads many
// sockets (the arbiter), at the end of the event loop's turn (setImmediate, after every I/O callback
// of the turn): an arbiter that reads 8 clients in one turn then writes to a worker once, not 8 times.
// A setImmediate costs more than a nextTick, so a process with one socket (a client, a worker) keeps
// the tick (docs/benchmarks.md, "Decision log").
// A writer may also cap the frames per write (`maxFrames`): the arbiter hands a worker its requests
// in writes of at most 32 frames, so that the worker starts on the first ones while the arbiter still
// routes the rest, instead of the three processes passing one wave of calls along with one of them
// busy at a time (docs/benchmarks.md, "Decision log").
// Shared by the arbiter's client connections, the worker channel (both ends) and the client.
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import type { MessageType } from '../protocol/constants.js';
import { FrameBatch, type Payload } from '../protocol/frame-batch.js';
import type { RequestId } from '../protocol/header.js';

const SLAB_BYTES = 64 * 1024;
/**
 * A batch this large is handed to the socket at once, not at the flush: the socket's own
 * buffer then holds it, and its 'drain' event (backpressure) works as for any write.
 */
const FLUSH_BYTES = 256 * 1024;

/** When a writer flushes: at the end of the tick, or of the event loop's turn. */
export type FlushAt = 'tick' | 'turn';

export interface WriterOptions {
  /** Default 'tick'. */
  readonly flushAt?: FlushAt;
  /** The frames queued since the last write are written at once when they reach this many. Default: no cap. */
  readonly maxFrames?: number;
}

export class TickWriter {
  readonly #socket: Socket;
  readonly #schedule: (fn: () => void) => void;
  readonly #batch = new FrameBatch(SLAB_BYTES);
  readonly #maxFrames: number;
  #frames = 0;
  #scheduled = false;
  readonly #flushBound = (): void => {
    this.#scheduled = false;
    this.#flush();
  };

  constructor(socket: Socket, options: WriterOptions = {}) {
    this.#socket = socket;
    this.#schedule = options.flushAt === 'turn' ? setImmediate : process.nextTick;
    this.#maxFrames = options.maxFrames ?? Infinity;
  }

  /** Bytes waiting: encoded and not yet flushed, plus the socket's own buffer. */
  get buffered(): number {
    return this.#batch.bytes + this.#socket.writableLength;
  }

  /** FrameBatch.fields, sent at the flush; throws (and sends nothing) for an unencodable value. */
  fields(type: MessageType, requestId: RequestId, keys: readonly string[], values: readonly unknown[]): number {
    if (this.#socket.destroyed) return 0;
    this.#batch.fields(type, requestId, keys, values);
    return this.#queued();
  }

  /** FrameBatch.message, sent at the flush. */
  message(type: MessageType, requestId: RequestId, value?: unknown, path?: string): number {
    if (this.#socket.destroyed) return 0;
    this.#batch.message(type, requestId, value, path);
    return this.#queued();
  }

  /** FrameBatch.relay (or relayPieces for a payload in pieces; `start`/`end` apply to one buffer), sent at the flush. */
  relay(type: MessageType, requestId: RequestId, payload: Payload, start?: number, end?: number): number {
    if (this.#socket.destroyed) return 0;
    if (Buffer.isBuffer(payload)) this.#batch.relay(type, requestId, payload, start, end);
    else this.#batch.relayPieces(type, requestId, payload);
    return this.#queued();
  }

  /** Frames already encoded (a chunk list), sent at the flush. */
  chunks(chunks: readonly Buffer[]): number {
    if (this.#socket.destroyed) return 0;
    this.#batch.chunks(chunks);
    return this.#queued();
  }

  /** Schedules the flush; returns the bytes buffered. */
  #queued(): number {
    if (this.#batch.bytes >= FLUSH_BYTES || ++this.#frames >= this.#maxFrames) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      this.#schedule(this.#flushBound);
    }
    return this.buffered;
  }

  /** Hands everything encoded so far to the socket now (call before ending it). */
  flush(): void {
    this.#flush();
  }

  #flush(): void {
    this.#frames = 0;
    const out = this.#batch.take();
    const s = this.#socket;
    if (s.destroyed || out.length === 0) return;
    if (out.length === 1) {
      s.write(out[0] as Buffer);
      return;
    }
    s.cork();
    for (const c of out) s.write(c);
    s.uncork();
  }
}
