// Exit codes of the pm2-dirty CLI and the error that carries one to the top level.
import { DirtyConnectionError, isDirtyError } from '../errors.js';

/** 0 done, 1 refused or failed, 2 usage, 3 arbiter unreachable, 78 bad config (as the arbiter's own exit). */
export const Exit = { OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3, CONFIG: 78 } as const;
export type ExitCode = (typeof Exit)[keyof typeof Exit];

/** A failure with the exit code it maps to; its message goes to stderr. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(exitCode: ExitCode, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The exit code and stderr text for anything thrown by a command. */
export function describeFailure(err: unknown): { code: ExitCode; text: string } {
  if (err instanceof CliError) return { code: err.exitCode, text: err.message };
  if (err instanceof DirtyConnectionError) return { code: Exit.UNREACHABLE, text: `arbiter unreachable: ${err.message}` };
  if (isDirtyError(err)) {
    // The app's stack is for logs, not for a terminal line.
    const rest = Object.fromEntries(Object.entries(err.details).filter(([k]) => k !== 'traceback'));
    const details = Object.keys(rest).length > 0 ? `\n${JSON.stringify(rest, jsonReplacer)}` : '';
    return { code: Exit.FAILED, text: `${err.name} (${err.code}): ${err.message}${details}` };
  }
  return { code: Exit.FAILED, text: err instanceof Error ? err.message : String(err) };
}

/** JSON.stringify replacer for TLV values: bigints as strings, bytes as `{ "$bytes": base64 }`. */
export function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  const raw = (this as Record<string, unknown> | undefined)?.[key];
  if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
  if (raw instanceof Map) return Object.fromEntries(raw);
  return value;
}

export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, jsonReplacer, indent) ?? 'null';
}
