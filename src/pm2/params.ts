// Parses pm2 trigger params (always strings on the CLI): a bare number "3" or JSON {"n":3}.
// Pure; every rejection names the action and the value.
import type { ScaleCommand } from '../core/types.js';

export type ScaleAction = 'scale-up' | 'scale-down' | 'scale-to';
export type ParamResult = { readonly ok: true; readonly command: ScaleCommand } | { readonly ok: false; readonly message: string };

const MAX_N = 100_000;

function readN(raw: unknown): number | string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'object') return typeof (raw as { n?: unknown }).n === 'number' ? (raw as { n: number }).n : 'missing';
  if (typeof raw !== 'string') return 'missing';
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^[+-]?\d+$/.test(text)) return Number(text);
  try {
    return readN(JSON.parse(text) as unknown) ?? 'missing';
  } catch {
    return 'missing';
  }
}

/** `scale-up [n]`, `scale-down [n]` (n defaults to 1), `scale-to <n>`. */
export function parseScaleParams(action: ScaleAction, raw: unknown): ParamResult {
  const n = readN(raw);
  const shown = typeof raw === 'string' ? JSON.stringify(raw) : JSON.stringify(raw) ?? String(raw);
  if (n === undefined && action === 'scale-to') return { ok: false, message: `scale-to needs a worker count: \`pm2 trigger pm2-dirty scale-to 3\` or '{"n":3}'` };
  const value = n ?? 1;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_N || (action !== 'scale-to' && value === 0)) {
    const want = action === 'scale-to' ? 'a non-negative integer' : 'a positive integer';
    return { ok: false, message: `${action}: expected ${want} as \`3\` or \`{"n":3}\`, got ${shown}` };
  }
  const kind = action === 'scale-up' ? 'add' : action === 'scale-down' ? 'remove' : 'set';
  return { ok: true, command: { kind, n: value } };
}
