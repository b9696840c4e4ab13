// Payload shapes as gunicorn sends them (docs/protocol.md §Payloads): builders that return write-ready
// chunks, and validating parsers for the call payloads (STASH is validated by stash/ops.ts, MANAGE by Arbiter.manage).
import type { Buffer } from 'node:buffer';
import { DirtyProtocolError, type ErrorDetails, type WireError } from '../errors.js';
import { ManageOp, MessageType, type StashOp } from './constants.js';
import { FrameBatch, type FrameOut } from './frame-batch.js';
import type { RequestId } from './header.js';
import { isPlainObject } from './tlv-kinds.js';
import { describePrimitive } from './tlv-path.js';
import { decodeDictFields, decodeValue } from './tlv-decode.js';

/** A decoded REQUEST payload. */
export interface RequestPayload {
  readonly appPath: string;
  readonly action: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
}

/** Optional parts of a STASH message; like gunicorn, null and undefined are left out. */
export interface StashFields {
  readonly key?: unknown;
  readonly value?: unknown;
  readonly pattern?: string | null;
}

// Keys of the per-call messages: the same bytes as the dicts `{app_path, action, args, kwargs}` etc.
const REQUEST_KEYS = ['app_path', 'action', 'args', 'kwargs'] as const;
const RESPONSE_KEYS = ['result'] as const;
const responseFields: unknown[] = [undefined];
const chunkFields: unknown[] = [undefined];
const CHUNK_KEYS = ['data'] as const;
const CREDIT_KEYS = ['credit'] as const;
/** The kwargs of a call that has none (encoded as `{}`; never handed to code that could change it). */
const NO_KWARGS: Record<string, unknown> = Object.freeze({});

// Each message has a writer (`writeX(out, ...)`: into a connection's batch, the hot path) and an
// encoder (`encodeX(...)`: a fresh chunk list, for one-off frames and tests). Same bytes, same errors.

/** REQUEST `{app_path, action, args, kwargs}`; errors name `args[i]…` / `kwargs.x…`. */
export function writeRequest<R>(
  out: FrameOut<R>,
  id: RequestId,
  appPath: string,
  action: string,
  args: readonly unknown[],
  kwargs?: Record<string, unknown>,
): R {
  return out.fields(MessageType.REQUEST, id, REQUEST_KEYS, [appPath, action, args, kwargs ?? NO_KWARGS]);
}

/** RESPONSE `{result}`. */
export function writeResponse<R>(out: FrameOut<R>, id: RequestId, result: unknown): R {
  return out.fields(MessageType.RESPONSE, id, RESPONSE_KEYS, [result]);
}

/** CHUNK `{data}` (one item of a stream). */
export function writeChunk<R>(out: FrameOut<R>, id: RequestId, data: unknown): R {
  return out.fields(MessageType.CHUNK, id, CHUNK_KEYS, [data]);
}

/** END: empty payload, closes a stream. */
export function writeEnd<R>(out: FrameOut<R>, id: RequestId): R {
  return out.message(MessageType.END, id);
}

/** ERROR `{error: {error_type, message, details}}`. */
export function writeError<R>(out: FrameOut<R>, id: RequestId, wire: WireError): R {
  const error = { error_type: wire.error_type, message: wire.message, details: wire.details };
  return out.message(MessageType.ERROR, id, { error }, '');
}

/**
 * CANCEL (our extension, 0x20): "abandon the call with this request id". Empty payload, or
 * `{reason: "timeout"}` when the caller's own deadline passed (the arbiter counts it as a timeout).
 */
export function writeCancel<R>(out: FrameOut<R>, id: RequestId, timedOut = false): R {
  return timedOut ? out.message(MessageType.CANCEL, id, TIMEOUT_REASON, '') : out.message(MessageType.CANCEL, id);
}
const TIMEOUT_REASON = Object.freeze({ reason: 'timeout' });

/**
 * CREDIT (our extension, 0x21) `{credit}`: the reader of stream `id` takes `credit` more CHUNK frames.
 * The first one for an id opts that stream into per-stream flow control (docs/protocol.md).
 */
export function writeCredit<R>(out: FrameOut<R>, id: RequestId, credit: number): R {
  return out.fields(MessageType.CREDIT, id, CREDIT_KEYS, [credit]);
}

