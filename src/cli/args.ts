// Argument parsers for commander: a bad value is a usage error (exit 2) with commander's message.
import { InvalidArgumentError } from 'commander';

export function positiveInt(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Node clamps longer timers to 1 ms: a longer duration would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** A duration in ms that a timer can hold: a positive integer up to 2147483647. */
export function durationMs(raw: string): number {
  const n = positiveInt(raw);
  if (n > MAX_TIMER_MS) throw new InvalidArgumentError(`expected at most ${MAX_TIMER_MS} ms`);
  return n;
}

export function nonNegativeInt(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

/** A JSON argument; strings must be quoted JSON ('"text"'), so `42` and `"42"` stay distinct. */
export function jsonArg(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new InvalidArgumentError(`not JSON: ${raw} (quote strings: '"${raw}"')`);
  }
}
