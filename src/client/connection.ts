// One Unix-socket connection per client, multiplexing every call by request id (docs/protocol.md):
// lazy connect, reconnect with capped backoff, at-most-once failure of sent calls. It never stops
// reading: streams are flow-controlled one by one (CREDIT), so one slow consumer holds up no one else.
import { createConnection, type Socket } from 'node:net';
import { directReads, type ReadSink } from '../net/direct-reads.js';
import { DirtyConnectionError, DirtyProtocolError, isDirtyError, type DirtyError } from '../errors.js';
import { FrameDecoder, type FrameHandler } from '../protocol/frame-decoder.js';
import type { FrameOut } from '../protocol/frame-batch.js';
import type { RequestId } from '../protocol/header.js';
import { encodeWith, writeCancel, writeCredit } from '../protocol/messages.js';
import { TickWriter } from '../net/tick-writer.js';
import { MessageType, messageTypeName } from '../protocol/constants.js';
import { closedError } from './call-outcome.js';
import { Deadlines } from '../net/deadlines.js';
import { IdTable } from '../core/id-table.js';
import { unaryCall, type RequestOptions } from './unary-call.js';

import type { CallSink, CallState, Encoder, Written } from './call-sink.js';
export type { CallSink, CallState, Encoder, Written };

export interface ConnectionOptions {
  /** Called once, at the first connect. */
  readonly socketPath: () => string;
  readonly defaultTimeoutMs: number;
  readonly maxReconnectDelayMs: number;
  /** Chunks a stream may receive ahead of its consumer (its CREDIT window). */
  readonly streamWindow?: number;
  /** Opens the socket (net.createConnection; the unit tests pass a fake one). */
  readonly connect?: (path: string) => Socket;
}

const FIRST_RETRY_DELAY_MS = 20;

/** The client needs every payload as one buffer: one that spans reads is assembled as it arrives. */
const EVERY_TYPE: ReadonlySet<MessageType> = new Set(Object.values(MessageType));

const NO_FRAMES: readonly Buffer[] = Object.freeze([]);

/**
 * The single socket of a DirtyClient. Calls enter a table keyed by request id; frames are routed
 * by id only, and frames for ids not in the table (late answers) are dropped.
 */
export class Connection {
  readonly #options: ConnectionOptions;
  /** By request id: numbers (a client never gets near 2^53 calls), so no BigInt per call or per answer. */
  readonly #slots = new IdTable<CallSink>();
  /** The deadlines of this connection's single-answer calls, on one timer. */
  readonly deadlines = new Deadlines();
  #socketPath: string | undefined;
  #socket: Socket | undefined;
  #decoder = FrameDecoder.numeric();
  #connected = false;
  #closed = false;
  #nextId = 1;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelayMs = FIRST_RETRY_DELAY_MS;
  #lastError: Error | undefined;
  /** The socket's writer: frames encoded in one tick leave in one write. */
  #writer: TickWriter | undefined;
  /** The socket whose ref state `#refed` is (a new socket starts unknown). */
  #refFor: Socket | undefined;
  #refed = false;

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get defaultTimeoutMs(): number {
    return this.#options.defaultTimeoutMs;
  }

  get streamWindow(): number | undefined {
    return this.#options.streamWindow;
  }

  /** The socket path once resolved (at the first connect), else undefined. */
  get socketPath(): string | undefined {
    return this.#socketPath;
  }

  /** Why the socket is not connected, for "never reached the arbiter" messages. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** A fresh request id; ids are never reused by one client, so never within one connection. */
  nextId(): RequestId {
    const id = this.#nextId;
    this.#nextId = id + 1;
    return id;
  }

  /** The seam for STASH and other single-answer frames: sends one frame, resolves with RESPONSE `result`. */
  request(type: MessageType, value: unknown, options: RequestOptions = {}): Promise<unknown> {
    return unaryCall(this, `${messageTypeName(type)} request`, (id, out) => out.message(type, id, value, ''), options);
  }

