// Shared test helpers for the protocol layer: the gunicorn test vectors (tagged JSON converted to
// JS values), a seeded PRNG, a random value generator and small byte utilities.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import type { MessageType } from '../../src/protocol/constants.js';
import { FrameBatch } from '../../src/protocol/frame-batch.js';

/**
 * A whole message with any payload value as a fresh chunk list (FrameBatch.message): small messages
 * are one chunk, byte values >= 64 KiB are referenced between chunks; undefined is an empty payload.
 * A fresh batch has no slab yet, so this is the two-pass encoder (the one that names errors).
 */
export function encodeMessage(type: MessageType, requestId: bigint, value?: unknown, path = 'payload'): Buffer[] {
  const batch = new FrameBatch();
  batch.message(type, requestId, value, path);
  return batch.take();
}

export interface ValidVector {
  readonly name: string;
  readonly bytes: Buffer;
  readonly type: MessageType;
  readonly requestId: bigint;
  /** The payload as JS values ($int -> number when safe else bigint, $float -> number, $bytes -> Buffer). */
  readonly value: unknown;
}

export interface InvalidVector {
  readonly name: string;
  readonly bytes: Buffer;
}

interface RawVectors {
  readonly valid: readonly { name: string; hex: string; type: number; requestId: string; payload: unknown }[];
  readonly invalid: readonly { name: string; hex: string }[];
}

// A copy of /work/shared/vectors/gunicorn-dirty-v1.json, so the suite does not depend on the host.
const raw = JSON.parse(readFileSync(new URL('fixtures/gunicorn-dirty-v1.json', import.meta.url), 'utf8')) as RawVectors;

export const validVectors: readonly ValidVector[] = raw.valid.map((v) => ({
  name: v.name,
  bytes: Buffer.from(v.hex, 'hex'),
  type: v.type as MessageType,
  requestId: BigInt(v.requestId),
  value: fromTagged(v.payload),
}));

export const invalidVectors: readonly InvalidVector[] = raw.invalid.map((v) => ({ name: v.name, bytes: Buffer.from(v.hex, 'hex') }));

/** Converts the vectors' tagged JSON ({"$int"}, {"$float"}, {"$bytes"}) into the values our decoder yields. */
export function fromTagged(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(fromTagged);
  if (typeof x !== 'object' || x === null) return x;
  const o = x as Record<string, unknown>;
  if (typeof o['$int'] === 'string') {
    const n = BigInt(o['$int']);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  if (typeof o['$float'] === 'number') return o['$float'];
  if (typeof o['$bytes'] === 'string') return Buffer.from(o['$bytes'], 'hex');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = fromTagged(v);
  return out;
}

/** mulberry32: a tiny seeded PRNG, so every fuzz run is reproducible. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;

export function randInt(rng: Rng, below: number): number {
  return Math.floor(rng() * below);
}

export function randomBytes(rng: Rng, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = randInt(rng, 256);
  return out;
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[randInt(rng, items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

const STRINGS = [
  '',
  'a',
  'app_path',
  'héllo ✓',
  '日本語テキスト',
  'emoji 🎉 pair',
  'x'.repeat(23),
  'y'.repeat(24),
  'z'.repeat(25),
  'long ascii '.repeat(8),
  'mixed é '.repeat(12),
  '__proto__',
  'constructor',
  'a b',
  '1',
  '0x10',
  '\u0000nul',
  '\u007f\u0080',
];
const INTS = [
  0,
  1,
  -1,
  127,
  128,
  255,
  256,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 32,
  2 ** 32 - 1,
  -(2 ** 32),
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  2 ** 52,
  -(2 ** 52),
];
const FLOATS = [0.5, -1.25, 1e-300, 5e-324, 1.7976931348623157e308, -0, Number.NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 2 ** 64, Math.PI];
const BIGINTS = [2n ** 53n, -(2n ** 53n), 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 53n) - 1n];

/**
 * A random value whose decode(encode(v)) deep-equals v: numbers, bigints outside the safe range,
 * Buffers (not bare Uint8Arrays), arrays and plain objects only.
 */
export function randomValue(rng: Rng, depth = 0): unknown {
  const kind = randInt(rng, depth >= 4 ? 8 : 10);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng() < 0.5;
    case 2:
      return rng() < 0.5 ? pick(rng, INTS) : randInt(rng, 2 ** 40) - 2 ** 39;
    case 3:
      return rng() < 0.5 ? pick(rng, FLOATS) : (rng() - 0.5) * 10 ** randInt(rng, 30);
    case 4:
      return pick(rng, BIGINTS);
    case 5:
      return rng() < 0.7 ? pick(rng, STRINGS) : randomString(rng);
    case 6:
      return randomBytes(rng, randInt(rng, 40));
    case 7:
      return pick(rng, STRINGS);
    case 8:
      return Array.from({ length: randInt(rng, 6) }, () => randomValue(rng, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      const n = randInt(rng, 6);
      for (let i = 0; i < n; i++) {
        const key = rng() < 0.5 ? pick(rng, STRINGS) : randomString(rng);
        if (key === '__proto__') Object.defineProperty(out, key, { value: randomValue(rng, depth + 1), enumerable: true, writable: true, configurable: true });
        else out[key] = randomValue(rng, depth + 1);
      }
      return out;
    }
  }
}

/** Random well-formed string mixing ASCII, 2-, 3- and 4-byte UTF-8 characters. */
export function randomString(rng: Rng): string {
  const alphabet = ['a', 'Z', '_', ' ', 'é', 'ß', '€', '✓', '中', '🎉', '𝄞'];
  let s = '';
  const n = randInt(rng, 60);
  for (let i = 0; i < n; i++) s += rng() < 0.7 ? String.fromCharCode(32 + randInt(rng, 95)) : pick(rng, alphabet);
  return s;
}

/** Nested single-element lists `depth` levels deep around `leaf`. */
export function nestedLists(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
