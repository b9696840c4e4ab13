// Incremental frame reader for one connection (undici ByteParser shape): a chunk list plus a byte
// count, headers validated as soon as their 16 bytes are in, payloads sliced without copying when possible.
import { Buffer } from 'node:buffer';
import { DirtyProtocolError } from '../errors.js';
import { HEADER_SIZE, MAGIC, MAX_PAYLOAD_BYTES, VERSION, isMessageType, type MessageType } from './constants.js';
import { joinUint64 } from './tlv-kinds.js';
import { decodeHeader, type Frame } from './frame.js';
import { joinRequestId, type RequestId } from './header.js';

/**
 * Receives each frame with its payload as `buf[start, end)`: a range of the received chunk when the
 * payload lies in one, else of a copy. No view or object is made per frame; the bytes stay valid
 * (chunks are never reused), so a handler may keep `buf.subarray(start, end)`.
 */
export type FrameHandler<I extends RequestId = bigint> = (type: MessageType, requestId: I, buf: Buffer, start: number, end: number) => void;

/**
 * Receives a frame whose payload spans several chunks as views of those chunks, in order
 * (`length` bytes in all): nothing is copied. For a relay, which only passes payloads on.
 */
export type PiecesHandler<I extends RequestId = bigint> = (type: MessageType, requestId: I, pieces: Buffer[], length: number) => void;

export interface FrameDecoderOptions {
  /** Largest payload a header may announce; lower it to bound memory per connection. @default MAX_PAYLOAD_BYTES (64 MiB) */
  readonly maxPayloadBytes?: number;
  /**
   * Message types whose payload, when it spans chunks, is copied into one buffer chunk by chunk as the
   * chunks arrive, and handed to onFrame (never onPieces): a large frame then costs each read a little,
   * instead of one large copy when its last byte arrives. @default none
   */
  readonly assemble?: ReadonlySet<MessageType>;
}

const EMPTY = Buffer.alloc(0);
/**
 * A payload still awaited after this many chunks averaging under TRICKLE_BYTES is assembled like an
 * `assemble` type: every kept chunk costs its Buffer and backing store (over 100 bytes), so a peer
 * sending one byte per write would otherwise make a 64 MiB frame cost gigabytes. Socket-sized chunks
 * (kilobytes) never trigger it.
 */
const TRICKLE_CHUNKS = 64;
const TRICKLE_BYTES = 4096;

/**
 * Turns a byte stream into frames. Frames may be split at any byte and many may share a chunk.
 * After a DirtyProtocolError the decoder stays failed: every later push() throws (no resync).
 * @example
 * const decoder = new FrameDecoder();
 * socket.on('data', (chunk) => { for (const frame of decoder.push(chunk)) handle(frame); });
 * socket.on('end', () => decoder.end());
 */
export class FrameDecoder<I extends RequestId = bigint> {
  /** A decoder that hands out request ids as RequestId (numbers up to 2^53 - 1: no BigInt per frame), for relays. */
  static numeric(options: FrameDecoderOptions = {}): FrameDecoder<RequestId> {
    return new FrameDecoder<RequestId>(options, true);
  }

  readonly #maxPayloadBytes: number;
  readonly #numeric: boolean;
  readonly #chunks: Buffer[] = [];
  /** Bytes of #chunks[0] already consumed. */
  #head = 0;
  /** Unconsumed bytes across #chunks. */
  #bytes = 0;
  /** Payload length of the frame whose header is read and whose payload is awaited; -1 between frames. */
  #len = -1;
  #type: MessageType = 0x01;
  #id: I = 0 as I;
  #failure: DirtyProtocolError | null = null;
  readonly #scratch = Buffer.alloc(HEADER_SIZE);
  readonly #assemble: ReadonlySet<MessageType>;
  /** The payload being assembled (a type in #assemble) and how much of it has arrived. */
  #target: Buffer | null = null;
  #filled = 0;