  /** request() of the dict keys[i] -> values[i], encoded without building the object (the stash's per-call path). */
  requestFields(type: MessageType, label: string, keys: readonly string[], values: readonly unknown[], options: RequestOptions = {}): Promise<unknown> {
    return unaryCall(this, label, (id, out) => out.fields(type, id, keys, values), options);
  }

  /**
   * Encodes a call's frames: straight into this tick's write when connected (returns null: they are
   * sent), else into chunks that open() keeps until the socket connects. A value that cannot be
   * encoded throws, and nothing of it is sent. Call open() next, in the same tick.
   */
  encode(write: Encoder, id: RequestId): readonly Buffer[] | null {
    const writer = this.#writer;
    if (this.#connected && writer !== undefined) {
      write(id, writer as unknown as FrameOut<Written>); // only the type of the ignored return value differs
      return null;
    }
    return encodeWith((out) => write(id, out as unknown as FrameOut<Written>));
  }

  /** Adds a call to the table with what encode() returned; queued frames are written when the socket connects. */
  open(id: RequestId, frames: readonly Buffer[] | null, sink: CallSink): void {
    if (this.#closed) {
      sink.onFail(closedError());
      return;
    }
    sink.frames = frames ?? NO_FRAMES;
    sink.state = frames === null ? 'sent' : 'queued';
    this.#slots.set(id, sink);
    if (frames !== null) {
      if (this.#connected) this.#send(sink);
      else this.#connect();
    }
    this.#updateRef();
  }

  /** The call got its last frame: forget the id (later frames for it are dropped). */
  finish(id: RequestId): void {
    this.#slots.delete(id);
    this.#updateRef();
  }

  /** The caller gave up (timeout, abort, early break): forget the id and CANCEL it if it was sent (saying so if it timed out). */
  abandon(id: RequestId, timedOut = false): CallState | undefined {
    const slot = this.#slots.get(id);
    if (slot === undefined) return undefined;
    this.#slots.delete(id);
    if (slot.state === 'sent' && this.#connected && this.#writer !== undefined) writeCancel(this.#writer, id, timedOut);
    this.#updateRef();
    return slot.state;
  }

  /** The consumer of stream `id` made room for `n` more chunks (CREDIT), if the call is out. */
  credit(id: RequestId, n: number): void {
    if (this.#slots.get(id)?.state === 'sent' && this.#connected && this.#writer !== undefined) writeCredit(this.#writer, id, n);
  }

  /** Fails every call with DirtyConnectionError('client closed') and destroys the socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#failSlots(closedError(), () => true);
    const socket = this.#socket;
    this.#socket = undefined;
    this.#connected = false;
    if (socket === undefined || socket.closed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => {
        resolve();
      });
      socket.destroy();
    });
  }

  #connect(): void {
    if (this.#socket !== undefined || this.#retryTimer !== undefined || this.#closed) return;
    const path = (this.#socketPath ??= this.#options.socketPath());
    const decoder = FrameDecoder.numeric({ assemble: EVERY_TYPE });
    // A payload that spans reads is read straight into its buffer, other reads go into the socket's slab (net/direct-reads.ts).
    const reads: ReadSink = { into: () => decoder.into(), wrote: (n) => this.#onData(socket, null, n), chunk: (c) => this.#onData(socket, c, 0) };
    const socket: Socket = this.#options.connect?.(path) ?? createConnection({ path, onread: directReads(() => reads) });
    this.#socket = socket;
    this.#decoder = decoder;
    this.#writer = new TickWriter(socket);
    socket.on('connect', () => {
      this.#onConnect(socket);
    });
    socket.on('data', reads.chunk); // a socket made without onread (a test's fake one)
    // The arbiter closed its side: it will answer nothing more, so stop sending at once.
    socket.on('end', () => {
      socket.destroy();
      this.#detach(socket);
    });
    socket.on('error', (error) => {
      this.#lastError = error;
    });
    socket.on('close', () => {
      this.#detach(socket);
    });
  }

  #onConnect(socket: Socket): void {
    if (socket !== this.#socket) return;
    this.#connected = true;
    this.#retryDelayMs = FIRST_RETRY_DELAY_MS;
    this.#lastError = undefined;
    for (const [, slot] of this.#slots.entries().sort(byId)) {
      if (slot.state === 'queued') this.#send(slot);
    }
    this.#updateRef();
  }

  readonly #onFrame: FrameHandler<RequestId> = (type, requestId, buf, start, end) => {
    const sink = this.#slots.get(requestId);
    // Late answers (after timeout, abort or cancel) have no slot: drop them, never reassign.
    if (sink?.state !== 'sent') return;
    if (type === MessageType.RESPONSE && sink.onResponse !== undefined) sink.onResponse(buf, start, end);
    else if (type === MessageType.CHUNK && sink.onChunk !== undefined) sink.onChunk(buf, start, end);
    else sink.onFrame({ type, requestId, payload: buf.subarray(start, end) });
  };

  /** A chunk read, or (chunk null) `direct` bytes read straight into the payload being assembled. */
  #onData(socket: Socket, chunk: Buffer | null, direct: number): void {
    if (socket !== this.#socket) return;
    try {
      if (chunk === null) this.#decoder.wrote(direct, this.#onFrame);
      else this.#decoder.read(chunk, this.#onFrame);
    } catch (error) {
      const protocolError = isDirtyError(error) ? error : new DirtyProtocolError('Could not handle a frame from the dirty arbiter', {}, { cause: error });
      this.#lastError = protocolError;
      socket.destroy();
      this.#detach(socket, protocolError);
    }
  }

  /** The socket is gone: sent calls fail at once (at-most-once), queued calls wait for a reconnect. */
  #detach(socket: Socket, failure?: DirtyError): void {
    if (socket !== this.#socket) return;
    const wasConnected = this.#connected;
    this.#socket = undefined;
    this.#connected = false;
    if (wasConnected) {
      const path = this.#socketPath ?? '';
      const error =
        failure ?? new DirtyConnectionError(`Connection to the dirty arbiter at ${path} was lost`, { socket_path: path }, { cause: this.#lastError });
      this.#failSlots(error, (slot) => slot.state === 'sent');
    }
    if (this.#slots.size > 0 && !this.#closed) this.#scheduleRetry(wasConnected);
  }

  #scheduleRetry(immediately: boolean): void {
    if (immediately) {
      this.#connect();
      return;
    }
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(delay * 2, this.#options.maxReconnectDelayMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#slots.size > 0) this.#connect();
      else this.#retryDelayMs = FIRST_RETRY_DELAY_MS; // nobody waits: the next call starts afresh
    }, delay);
    this.#retryTimer.unref();
  }

  #failSlots(error: DirtyError, which: (slot: CallSink) => boolean): void {
    for (const [id, slot] of this.#slots.entries().sort(byId)) {
      if (!which(slot)) continue;
      this.#slots.delete(id);
      slot.onFail(error);
    }
    this.#updateRef();
  }

  #send(slot: CallSink): void {
    slot.state = 'sent';
    this.#writer?.chunks(slot.frames);
    slot.frames = NO_FRAMES;
  }

  /** An idle client must not keep the process alive. (Only changes reach the socket: each is a native call.) */
  #updateRef(): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    const busy = this.#slots.size > 0;
    if (this.#refFor === socket && this.#refed === busy) return;
    this.#refFor = socket;
    this.#refed = busy;
    if (busy) socket.ref();
    else socket.unref();
  }
}

/** Request id order: the order the calls were made in. */
const byId = (a: readonly [RequestId, unknown], b: readonly [RequestId, unknown]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
