// Types of the router: a client connection (Peer), a call's record, a worker's load, options.
import { MessageType } from '../protocol/constants.js';
import type { Payload } from '../protocol/frame-batch.js';
import type { RequestId } from '../protocol/header.js';
import type { RelayWindow } from '../core/stream-window.js';
import type { Deadline } from '../net/deadlines.js';
import type { PoolWorker } from './pool-types.js';
import type { SentCalls } from './sent-calls.js';
import type { IdTable } from '../core/id-table.js';

/** A client connection as the router sees it. */
export interface Peer {
  send(chunks: readonly Buffer[]): void;
  /** Sends `payload` (raw TLV bytes from a worker; `start`/`end` apply to one buffer) under the caller's request id. */
  relay(type: MessageType, requestId: RequestId, payload: Payload, start?: number, end?: number): void;
  /** True while the client is not reading fast enough. */
  readonly congested: boolean;
  /** This connection's calls by the client's request id (kept here by the router: no lookup per call). */
  readonly calls: IdTable<Call>;
  onceDrained(fn: () => void): void;
}

export interface Call {
  readonly wid: number;
  readonly peer: Peer;
  readonly clientId: RequestId;
  readonly app: string;
  /** The REQUEST payload: a view, or the pieces of one that arrived in several chunks. */
  readonly payload: Payload;
  readonly queuedAt: number;
  worker: PoolWorker | null;
  sentAt: number;
  /** Last sign of progress (sent, or a CHUNK relayed). */
  activeAt: number;
  /** A CHUNK was relayed: the call has started and cannot be run again elsewhere. */
  streamed?: boolean;
  // Flow control and limits (stream-flow.ts, call-deadlines.ts):
  /** The stream's credit accounting, from its first CHUNK or CREDIT. */
  window?: RelayWindow | undefined;
  /** Waiting for a congested client socket to drain before the worker gets more credit. */
  awaitingDrain?: boolean;
  /** timeoutMs, from dispatch. */
  deadline?: Deadline | undefined;
  /** streamStallTimeoutMs, while the window is full. */
  stall?: Deadline | undefined;
}

/** A new call, every field set from the start: one hidden class, no property store added when a deadline is set. */
export function newCall(wid: number, peer: Peer, clientId: RequestId, app: string, payload: Payload, now: number): Call {
  return {
    wid,
    peer,
    clientId,
    app,
    payload,
    queuedAt: now,
    worker: null,
    sentAt: 0,
    activeAt: 0,
    streamed: false,
    window: undefined,
    awaitingDrain: false,
    deadline: undefined,
    stall: undefined,
  };
}

/** Arrival order of calls. */
export const byWid = (a: Call, b: Call): number => a.wid - b.wid;

export interface WorkerLoad {
  /** Calls sent to the worker and not finished there (abandoned ones included), oldest first. */
  readonly sent: SentCalls;
  ewmaMs: number | null;
  lastDoneAt: number;
}

export const isFinal = (type: number): boolean => type === MessageType.RESPONSE || type === MessageType.ERROR || type === MessageType.END;

export interface RouterOptions {
  readonly concurrency: number;
  readonly maxQueue: number;
  readonly timeoutMs: number;
  /** A stream whose window stays full this long is cancelled (0: never). */
  readonly streamStallTimeoutMs: number;
  readonly knownApps: ReadonlySet<string>;
  /** True while some worker holds or will hold the app (starting, or waiting for a respawn). */
  readonly expectsHolder: (app: string) => boolean;
  readonly now: () => number;
}
