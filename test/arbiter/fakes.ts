// Fakes for the arbiter's unit tests: a client connection as the router sees it (Peer), a pool
// worker record around a FakeWorker, and a reader of the error frames the router wrote.
import { decodeHeader } from '../../src/protocol/header.js';
import { HEADER_SIZE, MessageType } from '../../src/protocol/constants.js';
import type { Payload } from '../../src/protocol/frame-batch.js';
import { decodeValue } from '../../src/protocol/tlv-decode.js';
import { parseErrorPayload } from '../../src/protocol/messages.js';
import type { WireError } from '../../src/errors.js';
import type { PoolWorker } from '../../src/arbiter/pool-types.js';
import type { Call, Peer } from '../../src/arbiter/router-types.js';
import { FakeWorker } from './fake-worker.js';
import { IdTable } from '../../src/core/id-table.js';

export interface Relayed {
  readonly type: MessageType;
  readonly id: bigint;
  readonly payload: Buffer;
}

export class FakePeer implements Peer {
  readonly calls = new IdTable<Call>();
  readonly relayed: Relayed[] = [];
  /** Frames the router wrote itself (its errors), whole. */
  readonly written: Buffer[] = [];
  congested = false;
  readonly #drained: (() => void)[] = [];

  send(chunks: readonly Buffer[]): void {
    this.written.push(Buffer.concat(chunks));
  }

  relay(type: MessageType, requestId: bigint, payload: Payload, start?: number, end?: number): void {
    const bytes = Array.isArray(payload) ? Buffer.concat(payload as Buffer[]) : Buffer.from((payload as Buffer).subarray(start ?? 0, end));
    this.relayed.push({ type, id: requestId, payload: bytes });
  }

  onceDrained(fn: () => void): void {
    this.#drained.push(fn);
  }

  /** The socket drained: run what waited for it. */
  drain(): void {
    this.congested = false;
    for (const fn of this.#drained.splice(0)) fn();
  }

  /** The ERROR frames the router wrote, by client request id. */
  errors(): { id: bigint; error: WireError }[] {
    return this.written.map((frame) => {
      const h = decodeHeader(frame);
      if (h.type !== MessageType.ERROR) throw new Error(`expected an ERROR frame, got type ${h.type}`);
      return { id: h.requestId, error: parseErrorPayload(decodeValue(frame.subarray(HEADER_SIZE))) };
    });
  }
}

const NO_EVENTS = { onReady: () => undefined, onInitFailed: () => undefined, onBeat: () => undefined, onDead: () => undefined, onExit: () => undefined };

/** A ready pool worker around a FakeWorker (the router's view of a worker). */
export function readyWorker(id: number, apps: readonly string[]): { w: PoolWorker; fake: FakeWorker } {
  const fake = new FakeWorker(id, apps, NO_EVENTS);
  const w: PoolWorker = { id, process: fake, apps, state: 'ready', spawnedAt: 0, lastBeatAt: 0, served: 0, rss: 0 };
  return { w, fake };
}