/** MANAGE `{op, count}`. */
export function writeManage<R>(out: FrameOut<R>, id: RequestId, op: ManageOp, count: number): R {
  return out.message(MessageType.MANAGE, id, { op, count }, '');
}

/** STATUS: empty payload. */
export function writeStatus<R>(out: FrameOut<R>, id: RequestId): R {
  return out.message(MessageType.STATUS, id);
}

/** STASH `{op, table, key?, value?, pattern?}`. */
export function writeStash<R>(out: FrameOut<R>, id: bigint, op: StashOp, table: string, fields: StashFields = {}): R {
  const payload: Record<string, unknown> = { op, table };
  if (fields.key !== undefined && fields.key !== null) payload['key'] = fields.key;
  if (fields.value !== undefined && fields.value !== null) payload['value'] = fields.value;
  if (fields.pattern !== undefined && fields.pattern !== null) payload['pattern'] = fields.pattern;
  return out.message(MessageType.STASH, id, payload, '');
}

/**
 * Slab of the batch that one-off frames are encoded into. Their chunks are views of it: a FrameBatch
 * never writes again into bytes it handed out, and a frame larger than this gets a buffer of its own.
 */
const ONE_OFF_SLAB = 16 * 1024;
/** The shared one-off batch while no encodeWith is running (null inside one: a getter that encodes gets its own batch). */
let spare: FrameBatch | null = new FrameBatch(ONE_OFF_SLAB);

/**
 * The frames `write` produces, as a fresh chunk list (views of a shared slab: the one-pass encoder,
 * no batch, plan or buffer allocated per frame; the arbiter answers every STASH and STATUS this way).
 */
export function encodeWith(write: (out: FrameOut<void>) => void): Buffer[] {
  const shared = spare;
  spare = null;
  const batch = shared ?? new FrameBatch();
  try {
    write(batch);
    return batch.take();
  } catch (error) {
    batch.take(); // frames written before the throw are not sent with the next caller's
    throw error;
  } finally {
    if (shared !== null) spare = shared;
  }
}

export const encodeRequest = (id: bigint, appPath: string, action: string, args: readonly unknown[], kwargs?: Record<string, unknown>): Buffer[] =>
  encodeWith((out) => writeRequest(out, id, appPath, action, args, kwargs));

export const encodeResponse = (id: bigint, result: unknown): Buffer[] => encodeWith((out) => writeResponse(out, id, result));

export const encodeChunk = (id: bigint, data: unknown): Buffer[] => encodeWith((out) => writeChunk(out, id, data));

export const encodeEnd = (id: bigint): Buffer[] => encodeWith((out) => writeEnd(out, id));

export const encodeError = (id: RequestId, wire: WireError): Buffer[] => encodeWith((out) => writeError(out, id, wire));

export const encodeCancel = (id: bigint): Buffer[] => encodeWith((out) => writeCancel(out, id));

export const encodeCredit = (id: bigint, credit: number): Buffer[] => encodeWith((out) => writeCredit(out, id, credit));

export const encodeManage = (id: bigint, op: ManageOp, count: number): Buffer[] => encodeWith((out) => writeManage(out, id, op, count));

export const encodeStatus = (id: bigint): Buffer[] => encodeWith((out) => writeStatus(out, id));

export const encodeStash = (id: bigint, op: StashOp, table: string, fields: StashFields = {}): Buffer[] =>
  encodeWith((out) => writeStash(out, id, op, table, fields));

/** Validates a decoded REQUEST payload; a missing `kwargs` becomes `{}`. */
export function parseRequest(value: unknown): RequestPayload {
  const p = dict('REQUEST', value);
  const get = (key: string): unknown => (Object.hasOwn(p, key) ? p[key] : undefined);
  return requestOf(get('app_path'), get('action'), get('args'), get('kwargs'));
}

/** parseRequest(decodeValue(payload)), without building the payload dict: same results, same errors. */
export function decodeRequest(payload: Buffer, start = 0, end = payload.length): RequestPayload {
  const v = decodeDictFields(payload, REQUEST_KEYS, start, end);
  if (v === null) return parseRequest(decodeValue(payload.subarray(start, end)));
  return requestOf(v[0], v[1], v[2], v[3]);
}

