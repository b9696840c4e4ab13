// Error reporting for the TLV encoder: where in the value the bad part sits (`args[1].when`)
// and what it is, so a caller can fix its call without reading the protocol.

/** Thrown inside the encoder's size pass; containers add their key while it unwinds. */
export class EncodeFailure extends Error {
  /** Path segments from the bad value up to the root (reversed on report). */
  readonly segments: (string | number)[] = [];
  readonly reason: string;
  /** Stack index of the ancestor a circular reference points back to, else -1. */
  readonly cycleAt: number;

  constructor(reason: string, cycleAt = -1) {
    super(reason);
    this.reason = reason;
    this.cycleAt = cycleAt;
  }
}

/** Adds `key` to an EncodeFailure passing through a container; other errors pass untouched. */
export function withKey(error: unknown, key: string | number): unknown {
  if (error instanceof EncodeFailure) error.segments.push(key);
  return error;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `root` + segments in JS notation; an empty root makes the first key bare (`args[0]`, not `.args[0]`). */
export function formatPath(root: string, segments: readonly (string | number)[]): string {
  let out = root;
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? 'payload' : out;
}

/** Where the bad value sits (`args[0].when`), as the error's message names it; also its `details.path`. */
export function failurePath(root: string, failure: EncodeFailure): string {
  return formatPath(root, failure.segments.slice().reverse());
}

/** Message of the DirtyProtocolError for a failure caught at the root. */
export function failureMessage(root: string, failure: EncodeFailure): string {
  const segments = failure.segments.slice().reverse();
  const where = formatPath(root, segments);
  if (failure.cycleAt >= 0) {
    return `Cannot encode ${where}: circular reference back to ${formatPath(root, segments.slice(0, failure.cycleAt))}`;
  }
  return `Cannot encode ${where}: ${failure.reason}`;
}

/** Why an object of an unsupported kind cannot travel, with the usual fix. */
export function describeUnsupportedObject(value: object): string {
  if (value instanceof Date) return 'a Date is not supported (send date.toISOString() or date.getTime())';
  if (value instanceof Set) return 'a Set is not supported (send an array)';
  if (value instanceof Promise) return 'a Promise is not supported (await it first)';
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    return `${kind(value)} is not supported (only Buffer/Uint8Array travel as bytes)`;
  }
  return `${kind(value)} is not supported (only null, booleans, numbers, bigints, strings, Uint8Array, arrays, plain objects and Maps with string keys)`;
}

/** "an instance of Foo" (or "an instance of anonymous class"). */
function kind(value: object): string {
  const ctor: unknown = (value as { constructor?: unknown }).constructor;
  const name = typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'anonymous class';
  return `an instance of ${name}`;
}

/** Human form of a bad Map key or primitive for messages (`1 (number)`). */
export function describePrimitive(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `${JSON.stringify(value)} (string)`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${value} (${typeof value})`;
    case 'undefined':
      return 'undefined';
    case 'object':
      return value === null ? 'null' : 'an object';
    case 'symbol':
    case 'function':
      return `a ${typeof value}`;
  }
}
