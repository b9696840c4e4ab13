// Payload shapes as gunicorn sends them (docs/protocol.md §Payloads): builders that return write-ready
// chunks, and validating parsers for the payloads we act on.
import type { Buffer } from 'node:buffer';
import { DirtyProtocolError, type ErrorDetails, type WireError } from '../errors.js';
import { ManageOp, MessageType, type StashOp } from './constants.js';
import { FrameBatch, type FrameOut } from './frame-batch.js';
import { describePrimitive } from './tlv-path.js';
import { decodeDictFields, decodeValue } from './tlv-decode.js';

/** A decoded REQUEST payload. */
export interface RequestPayload {
  readonly appPath: string;
  readonly action: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
}

/** A decoded MANAGE payload. */
export interface ManagePayload {
  readonly op: ManageOp;
  readonly count: number;
}

/** A decoded STASH payload; absent keys stay absent. `op` is not checked against StashOp here. */
export interface StashPayload {
  readonly op: number;
  readonly table: string;
  readonly key?: unknown;
  readonly value?: unknown;
  readonly pattern?: string;
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
const CHUNK_KEYS = ['data'] as const;
/** The kwargs of a call that has none (encoded as `{}`; never handed to code that could change it). */
const NO_KWARGS: Record<string, unknown> = Object.freeze({});

// Each message has a writer (`writeX(out, ...)`: into a connection's batch, the hot path) and an
// encoder (`encodeX(...)`: a fresh chunk list, for one-off frames and tests). Same bytes, same errors.

/** REQUEST `{app_path, action, args, kwargs}`; errors name `args[i]…` / `kwargs.x…`. */
export function writeRequest<R>(out: FrameOut<R>, id: bigint, appPath: string, action: string, args: readonly unknown[], kwargs?: Record<string, unknown>): R {
  return out.fields(MessageType.REQUEST, id, REQUEST_KEYS, [appPath, action, args, kwargs ?? NO_KWARGS]);
}

/** RESPONSE `{result}`. */
export function writeResponse<R>(out: FrameOut<R>, id: bigint, result: unknown): R {
  return out.fields(MessageType.RESPONSE, id, RESPONSE_KEYS, [result]);
}

/** CHUNK `{data}` (one item of a stream). */
export function writeChunk<R>(out: FrameOut<R>, id: bigint, data: unknown): R {
  return out.fields(MessageType.CHUNK, id, CHUNK_KEYS, [data]);
}

/** END: empty payload, closes a stream. */
export function writeEnd<R>(out: FrameOut<R>, id: bigint): R {
  return out.message(MessageType.END, id);
}

/** ERROR `{error: {error_type, message, details}}`. */
export function writeError<R>(out: FrameOut<R>, id: bigint, wire: WireError): R {
  const error = { error_type: wire.error_type, message: wire.message, details: wire.details };
  return out.message(MessageType.ERROR, id, { error }, '');
}

/**
 * CANCEL (our extension, 0x20): "abandon the call with this request id". Empty payload, or
 * `{reason: "timeout"}` when the caller's own deadline passed (the arbiter counts it as a timeout).
 */
export function writeCancel<R>(out: FrameOut<R>, id: bigint, timedOut = false): R {
  return timedOut ? out.message(MessageType.CANCEL, id, TIMEOUT_REASON, '') : out.message(MessageType.CANCEL, id);
}
const TIMEOUT_REASON = Object.freeze({ reason: 'timeout' });

/** MANAGE `{op, count}`. */
export function writeManage<R>(out: FrameOut<R>, id: bigint, op: ManageOp, count: number): R {
  return out.message(MessageType.MANAGE, id, { op, count }, '');
}

/** STATUS: empty payload. */
export function writeStatus<R>(out: FrameOut<R>, id: bigint): R {
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

/** The frames `write` produces, as a fresh chunk list. */
export function encodeWith(write: (out: FrameOut<void>) => void): Buffer[] {
  const batch = new FrameBatch();
  write(batch);
  return batch.take();
}

export const encodeRequest = (id: bigint, appPath: string, action: string, args: readonly unknown[], kwargs?: Record<string, unknown>): Buffer[] => encodeWith((out) => writeRequest(out, id, appPath, action, args, kwargs));

export const encodeResponse = (id: bigint, result: unknown): Buffer[] => encodeWith((out) => writeResponse(out, id, result));

export const encodeChunk = (id: bigint, data: unknown): Buffer[] => encodeWith((out) => writeChunk(out, id, data));

export const encodeEnd = (id: bigint): Buffer[] => encodeWith((out) => writeEnd(out, id));

export const encodeError = (id: bigint, wire: WireError): Buffer[] => encodeWith((out) => writeError(out, id, wire));

export const encodeCancel = (id: bigint): Buffer[] => encodeWith((out) => writeCancel(out, id));

export const encodeManage = (id: bigint, op: ManageOp, count: number): Buffer[] => encodeWith((out) => writeManage(out, id, op, count));

export const encodeStatus = (id: bigint): Buffer[] => encodeWith((out) => writeStatus(out, id));

export const encodeStash = (id: bigint, op: StashOp, table: string, fields: StashFields = {}): Buffer[] => encodeWith((out) => writeStash(out, id, op, table, fields));

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

/** Validates a decoded MANAGE payload (`op` ADD or REMOVE, `count` a non-negative integer). */
export function parseManage(value: unknown): ManagePayload {
  const p = dict('MANAGE', value);
  const op = field('MANAGE', p, 'op', '1 (ADD), 2 (REMOVE), 3 (SET) or 4 (RELOAD)', (v): v is ManageOp => Object.values(ManageOp).includes(v as ManageOp));
  const count = field('MANAGE', p, 'count', 'a non-negative integer', isCount);
  return { op, count };
}

/** Validates a decoded STASH payload. */
export function parseStash(value: unknown): StashPayload {
  const p = dict('STASH', value);
  const op = field('STASH', p, 'op', 'an integer', isCount);
  const table = field('STASH', p, 'table', 'a string', isString);
  const out: { op: number; table: string; key?: unknown; value?: unknown; pattern?: string } = { op, table };
  if (Object.hasOwn(p, 'key')) out.key = p['key'];
  if (Object.hasOwn(p, 'value')) out.value = p['value'];
  if (p['pattern'] !== undefined && p['pattern'] !== null) out.pattern = field('STASH', p, 'pattern', 'a string', isString);
  return out;
}

/** RESPONSE payload -> `result`. */
export function parseResponse(value: unknown): unknown {
  return dict('RESPONSE', value)['result'];
}

/** parseResponse(decodeValue(payload)) without building the payload dict (`result` undefined when absent). */
export function decodeResponse(payload: Buffer, start = 0, end = payload.length): unknown {
  // A reused result array: decoding runs no user code, so no other decode can start meanwhile.
  const v = decodeDictFields(payload, RESPONSE_KEYS, start, end, responseFields);
  if (v === null) return parseResponse(decodeValue(payload.subarray(start, end)));
  const result = v[0];
  v[0] = undefined;
  return result;
}

/** CHUNK payload -> `data`. */
export function parseChunk(value: unknown): unknown {
  return dict('CHUNK', value)['data'];
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
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
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
