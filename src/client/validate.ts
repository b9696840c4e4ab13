// Boundary checks for the public client API; one TypeError/RangeError message format project-wide:
// Expected `timeoutMs` to be a positive number, got `0` (number)
import { inspect } from 'node:util';

function describe(value: unknown): string {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  const text = typeof value === 'string' ? value : inspect(value, { depth: 0, breakLength: Infinity });
  return `\`${text}\` (${kind})`;
}

function fail(name: string, expected: string, value: unknown): never {
  throw new TypeError(`Expected \`${name}\` to be ${expected}, got ${describe(value)}`);
}

export function assertNonEmptyString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') fail(name, 'a non-empty string', value);
}

export function assertOptionalString(name: string, value: unknown): asserts value is string | undefined {
  if (value !== undefined && typeof value !== 'string') fail(name, 'a string', value);
}

/** Node clamps longer timers to 1 ms, so durations above this are refused. */
export const MAX_TIMER_MS = 2_147_483_647;

export function assertDurationMs(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(name, 'a positive number', value);
  if (value > MAX_TIMER_MS) throw new RangeError(`Expected \`${name}\` to be at most ${MAX_TIMER_MS}, got ${describe(value)}`);
}

export function assertPositiveInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) fail(name, 'a positive integer', value);
}

export function assertNonNegativeInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(name, 'a non-negative integer', value);
}

export function assertArray(name: string, value: unknown): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) fail(name, 'an array', value);
}

export function assertOptionalRecord(name: string, value: unknown): asserts value is Record<string, unknown> | undefined {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'a plain object', value);
}

export function assertOptionalSignal(name: string, value: unknown): asserts value is AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) fail(name, 'an AbortSignal', value);
}

export function assertOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (!allowed.includes(value as T)) fail(name, `one of ${allowed.map((v) => `'${v}'`).join(', ')}`, value);
}
