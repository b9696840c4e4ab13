// The binary channel between arbiter and worker: a socketpair end (stdio fd 4 in the worker,
// child.stdio[4] in the arbiter), framed with the dirty protocol; writes are batched (TickWriter).
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { FrameDecoder, type FrameHandler, type PiecesHandler } from '../protocol/frame-decoder.js';
import { TickWriter, type WriterOptions } from './tick-writer.js';
import type { ReadSink } from './direct-reads.js';
import type { FrameOut, Payload } from '../protocol/frame-batch.js';
import type { MessageType } from '../protocol/constants.js';
import type { RequestId } from '../protocol/header.js';

export interface ChannelOptions extends WriterOptions {
  /** Frames whose payload spans chunks come as views here instead of one copied buffer (FrameDecoder.read). */
  readonly onPieces?: PiecesHandler<RequestId>;
  /** Types whose payload is assembled into one buffer as it arrives (FrameDecoder); see into(). */
  readonly assemble?: ReadonlySet<MessageType>;
}

/**
 * Request ids come as RequestIds (numbers below 2^53: the ids of this channel are the arbiter's own counters).
 * The socket's reads come as 'data' events, or, for a socket made with `onread` (net/direct-reads.ts), through
 * this channel's ReadSink methods. Writes are batched (TickWriter; the arbiter's end flushes per turn, at most
 * 32 frames a write).
 */
export class FrameChannel implements FrameOut, ReadSink {
  readonly #socket: Socket;
  readonly #writer: TickWriter;
  readonly #decoder: FrameDecoder<RequestId>;
  readonly #onFrame: FrameHandler<RequestId>;
  readonly #onError: (err: Error) => void;
  readonly #onPieces: PiecesHandler<RequestId> | undefined;

  constructor(socket: Socket, onFrame: FrameHandler<RequestId>, onError: (err: Error) => void, options: ChannelOptions = {}) {
    this.#socket = socket;
    this.#writer = new TickWriter(socket, options);
    this.#decoder = FrameDecoder.numeric(options.assemble === undefined ? {} : { assemble: options.assemble });
    this.#onFrame = onFrame;
    this.#onError = onError;
    this.#onPieces = options.onPieces;
    socket.on('data', (chunk: Buffer) => {
      this.chunk(chunk);
    });
    socket.on('error', onError);
  }

  /** A chunk read (a 'data' event's, or one read into a slab). */
  chunk(chunk: Buffer): void {
    try {
      this.#decoder.read(chunk, this.#onFrame, this.#onPieces);
    } catch (err) {
      this.#fail(err);
    }
  }

  into(): Buffer | null {
    return this.#decoder.into();
  }

  wrote(n: number): void {
    try {
      this.#decoder.wrote(n, this.#onFrame);
    } catch (err) {
      this.#fail(err);
    }
  }

  #fail(err: unknown): void {
    this.#onError(err as Error);
    this.#socket.destroy();
  }

  get socket(): Socket {
    return this.#socket;
  }

  // Each queues one frame for this tick's write and returns a promise only when the peer is slow
  // (backpressure). An unencodable value throws and sends nothing.

  fields(type: MessageType, requestId: RequestId, keys: readonly string[], values: readonly unknown[]): Promise<void> | undefined {
    return this.#backpressure(this.#writer.fields(type, requestId, keys, values));
  }

  message(type: MessageType, requestId: RequestId, value?: unknown, path?: string): Promise<void> | undefined {
    return this.#backpressure(this.#writer.message(type, requestId, value, path));
  }

  relay(type: MessageType, requestId: RequestId, payload: Payload, start?: number, end?: number): Promise<void> | undefined {
    return this.#backpressure(this.#writer.relay(type, requestId, payload, start, end));
  }

  #backpressure(buffered: number): Promise<void> | undefined {
    // Past 256 KiB the writer hands the batch to the socket: a full socket then emits 'drain'.
    if (buffered > 1 << 20 && this.#socket.writableNeedDrain) return once(this.#socket, 'drain').then(() => undefined);
    return undefined;
  }

  /** Flushes what is queued and closes our side; resolves when written (or after `timeoutMs`). */
  async end(timeoutMs = 5000): Promise<void> {
    const s = this.#socket;
    if (s.destroyed) return;
    const finished = once(s, 'finish').then(
      () => undefined,
      () => undefined,
    );
    this.#writer.flush();
    s.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}
