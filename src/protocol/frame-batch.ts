// Frames encoded back to back into one slab: what a connection writes in one tick leaves as one
// buffer (one stream write, one iovec) instead of a buffer and a write per frame. Large byte values
// and large relayed payloads are referenced between slab pieces, never copied. No I/O here: the
// owner (net/tick-writer.ts) takes the chunks and writes them.
import { Buffer } from 'node:buffer';
import { DirtyProtocolError } from '../errors.js';
import { HEADER_SIZE, MAX_PAYLOAD_BYTES, type MessageType } from './constants.js';
import { checkHeaderFields, writeHeader, type RequestId } from './header.js';
import { planEncoding, planFields, type EncodePlan } from './tlv-encode.js';
import { fastFields, fastValue, NO_FIT } from './tlv-fast.js';
import { writeFields, writeValue, type Writer } from './tlv-write.js';
import { changedWhileEncoding } from './tlv.js';

/** Relayed payloads up to this size are copied into the slab; larger ones are referenced. */
export const RELAY_COPY_MAX = 16 * 1024;

const EMPTY = Buffer.alloc(0);

/** Raw TLV bytes to relay: one buffer, or the pieces of a payload that arrived in several chunks. */
export type Payload = Buffer | readonly Buffer[];

/** Where frames are encoded: a FrameBatch, or a connection's writer in front of one (R: what a write returns). */
export interface FrameOut<R = unknown> {
  fields(type: MessageType, requestId: RequestId, keys: readonly string[], values: readonly unknown[]): R;
  message(type: MessageType, requestId: RequestId, value?: unknown, path?: string): R;
}

export class FrameBatch implements FrameOut<void> {
  readonly #slabBytes: number;
  #slab: Buffer = EMPTY;
  /** First slab byte not yet moved to #out. */
  #start = 0;
  #pos = 0;
  #out: Buffer[] = [];
  #outBytes = 0;
  #busy = false;
  readonly #writer: Writer = { buf: EMPTY, pos: 0, chunks: null, start: 0, referenced: 0 };

  /**
   * @param slabBytes Size of each new slab; 0 allocates exactly what each frame needs (one-off encoding).
   */
  constructor(slabBytes = 0) {
    this.#slabBytes = slabBytes;
  }

  /** Bytes encoded and not yet taken. */
  get bytes(): number {
    return this.#outBytes + this.#pos - this.#start;
  }

