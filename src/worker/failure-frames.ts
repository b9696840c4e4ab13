// The ERROR frames of failed calls in a worker: an app's error as it travels, a value the encoder
// refuses turned into the app's error, and a plain ERROR when even an error's details cannot be encoded.
import { toWire, DirtyAppError, DirtyProtocolError, type ErrorDetails, type WireError } from '../errors.js';
import { writeError } from '../protocol/messages.js';
import type { RequestId } from '../protocol/header.js';
import type { FrameSink } from './executor.js';

/** A result or chunk the TLV encoder refuses is the app's error, not a wire failure. */
export function unencodable(err: unknown): unknown {
  if (err instanceof DirtyProtocolError)
    return new DirtyAppError(`Cannot send the action's result: ${err.message}`, { ...err.details, error_type: 'UnencodableResult' });
  return err;
}

/** ERROR for `err`; if even its details cannot be encoded (an app's DirtyError with odd details), a plain one. */
export function writeFailure(out: FrameSink, id: RequestId, err: unknown, where: ErrorDetails): Promise<void> | undefined {
  try {
    return writeError(out, id, toWire(err, where));
  } catch {
    return writeError(out, id, plainWire(err));
  }
}

/** When even the error's details cannot be encoded (an app's DirtyError with odd details). */
function plainWire(err: unknown): WireError {
  return { error_type: 'DirtyAppError', message: err instanceof Error ? err.message : String(err), details: {} };
}
