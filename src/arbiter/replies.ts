// What the arbiter answers to a scale or reload request (pm2 actions, MANAGE frames, the CLI).
import type { ScaleResult } from '../core/types.js';

export interface ScaleReply extends ScaleResult {
  readonly ok: boolean;
  readonly live: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly message: string;
}

/** The answer to a reload request (SIGHUP has none; `pm2 trigger reload` and MANAGE reload get this). */
export interface ReloadReply {
  readonly ok: boolean;
  readonly message: string;
  readonly changes: readonly string[];
}