  /**
   * The message `{ [keys[i]]: values[i] }` (REQUEST, RESPONSE, CHUNK) without building the object.
   * Validated before anything is written: a value with no TLV form throws and leaves the batch as it was.
   */
  fields(type: MessageType, requestId: RequestId, keys: readonly string[], values: readonly unknown[]): void {
    this.#enter();
    try {
      checkHeaderFields(type, requestId, 0);
      if (!this.#fast(type, requestId, keys, values)) this.#encode(type, requestId, planFields(keys, values, '', true), '', keys, values);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * One message with `value` as payload (undefined: empty payload). Same atomicity as fields().
   * @param path Root name in error messages; '' names top-level dict keys (`args[1].when`). @default 'payload'
   */
  message(type: MessageType, requestId: RequestId, value?: unknown, path = 'payload'): void {
    this.#enter();
    try {
      checkHeaderFields(type, requestId, 0);
      if (value === undefined) {
        const at = this.#reserve(HEADER_SIZE);
        writeHeader(this.#slab, at, type, requestId, 0);
        this.#pos = at + HEADER_SIZE;
        return;
      }
      if (!this.#fast(type, requestId, null, value)) this.#encode(type, requestId, planEncoding(value, path, true), path, null, value);
    } finally {
      this.#busy = false;
    }
  }

  /** `payload[start, end)` (raw TLV bytes) under a new header: copied when small, else referenced. */
  relay(type: MessageType, requestId: RequestId, payload: Buffer, start = 0, end = payload.length): void {
    if (this.#busy) this.#enter(); // throws
    const n = end - start;
    checkHeaderFields(type, requestId, n);
    const small = n <= RELAY_COPY_MAX;
    const at = this.#reserve(small ? HEADER_SIZE + n : HEADER_SIZE);
    const slab = this.#slab;
    writeHeader(slab, at, type, requestId, n);
    this.#pos = at + HEADER_SIZE;
    if (small) {
      payload.copy(slab, this.#pos, start, end);
      this.#pos += n;
    } else {
      this.#cut();
      this.#push(start === 0 && end === payload.length ? payload : payload.subarray(start, end));
    }
  }

  /** The payload made of `pieces` (raw TLV bytes, in order) under a new header: small pieces copied, large ones referenced. */
  relayPieces(type: MessageType, requestId: RequestId, pieces: readonly Buffer[]): void {
    if (this.#busy) this.#enter(); // throws
    let n = 0;
    for (const piece of pieces) n += piece.length;
    checkHeaderFields(type, requestId, n);
    const at = this.#reserve(HEADER_SIZE);
    writeHeader(this.#slab, at, type, requestId, n);
    this.#pos = at + HEADER_SIZE;
    this.#append(pieces);
  }

  /** Frames encoded elsewhere (a chunk list): small chunks are copied, large ones referenced. */
  chunks(chunks: readonly Buffer[]): void {
    if (this.#busy) this.#enter(); // throws
    this.#append(chunks);
  }

  /** Bytes after what is encoded: buffers up to RELAY_COPY_MAX copied into the slab, larger ones referenced. */
  #append(chunks: readonly Buffer[]): void {
    for (const c of chunks) {
      if (c.length <= RELAY_COPY_MAX) {
        const at = this.#reserve(c.length);
        c.copy(this.#slab, at);
        this.#pos = at + c.length;
      } else {
        this.#cut();
        this.#push(c);
      }
    }
  }

  /** Everything encoded so far, in order, as write-ready chunks; the batch is empty afterwards. */
  take(): Buffer[] {
    this.#cut();
    const out = this.#out;
    this.#out = [];
    this.#outBytes = 0;
    return out;
  }

  /** A getter or a Map iterator of a value being encoded must not encode into this batch meanwhile. */
  #enter(): void {
    if (this.#busy) throw new DirtyProtocolError('Cannot encode a frame while another one is being encoded (a getter that sends?)');
    this.#busy = true;
  }

  /**
   * The one-pass encoder (tlv-fast.ts) into the free end of the slab. False when the value needs
   * the two-pass encoder (no room, large bytes, an unusual or bad value, a throwing getter): nothing
   * of the frame then stays, and #encode redoes it (and names the error, if any).
   */
  #fast(type: MessageType, requestId: RequestId, keys: readonly string[] | null, values: unknown): boolean {
    const slab = this.#slab;
    const at = this.#pos;
    let end: number;
    try {
      end = keys === null ? fastValue(slab, at + HEADER_SIZE, values, 0) : fastFields(slab, at + HEADER_SIZE, keys, values as readonly unknown[]);
    } catch {
      end = NO_FIT;
    }
    const size = end - at - HEADER_SIZE;
    if (end === NO_FIT || size > MAX_PAYLOAD_BYTES) return false;
    writeHeader(slab, at, type, requestId, size);
    this.#pos = end;
    return true;
  }

  /** Writes the planned payload: `{keys[i]: values[i]}` when `keys` is set, else the value `values`. */
  #encode(type: MessageType, requestId: RequestId, plan: EncodePlan, path: string, keys: readonly string[] | null, values: unknown): void {
    const at = this.#reserve(HEADER_SIZE + plan.inline);
    const slab = this.#slab;
    const end = at + HEADER_SIZE + plan.inline;
    const split = plan.inline !== plan.size;
    const w = this.#writer;
    w.buf = slab;
    w.pos = at + HEADER_SIZE;
    w.chunks = split ? [] : null;
    w.start = at;
    w.referenced = 0;
    let failure: DirtyProtocolError | null = null;
    try {
      if (keys === null) writeValue(w, values);
      else writeFields(w, keys, values as readonly unknown[]);
    } catch (error) {
      failure = changedWhileEncoding(path, error);
    }
    if (failure === null && (w.pos !== end || w.referenced !== plan.size - plan.inline)) failure = changedWhileEncoding(path, undefined);
    if (failure !== null) {
      this.#pos = at; // nothing of this frame stays
      throw failure;
    }
    writeHeader(slab, at, type, requestId, plan.size);
    if (split) {
      // Byte values were referenced: the slab bytes before this frame, then its pieces in order.
      this.#cut(at);
      for (const c of w.chunks ?? []) this.#push(c);
      this.#start = w.start;
    }
    this.#pos = end;
  }

  /** Position of `n` free contiguous bytes (a new slab when the current one is short). */
  #reserve(n: number): number {
    if (this.#slab.length - this.#pos < n) {
      this.#cut();
      this.#slab = Buffer.allocUnsafe(Math.max(n, this.#slabBytes));
      this.#start = this.#pos = 0;
    }
    return this.#pos;
  }

  /** Moves the slab bytes written so far (up to `end`) to #out. */
  #cut(end = this.#pos): void {
    if (end === this.#start) return;
    this.#push(this.#slab.subarray(this.#start, end));
    this.#start = end;
  }

  #push(chunk: Buffer): void {
    this.#out.push(chunk);
    this.#outBytes += chunk.length;
  }
}
