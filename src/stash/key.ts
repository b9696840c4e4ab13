// Stash keys: a canonical map key per TLV key (1 and "1" differ, bytes compare by content) and
// Python's `str(key)`, which gunicorn's `keys(pattern)` matches the glob against.

import { StashError } from '../errors.js';
import type { StashKey } from './value.js';

/** The JS type name of a rejected key, in Python's words where they exist. */
function pythonType(key: unknown): string {
  if (Array.isArray(key)) return 'list';
  if (key === undefined) return 'undefined';
  return typeof key === 'object' && key !== null ? 'dict' : typeof key;
}

/**
 * The Map key for a stash key. Ints (number or bigint) and integral floats share one form, as in Python
 * where `1 == 1.0` hash alike; bools stay apart from ints (a deliberate difference: Python merges True and 1).
 * Throws StashError for unhashable keys (lists, dicts), as gunicorn's arbiter fails with a TypeError.
 */
export function normalizeKey(key: unknown): string {
  switch (typeof key) {
    case 'boolean':
      return key ? 'b:1' : 'b:0';
    case 'bigint':
      return `i:${key}`;
    case 'number':
      return Number.isInteger(key) ? `i:${BigInt(key)}` : `f:${key}`;
    case 'string':
      return `s:${key}`;
    case 'object':
      if (key === null) return 'n';
      if (key instanceof Uint8Array) return `y:${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')}`;
      break;
    case 'undefined':
    case 'symbol':
    case 'function':
      break;
  }
  throw new StashError(`Unhashable stash key type: ${pythonType(key)}`, { key_type: pythonType(key) });
}

/** Python's repr of a float: shortest round-trip digits, scientific below 1e-4 or from 1e16 on. */
function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa = '0', expText = '0'] = x.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let body: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0] ?? ''}.${digits.slice(1)}` : digits;
    body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) {
    body = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else {
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    body = `${whole}.${digits.slice(exp + 1) || '0'}`;
  }
  return negative ? `-${body}` : body;
}

/** Python's repr of bytes: b'...' with \\, \t, \n, \r and \xNN escapes; "..." quotes if only ' occurs. */
function pythonBytes(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const quote = hasSingle && !bytes.includes(0x22) ? '"' : "'";
  let out = '';
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `b${quote}${out}${quote}`;
}

/**
 * `str(key)` as Python prints it: strings as they are, None/True/False, ints in decimal, floats as
 * Python's repr, bytes as `b'...'`. A safe integral number prints as an int (the decoder cannot tell a
 * float 2.0 from the int 2); an unsafe one can only be a float (unsafe ints decode as bigint).
 */
export function keyToString(key: StashKey): string {
  if (key === null) return 'None';
  if (typeof key === 'boolean') return key ? 'True' : 'False';
  if (typeof key === 'bigint') return key.toString();
  if (typeof key === 'number') return Number.isSafeInteger(key) ? String(key) : pythonFloat(key);
  if (typeof key === 'string') return key;
  return pythonBytes(key);
}

/** How much of a key an error message shows. */
const MESSAGE_KEY_CHARS = 100;

/**
 * `str(key)` for an error message or a log line: at most about MESSAGE_KEY_CHARS characters, with the full
 * size after an ellipsis when cut. Only the part shown is rendered, so a huge key costs nothing here.
 */
export function keyForMessage(key: StashKey): string {
  if (key instanceof Uint8Array && key.byteLength > MESSAGE_KEY_CHARS) {
    return `${pythonBytes(key.subarray(0, MESSAGE_KEY_CHARS / 4))}… (${key.byteLength} bytes)`;
  }
  if (typeof key === 'string' && key.length > MESSAGE_KEY_CHARS) return `${key.slice(0, MESSAGE_KEY_CHARS)}… (${key.length} characters)`;
  const text = keyToString(key);
  return text.length > MESSAGE_KEY_CHARS ? `${text.slice(0, MESSAGE_KEY_CHARS)}… (${text.length} characters)` : text;
}
