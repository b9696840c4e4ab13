// Parses pm2 trigger params into a scale command. Pure; every rejection names the action and the value.
// What arrives (pm2 7 + @pm2/io 6): `pm2 trigger pm2-dirty scale-up` gives `{}` (io's default for an
// arity-2 handler called without a parameter); `scale-up 2` gives the string "2" (the CLI parameter
// is always a string); `scale-up '{"n":2}'` gives the string '{"n":2}'; pm2.msgProcess({opts}) may
// give a number or an object.
import type { ScaleCommand } from '../core/types.js';

export type ScaleAction = 'scale-up' | 'scale-down' | 'scale-to';
export type ParamResult = { readonly ok: true; readonly command: ScaleCommand } | { readonly ok: false; readonly message: string };

const MAX_N = 100_000;

/** A number, `undefined` (no parameter given) or the reason the value is not a count. */
type Read = { readonly n: number | undefined } | { readonly bad: string };

const INTEGER = /^[+-]?\d+$/;

function readValue(raw: unknown, nested: boolean): Read {
  if (raw === undefined || raw === null) return { n: undefined };
  if (typeof raw === 'number') return { n: raw };
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text === '') return { n: undefined };
    if (INTEGER.test(text)) return { n: Number(text) };
    if (!nested && text.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { bad: 'it is not valid JSON' };
      }
      return readValue(parsed, false);
    }
    return { bad: 'it is not an integer' };
  }
  if (typeof raw === 'object' && !nested && !Array.isArray(raw)) {
    const keys = Object.keys(raw);
    if (keys.length === 0) return { n: undefined };
    const unknown = keys.filter((k) => k !== 'n');
    if (unknown.length > 0) return { bad: `unknown key ${unknown.map((k) => JSON.stringify(k)).join(', ')} (only "n" is accepted)` };
    const inner = readValue((raw as { n: unknown }).n, true);
    return 'n' in inner && inner.n === undefined ? { bad: '"n" is empty' } : inner;
  }
  return { bad: `a ${Array.isArray(raw) ? 'array' : typeof raw} is not a count` };
}

const show = (raw: unknown): string => (typeof raw === 'string' ? JSON.stringify(raw) : (JSON.stringify(raw) ?? String(raw)));

/** `scale-up [n]`, `scale-down [n]` (n defaults to 1), `scale-to <n>`. */
export function parseScaleParams(action: ScaleAction, raw: unknown): ParamResult {
  const r = readValue(raw, false);
  const want = action === 'scale-to' ? 'a non-negative integer' : 'a positive integer';
  const usage = `${action} expects ${want}, as \`pm2 trigger pm2-dirty ${action} 3\` or '{"n":3}'`;
  if ('bad' in r) return { ok: false, message: `${usage}; got ${show(raw)}: ${r.bad}` };
  if (r.n === undefined && action === 'scale-to') return { ok: false, message: `${usage}; no worker count was given` };
  const n = r.n ?? 1;
  if (!Number.isSafeInteger(n) || n < 0 || (action !== 'scale-to' && n === 0)) return { ok: false, message: `${usage}; got ${show(raw)}` };
  if (n > MAX_N) return { ok: false, message: `${usage} up to ${MAX_N}; got ${show(raw)}` };
  const kind = action === 'scale-up' ? 'add' : action === 'scale-down' ? 'remove' : 'set';
  return { ok: true, command: { kind, n } };
}
