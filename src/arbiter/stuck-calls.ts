// Calls that ignore their cancellation: every abandoned call (client timeout, abort, disconnect,
// the arbiter's timeoutMs, a stream cancelled for any reason) is held by the router until its
// worker's final frame. Here, on the arbiter's sweep, core/escalation picks the workers that let
// `cancelGraceMs` pass without that frame, and the pool recycles them.
import { Buffer } from 'node:buffer';
import { findStuck, stuckReason } from '../core/escalation.js';
import type { Stall } from '../core/hang.js';
import type { Payload } from '../protocol/frame-batch.js';
import { decodeDictFields } from '../protocol/tlv-decode.js';
import type { PoolWorker } from './pool-types.js';

export interface AbandonedCall {
  readonly worker: PoolWorker;
  /** Monotonic time the call was abandoned (its CANCEL sent to the worker). */
  readonly at: number;
  readonly app: string;
  /** The REQUEST payload, read again only to name the action when the worker is recycled. */
  readonly payload: Payload;
}

/** Past this size the action is not decoded for a log line (the payload holds large arguments). */
const MAX_DECODE_BYTES = 1 << 20;

/** The `action` of a REQUEST payload, or '?' when it is too big to read for a log line or not a string. */
export function actionOf(payload: Payload): string {
  const buf = Buffer.isBuffer(payload) ? payload : payload.reduce((n, b) => n + b.length, 0) <= MAX_DECODE_BYTES ? Buffer.concat(payload) : null;
  if (!buf || buf.length > MAX_DECODE_BYTES) return '?';
  try {
    const action = decodeDictFields(buf, ['action'])?.[0];
    return typeof action === 'string' ? action : '?';
  } catch {
    return '?';
  }
}

/** Abandoned calls on each worker (for status). */
export function abandonedByWorker(abandoned: ReadonlyMap<number, AbandonedCall>): Map<PoolWorker, number> {
  const n = new Map<PoolWorker, number>();
  for (const a of abandoned.values()) n.set(a.worker, (n.get(a.worker) ?? 0) + 1);
  return n;
}

/** Recycles (through `recycle`) every worker that ignored a cancellation for longer than `graceMs`. */
export function recycleStuck(
  abandoned: ReadonlyMap<number, AbandonedCall>,
  now: number,
  graceMs: number,
  stalls: readonly Stall[],
  recycle: (w: PoolWorker, reason: string) => void,
): void {
  if (abandoned.size === 0) return;
  const views = [...abandoned].map(([wid, a]) => ({ wid, workerId: a.worker.id, abandonedAt: a.at }));
  for (const d of findStuck(views, now, graceMs, stalls)) {
    const a = abandoned.get(d.wid);
    if (a) recycle(a.worker, stuckReason(a.app, actionOf(a.payload), d.ignoredMs));
  }
}
