// TLV encoder, size pass (docs/protocol.md §TLV): validates a value, finds its exact encoded length
// and how much of it large byte values (referenced, not copied) account for. tlv-write.ts does the writing.
import { Buffer } from 'node:buffer';
import { DirtyProtocolError } from '../errors.js';
import { MAX_PAYLOAD_BYTES } from './constants.js';
import { isInt64, MAX_DEPTH, MAX_ITEMS, ObjectKind, objectKind, SHORT_STRING, ZERO_COPY_BYTES } from './tlv-kinds.js';
import { EncodeFailure, describePrimitive, describeUnsupportedObject, failureMessage, failurePath, withKey } from './tlv-path.js';

interface SizeState {
  /** Containers from the root to the current one (`stack[0..depth)`): depth limit and cycle detection. */
  readonly stack: (object | undefined)[];
  depth: number;
  /** Sum of byte values that will be referenced, not copied (only when zeroCopy). */
  referenced: number;
  zeroCopy: boolean;
}

/** One state reused by every size pass (a getter that encodes during a pass gets a fresh one). */
let spare: SizeState | null = newState();

function newState(): SizeState {
  return { stack: [], depth: 0, referenced: 0, zeroCopy: false };
}

function takeState(zeroCopy: boolean, root?: object): SizeState {
  const state = spare ?? newState();
  spare = null;
  state.depth = 0;
  if (root !== undefined) state.stack[state.depth++] = root;
  state.referenced = 0;
  state.zeroCopy = zeroCopy;
  return state;
}

function releaseState(state: SizeState): void {
  const { stack } = state;
  for (let i = 0; i < state.depth; i++) stack[i] = undefined; // keep no value alive
  spare = state;
}

/** Result of the size pass; `inline` excludes referenced byte values. */
export interface EncodePlan {
  readonly size: number;
  readonly inline: number;
}

/** Validates `value` and computes its encoded size; throws DirtyProtocolError naming the bad spot. */
export function planEncoding(value: unknown, path: string, zeroCopy: boolean): EncodePlan {
  const state = takeState(zeroCopy);
  try {
    return checkedPlan(sizeOf(value, state), state, path);
  } catch (error) {
    throw rootError(error, path);
  } finally {
    releaseState(state);
  }
}

/** Holds the stack slot of the dict planFields stands for (no value can point back to it). */
const FIELDS_ROOT: object = {};

/**
 * planEncoding of the plain object `{ [keys[i]]: values[i] }`, without making it: same size, same
 * checks (depth counts the dict), same error paths.
 */
export function planFields(keys: readonly string[], values: readonly unknown[], path: string, zeroCopy: boolean): EncodePlan {
  const state = takeState(zeroCopy, FIELDS_ROOT);
  let size = 5;
  let key = '';
  try {
    for (let i = 0; i < keys.length; i++) {
      key = keys[i] ?? '';
      size += sizeOf(key, state) + sizeOf(values[i], state);
    }
  } catch (error) {
    releaseState(state);
    throw rootError(withKey(error, key), path);
  }
  try {
    return checkedPlan(size, state, path);
  } finally {
    releaseState(state);
  }
}

function rootError(error: unknown, path: string): unknown {
  return error instanceof EncodeFailure ? new DirtyProtocolError(failureMessage(path, error), { path: failurePath(path, error) }) : error;
}

function checkedPlan(size: number, state: SizeState, path: string): EncodePlan {
  if (size > MAX_PAYLOAD_BYTES) {
    throw new DirtyProtocolError(`Cannot encode ${path === '' ? 'payload' : path}: ${size} bytes exceed the ${MAX_PAYLOAD_BYTES}-byte (64 MiB) payload limit`, {
      path,
      size,
    });
  }
  return { size, inline: size - state.referenced };
}

function sizeOf(value: unknown, state: SizeState): number {
  switch (typeof value) {
    case 'string': {
      const n = utf8Length(value);
      if (n > MAX_PAYLOAD_BYTES) throw new EncodeFailure(`a string of ${n} bytes exceeds the 64 MiB limit`);
      return 5 + n;
    }
    case 'number':
      return 9;
    case 'boolean':
      return 2;
    case 'undefined':
      return 1;
    case 'bigint':
      if (!isInt64(value)) throw new EncodeFailure(`bigint ${value} is outside the int64 range`);
      return 9;
    case 'object':
      return value === null ? 1 : sizeOfObject(value, state);
    case 'symbol':
    case 'function':
      throw new EncodeFailure(`a ${typeof value} is not supported`);
  }
}

/** UTF-8 byte length of `s`. */
export function utf8Length(s: string): number {
  const len = s.length;
  if (len <= SHORT_STRING) {
    let i = 0;
    while (i < len && s.charCodeAt(i) < 0x80) i++;
    if (i === len) return len;
  }
  return Buffer.byteLength(s, 'utf8');
}

function sizeOfObject(value: object, state: SizeState): number {
  const kind = objectKind(value);
  if (kind === ObjectKind.BYTES) {
    const n = (value as Uint8Array).byteLength;
    if (n > MAX_PAYLOAD_BYTES) throw new EncodeFailure(`${n} bytes exceed the 64 MiB limit`);
    if (state.zeroCopy && n >= ZERO_COPY_BYTES) state.referenced += n;
    return 5 + n;
  }
  const { stack, depth } = state;
  let seenAt = -1;
  for (let i = 0; i < depth; i++) {
    if (stack[i] === value) {
      seenAt = i;
      break;
    }
  }
  if (seenAt !== -1) throw new EncodeFailure('circular reference', seenAt);
  if (depth >= MAX_DEPTH) throw new EncodeFailure(`nesting deeper than ${MAX_DEPTH} levels`);
  stack[state.depth++] = value;
  let size: number;
  if (kind === ObjectKind.LIST) size = sizeOfList(value as readonly unknown[], state);
  else if (kind === ObjectKind.DICT) size = sizeOfDict(value as Record<string, unknown>, state);
  else if (kind === ObjectKind.MAP) size = sizeOfMap(value as ReadonlyMap<unknown, unknown>, state);
  else throw new EncodeFailure(describeUnsupportedObject(value));
  stack[--state.depth] = undefined;
  return size;
}

function checkCount(n: number): void {
  if (n > MAX_ITEMS) throw new EncodeFailure(`${n} items exceed the limit of ${MAX_ITEMS}`);
}

function sizeOfList(list: readonly unknown[], state: SizeState): number {
  checkCount(list.length);
  let size = 5;
  let i = 0;
  try {
    for (; i < list.length; i++) size += sizeOf(list[i], state);
  } catch (error) {
    throw withKey(error, i);
  }
  return size;
}

function sizeOfDict(dict: Record<string, unknown>, state: SizeState): number {
  const keys = Object.keys(dict);
  checkCount(keys.length);
  let size = 5;
  let key = '';
  try {
    for (key of keys) size += sizeOf(key, state) + sizeOf(dict[key], state);
  } catch (error) {
    throw withKey(error, key);
  }
  return size;
}

function sizeOfMap(map: ReadonlyMap<unknown, unknown>, state: SizeState): number {
  checkCount(map.size);
  let size = 5;
  for (const key of map.keys()) {
    if (typeof key !== 'string') throw new EncodeFailure(`Map key ${describePrimitive(key)} is not a string`);
  }
  let current = '';
  try {
    for (const [key, item] of map as ReadonlyMap<string, unknown>) {
      current = key;
      size += sizeOf(key, state) + sizeOf(item, state);
    }
  } catch (error) {
    throw withKey(error, current);
  }
  return size;
}