  /** `numeric` is for FrameDecoder.numeric() only (with it, ids are RequestIds whatever `I` says). */
  constructor(options: FrameDecoderOptions = {}, numeric = false) {
    this.#numeric = numeric;
    const max = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
    if (!Number.isInteger(max) || max < 0 || max > MAX_PAYLOAD_BYTES) {
      throw new RangeError(`Expected \`maxPayloadBytes\` to be an integer in 0..${MAX_PAYLOAD_BYTES}, got \`${String(max)}\``);
    }
    this.#maxPayloadBytes = max;
    this.#assemble = options.assemble ?? new Set();
  }

  /** Bytes received and not yet returned in a frame (a pending frame's header included); 0 between frames. */
  get bufferedBytes(): number {
    return this.#bytes + this.#filled + (this.#len < 0 ? 0 : HEADER_SIZE);
  }

  /** Feeds one chunk; returns the frames it completes, in order. The chunk must not be modified afterwards. */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    this.read(chunk, (type, requestId, buf, start, end) => {
      frames.push({ type, requestId: BigInt(requestId), payload: start === end ? EMPTY : buf.subarray(start, end) });
    });
    return frames;
  }

  /**
   * Feeds one chunk and hands each frame it completes to `onFrame`, in order (the hot path: nothing
   * is allocated per frame). A frame is consumed before its handler runs; whatever the handler
   * throws goes to the caller, and the decoder carries on with the next chunk.
   * With `onPieces`, a payload that spans chunks goes there as views instead of being copied into one buffer.
   * @throws DirtyProtocolError for a bad header; the decoder then stays failed.
   */
  read(chunk: Buffer, onFrame: FrameHandler<I>, onPieces?: PiecesHandler<I>): void {
    if (this.#failure !== null) throw this.#failed();
    const target = this.#target;
    let rest = chunk;
    if (target !== null) {
      const take = Math.min(rest.length, target.length - this.#filled);
      this.#filled += rest.copy(target, this.#filled, 0, take);
      if (this.#filled < target.length) return;
      rest = rest.subarray(take);
    }
    if (rest.length > 0) {
      this.#chunks.push(rest);
      this.#bytes += rest.length;
    }
    if (target !== null) {
      // Consumed before its handler runs, like every frame; the rest of the chunk waits in #chunks.
      this.#target = null;
      this.#filled = 0;
      this.#len = -1;
      onFrame(this.#type, this.#id, target, 0, target.length);
    }
    for (;;) {
      if (this.#len < 0) {
        if (this.#bytes < HEADER_SIZE) return;
        try {
          this.#readHeader();
        } catch (error) {
          throw this.#fail(error);
        }
      }
      const n = this.#len;
      if (this.#bytes < n) {
        if (this.#assemble.has(this.#type) || (this.#chunks.length > TRICKLE_CHUNKS && this.#bytes < this.#chunks.length * TRICKLE_BYTES)) {
          this.#startAssembly(n);
        }
        return;
      }
      this.#len = -1;
      const first = this.#chunks[0] ?? EMPTY;
      const start = this.#head;
      if (n === 0) onFrame(this.#type, this.#id, EMPTY, 0, 0);
      else if (first.length - start >= n) {
        this.#skip(n);
        onFrame(this.#type, this.#id, first, start, start + n);
      } else if (onPieces !== undefined) {
        const pieces = this.#pieces(n);
        this.#skip(n);
        onPieces(this.#type, this.#id, pieces, n);
      } else {
        const copy = Buffer.allocUnsafe(n);
        this.#copyInto(copy, n);
        this.#skip(n);
        onFrame(this.#type, this.#id, copy, 0, n);
      }
    }
  }

  /**
   * The part of the payload being assembled that has not arrived (a view of its buffer), or null: a
   * socket may read straight into it and report the bytes with wrote() (the kernel's copy is then the
   * only one). Only `assemble` types (or a trickle) are assembled.
   */
  into(): Buffer | null {
    const target = this.#target;
    return target === null ? null : target.subarray(this.#filled);
  }

  /** `n` bytes (at most into()'s length) were read straight into into(); a payload complete now goes to `onFrame`. */
  wrote(n: number, onFrame: FrameHandler<I>): void {
    const target = this.#target;
    if (target === null || n > target.length - this.#filled) throw new RangeError(`FrameDecoder.wrote(${n}): not within into()`);
    this.#filled += n;
    if (this.#filled < target.length) return;
    this.#target = null;
    this.#filled = 0;
    this.#len = -1;
    onFrame(this.#type, this.#id, target, 0, target.length);
  }

  /** Call at end of stream: throws DirtyProtocolError if it ends inside a frame (a clean end is between frames). */
  end(): void {
    if (this.#failure !== null) throw this.#failed();
    const buffered = this.bufferedBytes;
    if (buffered > 0) {
      const where = this.#len < 0 ? `${buffered} of ${HEADER_SIZE} header bytes` : `${this.#bytes + this.#filled} of ${this.#len} payload bytes`;
      throw this.#fail(new DirtyProtocolError(`Connection closed inside a frame (${where})`));
    }
  }

  /** Reads the next header into #type/#id/#len; a bad one throws decodeHeader's error. */
  #readHeader(): void {
    let h = this.#chunks[0] ?? EMPTY;
    let at = this.#head;
    if (h.length - at < HEADER_SIZE) {
      this.#copyInto(this.#scratch, HEADER_SIZE);
      h = this.#scratch;
      at = 0;
    }
    const type = h[at + 3] ?? 0;
    const len = (h[at + 4] ?? 0) * 0x1000000 + (((h[at + 5] ?? 0) << 16) | ((h[at + 6] ?? 0) << 8) | (h[at + 7] ?? 0));
    if (h[at] !== MAGIC >>> 8 || h[at + 1] !== (MAGIC & 0xff) || h[at + 2] !== VERSION || !isMessageType(type) || len > this.#maxPayloadBytes) {
      decodeHeader(h, at, this.#maxPayloadBytes); // throws the error naming the bad field
    }
    const hi = (h[at + 8] ?? 0) * 0x1000000 + (((h[at + 9] ?? 0) << 16) | ((h[at + 10] ?? 0) << 8) | (h[at + 11] ?? 0));
    const lo = (h[at + 12] ?? 0) * 0x1000000 + (((h[at + 13] ?? 0) << 16) | ((h[at + 14] ?? 0) << 8) | (h[at + 15] ?? 0));
    this.#id = (this.#numeric ? joinRequestId(hi, lo) : joinUint64(hi, lo)) as I;
    this.#type = type as MessageType;
    this.#len = len;
    this.#skip(HEADER_SIZE);
  }

  /** Moves what has arrived of an `n`-byte payload into a buffer of its own; read() fills the rest. */
  #startAssembly(n: number): void {
    const target = Buffer.allocUnsafe(n);
    const have = this.#bytes;
    this.#copyInto(target, have);
    this.#skip(have);
    this.#target = target;
    this.#filled = have;
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

  /** Views of the next `n` buffered bytes, chunk by chunk, without consuming them. */
  #pieces(n: number): Buffer[] {
    const pieces: Buffer[] = [];
    let left = n;
    let start = this.#head;
    for (const chunk of this.#chunks) {
      if (left === 0) break;
      const take = Math.min(chunk.length - start, left);
      pieces.push(chunk.subarray(start, start + take));
      left -= take;
      start = 0;
    }
    return pieces;
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
    this.#len = -1;
    this.#target = null;
    this.#filled = 0;
    return failure;
  }

  #failed(): DirtyProtocolError {
    return new DirtyProtocolError(`FrameDecoder already failed: ${this.#failure?.message ?? ''}`, {}, { cause: this.#failure });
  }
}
