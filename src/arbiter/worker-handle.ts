// The port between the pool and its worker processes: what the pool and the router use of a
// worker (its frame channel, its pid, retire and kill), and the events it reports. WorkerProcess
// (worker-process.ts) is the real one; test/arbiter/fake-worker.ts is an in-memory one.
import type { MessageType } from '../protocol/constants.js';
import type { FrameOut, Payload } from '../protocol/frame-batch.js';
import type { RequestId } from '../protocol/header.js';
import type { AppLoadSpec } from '../worker/app-host.js';
import type { ToArbiter } from '../worker/messages.js';

/** A frame from the worker; a payload that arrived in several chunks comes as its pieces (not copied). */
export type WorkerFrameListener = (type: MessageType, requestId: RequestId, payload: Payload, start: number, end: number) => void;

/** Lifecycle events of one worker process, reported once each (a beat many times). */
export interface WorkerEvents {
  onReady(pid: number): void;
  onInitFailed(message: string): void;
  onBeat(msg: Extract<ToArbiter, { t: 'hb' }>): void;
  /** The process is gone (its last answers may still be in the channel). */
  onDead(): void;
  /** After `onDead`, once the channel has delivered what the worker wrote before dying. */
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}

/** Frames to a worker: messages (CANCEL, CREDIT) and relayed REQUEST payloads. */
export interface WorkerChannel extends FrameOut {
  relay(type: MessageType, requestId: RequestId, payload: Payload, start?: number, end?: number): unknown;
}

export interface WorkerHandle {
  readonly id: number;
  readonly apps: readonly string[];
  readonly pid: number | undefined;
  /** The process is gone (no frame may be written any more). */
  readonly exited: boolean;
  /** Frames to the worker: REQUEST, CANCEL, CREDIT. */
  readonly channel: WorkerChannel;
  /** Sets the one listener of the worker's frames (the router). */
  onFrame(fn: WorkerFrameListener): void;
  /** Runs `fn` once the process has exited (at once if it already has). */
  whenExited(fn: () => void): void;
  /** Asks the worker to finish its calls, close its apps and exit. */
  retire(): void;
  kill(signal: NodeJS.Signals): void;
}

export interface WorkerSpawnOptions {
  readonly concurrency: number;
  readonly heartbeatIntervalMs: number;
  readonly socketPath: string;
  readonly configPath: string | null;
  readonly hookTimeoutMs: number;
}

/** Starts one worker process holding `specs`; the pool gets the real one unless a test injects a fake. */
export type SpawnWorker = (id: number, specs: readonly AppLoadSpec[], opts: WorkerSpawnOptions, events: WorkerEvents) => WorkerHandle;
