// Incremental frame reader for one connection (undici ByteParser shape): a chunk list plus a byte
// count, headers validated as soon as their 16 bytes are in, payloads sliced without copying when possible.
import { Buffer } from 'node:buffer';
import { DirtyProtocolError } from '../errors.js';
import { HEADER_SIZE, MAX_PAYLOAD_BYTES } from './constants.js';
import { decodeHeader, type Frame, type FrameHeader } from './frame.js';

export interface FrameDecoderOptions {
  /** Largest payload a header may announce; lower it to bound memory per connection. @default MAX_PAYLOAD_BYTES (64 MiB) */
  readonly maxPayloadBytes?: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * Turns a byte stream into frames. Frames may be split at any byte and many may share a chunk.
 * After a DirtyProtocolError the decoder stays failed: every later push() throws (no resync).
 * @example
 * const decoder = new FrameDecoder();
 * socket.on('data', (chunk) => { for (const frame of decoder.push(chunk)) handle(frame); });
 * socket.on('end', () => decoder.end());
 */
export class FrameDecoder {
  readonly #maxPayloadBytes: number;
  readonly #chunks: Buffer[] = [];
  /** Bytes of #chunks[0] already consumed. */
  #head = 0;
  /** Unconsumed bytes across #chunks. */
  #bytes = 0;
  /** Header of the frame whose payload is awaited. */
  #header: FrameHeader | null = null;
  #failure: DirtyProtocolError | null = null;
  readonly #scratch = Buffer.alloc(HEADER_SIZE);

  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
    if (!Number.isInteger(max) || max < 0 || max > MAX_PAYLOAD_BYTES) {
      throw new RangeError(`Expected \`maxPayloadBytes\` to be an integer in 0..${MAX_PAYLOAD_BYTES}, got \`${String(max)}\``);
    }
    this.#maxPayloadBytes = max;
  }

  /** Bytes received and not yet returned in a frame (a pending frame's header included); 0 between frames. */
  get bufferedBytes(): number {
    return this.#bytes + (this.#header === null ? 0 : HEADER_SIZE);
  }

  /** Feeds one chunk; returns the frames it completes, in order. The chunk must not be modified afterwards. */
  push(chunk: Buffer): Frame[] {
    if (this.#failure !== null) throw this.#failed();
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#bytes += chunk.length;
    }
    const frames: Frame[] = [];
    try {
      for (;;) {
        if (this.#header === null) {
          if (this.#bytes < HEADER_SIZE) break;
          this.#header = this.#readHeader();
        }
        const { type, requestId, payloadLength } = this.#header;
        if (this.#bytes < payloadLength) break;
        frames.push({ type, requestId, payload: this.#consume(payloadLength) });
        this.#header = null;
      }
    } catch (error) {
      throw this.#fail(error);
    }
    return frames;
  }

  /** Call at end of stream: throws DirtyProtocolError if it ends inside a frame (a clean end is between frames). */
  end(): void {
    if (this.#failure !== null) throw this.#failed();
    const buffered = this.bufferedBytes;
    if (buffered > 0) {
      const where = this.#header === null ? `${buffered} of ${HEADER_SIZE} header bytes` : `${this.#bytes} of ${this.#header.payloadLength} payload bytes`;
      throw this.#fail(new DirtyProtocolError(`Connection closed inside a frame (${where})`));
    }
  }

  #readHeader(): FrameHeader {
    const first = this.#chunks[0] ?? EMPTY;
    let header: FrameHeader;
    if (first.length - this.#head >= HEADER_SIZE) {
      header = decodeHeader(first, this.#head, this.#maxPayloadBytes);
    } else {
      this.#copyInto(this.#scratch, HEADER_SIZE);
      header = decodeHeader(this.#scratch, 0, this.#maxPayloadBytes);
    }
    this.#skip(HEADER_SIZE);
    return header;
  }

  /** The next `n` bytes: a view when they lie in one chunk, else one concatenation. */
  #consume(n: number): Buffer {
    if (n === 0) return EMPTY;
    const first = this.#chunks[0] ?? EMPTY;
    if (first.length - this.#head >= n) {
      const view = first.subarray(this.#head, this.#head + n);
      this.#skip(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    this.#copyInto(out, n);
    this.#skip(n);
    return out;
  }

  /** Copies the next `n` buffered bytes into `target` without consuming them. */
  #copyInto(target: Buffer, n: number): void {
    let copied = 0;
    let start = this.#head;
    for (const chunk of this.#chunks) {
      if (copied >= n) break;
      copied += chunk.copy(target, copied, start, Math.min(chunk.length, start + n - copied));
      start = 0;
    }
  }

  #skip(n: number): void {
    this.#bytes -= n;
    let head = this.#head + n;
    while (this.#chunks.length > 0) {
      const len = (this.#chunks[0] ?? EMPTY).length;
      if (head < len) break;
      head -= len;
      this.#chunks.shift();
    }
    this.#head = head;
  }

  #fail(error: unknown): DirtyProtocolError {
    const failure = error instanceof DirtyProtocolError ? error : new DirtyProtocolError('Frame decoding failed', {}, { cause: error });
    this.#failure = failure;
    this.#chunks.length = 0;
    this.#bytes = 0;
    this.#head = 0;
    this.#header = null;
    return failure;
  }

  #failed(): DirtyProtocolError {
    return new DirtyProtocolError(`FrameDecoder already failed: ${this.#failure?.message ?? ''}`, {}, { cause: this.#failure });
  }
}
