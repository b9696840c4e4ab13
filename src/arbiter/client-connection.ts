// One client connection as the arbiter's server and router see it (a Peer): its calls, one
// TickWriter for its answers, the unread-answer bound and the congestion signal streams wait on.
import type { Socket } from 'node:net';
import { Buffer } from 'node:buffer';
import type { MessageType } from '../protocol/constants.js';
import type { Payload } from '../protocol/frame-batch.js';
import type { RequestId } from '../protocol/header.js';
import { TickWriter } from '../net/tick-writer.js';
import { IdTable } from '../core/id-table.js';
import { randomInt } from 'node:crypto';
import type { Peer } from './router-types.js';
import type { Call } from './router-types.js';

/** Per-connection write buffer above which a client counts as congested. */
const HIGH_WATER_BYTES = 4 << 20;
/** Unread answers beyond this close the connection. */
const MAX_UNREAD_BYTES = 256 << 20;
export class ClientConnection implements Peer {
  readonly socket: Socket;
  /** By the client's ids, which the client chooses: salted (core/id-table.ts). */
  readonly calls = new IdTable<Call>(randomInt(0x7fffffff));
  failed = false;
  readonly #writer: TickWriter;
  readonly #drainWaiters: (() => void)[] = [];

  constructor(socket: Socket) {
    this.socket = socket;
    // Flushed once per turn of the event loop: the answers of every worker read in that turn in one write.
    this.#writer = new TickWriter(socket, { flushAt: 'turn' });
  }

  get congested(): boolean {
    return this.socket.writableLength > HIGH_WATER_BYTES;
  }

  send(chunks: readonly Buffer[]): void {
    this.#check(this.#writer.chunks(chunks));
  }

  relay(type: MessageType, requestId: RequestId, payload: Payload, start?: number, end?: number): void {
    this.#check(this.#writer.relay(type, requestId, payload, start, end));
  }

  /** Sends what is queued, then closes our side. */
  end(): void {
    this.#writer.flush();
    this.socket.end();
  }

  /** A client that never reads its answers must not grow the arbiter's memory without bound. */
  #check(buffered: number): void {
    if (buffered > MAX_UNREAD_BYTES) this.socket.destroy();
  }

  /** Runs `fn` once the socket is no longer congested (or closed); many streams share one listener. */
  onceDrained(fn: () => void): void {
    if (this.socket.destroyed || !this.congested) {
      fn();
      return;
    }
    this.#drainWaiters.push(fn);
    if (this.#drainWaiters.length > 1) return;
    const done = (): void => {
      if (!this.socket.destroyed && this.congested) return; // 'drain' below the high-water mark only
      this.socket.off('drain', done);
      this.socket.off('close', done);
      for (const waiter of this.#drainWaiters.splice(0)) waiter();
    };
    this.socket.on('drain', done);
    this.socket.on('close', done);
  }
}
