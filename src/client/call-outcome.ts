// Turning frames and give-ups into results and errors, shared by single-answer calls and streams.
import { DirtyAbortError, DirtyConnectionError, DirtyProtocolError, DirtyTimeoutError, fromWire, type DirtyError } from '../errors.js';
import { messageTypeName } from '../protocol/constants.js';
import { decodePayload, type Frame } from '../protocol/frame.js';
import { decodeChunk, decodeResponse, parseChunk, parseErrorPayload } from '../protocol/messages.js';
import type { CallState, Connection } from './connection.js';

/** RESPONSE payload `{result}`; an empty payload counts as a null result. */
export function readResult(buf: Buffer, start: number, end: number): unknown {
  return start === end ? null : (decodeResponse(buf, start, end) ?? null);
}

/** CHUNK payload `{data}`. */
export function readData(frame: Frame): unknown {
  return parseChunk(decodePayload(frame)) ?? null;
}

/** CHUNK payload `{data}` as `buf[start, end)` (an empty payload fails as in readData). */
export function readChunk(buf: Buffer, start: number, end: number): unknown {
  return (start === end ? parseChunk(null) : decodeChunk(buf, start, end)) ?? null;
}

/** ERROR payload `{error: {error_type, message, details}}`, rebuilt as the matching DirtyError subclass. */
export function readError(frame: Frame): DirtyError {
  return fromWire(parseErrorPayload(decodePayload(frame)));
}

export function unexpectedFrame(frame: Frame, label: string): DirtyProtocolError {
  return new DirtyProtocolError(`Unexpected ${messageTypeName(frame.type)} frame for ${label}`, { request_id: String(frame.requestId) });
}

/** The call's deadline passed; `state` says whether it was ever written to the arbiter. */
export function timeoutError(label: string, timeoutMs: number, state: CallState | undefined, connection: Connection): DirtyTimeoutError {
  if (state === 'sent')
    return new DirtyTimeoutError(`${label} timed out after ${timeoutMs} ms (the client's timeoutMs)`, { timeout_ms: timeoutMs, limit: 'timeoutMs' });
  const path = connection.socketPath ?? '';
  const last = connection.lastError;
  const reason = last === undefined ? '' : ` (${(last as NodeJS.ErrnoException).code ?? last.message})`;
  return new DirtyTimeoutError(
    `${label} timed out after ${timeoutMs} ms: it never reached the dirty arbiter at ${path}${reason}`,
    { timeout_ms: timeoutMs, socket_path: path },
    { cause: last },
  );
}

export function abortError(label: string, signal: AbortSignal): DirtyAbortError {
  return new DirtyAbortError(`${label} was aborted`, {}, { cause: signal.reason });
}

export function closedError(): DirtyConnectionError {
  return new DirtyConnectionError('client closed');
}
