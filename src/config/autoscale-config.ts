// Validates the optional `autoscale` section of the config file into an AutoscaleConfig. Pure.
import { DEFAULT_AUTOSCALE_CONFIG, type AutoscaleConfig } from '../core/autoscale.js';

export type AutoscaleResult = { readonly ok: true; readonly config: AutoscaleConfig | null } | { readonly ok: false; readonly errors: readonly string[] };

const INTEGER_KEYS = [
  'min',
  'max',
  'windowMs',
  'maxQueueWaitMs',
  'scaleUpStep',
  'scaleUpCooldownMs',
  'idleCooldownMs',
  'scaleDownStep',
  'manualHoldMs',
] as const;

/** `undefined`/`false` disable autoscaling; an object enables it with defaults for missing keys. */
export function parseAutoscale(raw: unknown, maxWorkers: number): AutoscaleResult {
  if (raw === undefined || raw === null || raw === false) return { ok: true, config: null };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, errors: [`\`autoscale\` must be an object { min, max, ... } or false, got ${JSON.stringify(raw)}`] };
  }
  const r = raw as Record<string, unknown>;
  const errors: string[] = [];
  const known = new Set<string>([...INTEGER_KEYS, 'targetUtilization']);
  for (const k of Object.keys(r)) if (!known.has(k)) errors.push(`unknown key \`autoscale.${k}\` (known: ${[...known].join(', ')})`);
  const out: Record<string, number> = { min: 1, max: maxWorkers, ...DEFAULT_AUTOSCALE_CONFIG };
  for (const k of INTEGER_KEYS) {
    const v = r[k];
    if (v === undefined) continue;
    const positive = k === 'min' || k === 'max' || k === 'scaleUpStep' || k === 'scaleDownStep' || k === 'windowMs';
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (positive ? 1 : 0)) {
      errors.push(`\`autoscale.${k}\` must be a ${positive ? 'positive' : 'non-negative'} integer, got ${JSON.stringify(v)}`);
    } else out[k] = v;
  }
  const u = r['targetUtilization'];
  if (u !== undefined) {
    if (typeof u !== 'number' || !(u > 0 && u <= 1)) errors.push(`\`autoscale.targetUtilization\` must be a number in (0, 1], got ${JSON.stringify(u)}`);
    else out['targetUtilization'] = u;
  }
  if ((out['min'] ?? 1) > (out['max'] ?? 1)) errors.push(`\`autoscale.min\` (${out['min']}) is above \`autoscale.max\` (${out['max']})`);
  if ((out['max'] ?? 1) > maxWorkers) errors.push(`\`autoscale.max\` (${out['max']}) is above \`maxWorkers\` (${maxWorkers})`);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config: out as unknown as AutoscaleConfig };
}