function requestOf(appPath: unknown, action: unknown, args: unknown, kwargs: unknown): RequestPayload {
  return {
    appPath: check('REQUEST', 'app_path', appPath, 'a string', isString),
    action: check('REQUEST', 'action', action, 'a string', isString),
    args: check('REQUEST', 'args', args, 'a list', Array.isArray) as unknown[],
    kwargs: kwargs === undefined ? {} : check('REQUEST', 'kwargs', kwargs, 'a dict', isDict),
  };
}

/** RESPONSE payload -> `result`. */
export function parseResponse(value: unknown): unknown {
  return dict('RESPONSE', value)['result'];
}

/** parseResponse(decodeValue(payload)) without building the payload dict (`result` undefined when absent). */
export function decodeResponse(payload: Buffer, start = 0, end = payload.length): unknown {
  return decodeOneField(payload, start, end, RESPONSE_KEYS, responseFields, parseResponse);
}

/** The one field of a payload dict read without building it; anything decodeDictFields declines goes the slow way, `parse(decodeValue(...))`. */
function decodeOneField(payload: Buffer, start: number, end: number, keys: readonly [string], fields: unknown[], parse: (value: unknown) => unknown): unknown {
  // A reused result array: decoding runs no user code, so no other decode can start meanwhile.
  const v = decodeDictFields(payload, keys, start, end, fields);
  if (v === null) return parse(decodeValue(payload.subarray(start, end)));
  const value = v[0];
  v[0] = undefined;
  return value;
}

/** Largest grant one CREDIT may carry (uint32): a window is counted in frames, never near this. */
export const MAX_CREDIT = 0xffff_ffff;

/** Validates a decoded CREDIT payload and returns its `credit`: an integer from 1 to MAX_CREDIT. */
export function parseCredit(value: unknown): number {
  return field('CREDIT', dict('CREDIT', value), 'credit', `an integer from 1 to ${MAX_CREDIT}`, isCredit);
}

/** The `credit` of the CREDIT payload `buf[start, end)`. */
export function decodeCredit(buf: Buffer, start = 0, end = buf.length): number {
  // A CREDIT payload is one small dict: a hostile frame with a huge one fails before it is built.
  return parseCredit(start === end ? null : decodeValue(buf.subarray(start, end), { maxEntries: 16, maxStrBytes: 1024 }));
}

function isCredit(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= MAX_CREDIT;
}

/** CHUNK payload -> `data`. */
export function parseChunk(value: unknown): unknown {
  return dict('CHUNK', value)['data'];
}

/** The `data` of the CHUNK payload `buf[start, end)`, read field by field as decodeResponse reads `result` (same errors as parseChunk(decodeValue(...))). */
export function decodeChunk(payload: Buffer, start = 0, end = payload.length): unknown {
  return decodeOneField(payload, start, end, CHUNK_KEYS, chunkFields, parseChunk);
}

/** Validates a decoded ERROR payload and returns its `error` (missing or null `details` become `{}`). */
export function parseErrorPayload(value: unknown): WireError {
  const error = field('ERROR', dict('ERROR', value), 'error', 'a dict', isDict);
  const errorType = field('ERROR', error, 'error_type', 'a string', isString);
  const message = field('ERROR', error, 'message', 'a string', isString);
  const raw = error['details'];
  const details: ErrorDetails = raw === undefined || raw === null ? {} : field('ERROR', error, 'details', 'a dict', isDict);
  return { error_type: errorType, message, details };
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && isPlainObject(v);
}

function dict(kind: string, value: unknown): Record<string, unknown> {
  if (!isDict(value)) throw new DirtyProtocolError(`Invalid ${kind} payload: expected a dict, got ${describe(value)}`);
  return value;
}

function field<T>(kind: string, p: Record<string, unknown>, key: string, expected: string, ok: (v: unknown) => v is T): T {
  return check(kind, key, Object.hasOwn(p, key) ? p[key] : undefined, expected, ok);
}

function check<T>(kind: string, key: string, v: unknown, expected: string, ok: (v: unknown) => v is T): T {
  if (!ok(v)) throw new DirtyProtocolError(`Invalid ${kind} payload: expected \`${key}\` to be ${expected}, got ${describe(v)}`, { field: key });
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`;
  return typeof v === 'object' ? 'a dict' : describePrimitive(v);
}
