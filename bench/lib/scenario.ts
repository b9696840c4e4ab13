// What a benchmark scenario is: a name and a run() that measures, then returns its part of the
// report (Markdown lines) and its goals. bench/run.ts runs a list of them; adding a row group to
// `npm run bench` is adding a file in bench/scenarios/ and one entry in that list.
import type { BenchSettings } from './settings.js';
import { spread, type Spread } from './stats.js';

export interface ScenarioContext {
  /** Temp dir for sockets and configs (removed at the end of the run). */
  readonly dir: string;
  readonly settings: BenchSettings;
  /** Progress on stderr. */
  readonly log: (line: string) => void;
  /** Registers a close function; run.ts calls what is left at the end, also on errors and Ctrl-C. */
  readonly closing: (close: () => Promise<void>) => void;
  /** Closes (in reverse order) everything registered so far: a scenario calls it when it is done. */
  readonly closeAll: () => Promise<void>;
}

export interface Goal {
  readonly name: string;
  /** "ours / reference" in the measured unit. */
  readonly measured: string;
  /** Ratio of the medians. */
  readonly value: number;
  readonly target: string;
  readonly pass: boolean;
  /** Per-repetition ratios, "median [min–max]". */
  readonly spread?: string;
  /**
   * Set when the reference that should be a floor was beaten in some repetition: the verdict is then
   * FLOOR WRONG, and only a ratio of medians that still favours the floor is printed.
   */
  readonly floorWrong?: string;
  /** Whether the ratio of medians is on the floor's side (ours no better than the floor). */
  readonly medianFavoursFloor?: boolean;
}

export interface ScenarioOutcome {
  /** Markdown: one `## ...` section or more. */
  readonly markdown: readonly string[];
  readonly goals: readonly Goal[];
  /** Raw values for BENCH_JSON. */
  readonly raw?: unknown;
}

export interface Scenario {
  /** Short name, for BENCH_ONLY=name,name and the log. */
  readonly name: string;
  readonly run: (ctx: ScenarioContext) => Promise<ScenarioOutcome>;
}

/** Per-repetition values of one measurement of one transport (e.g. calls/s of 'ours' at 64 in flight). */
export class SeriesBook<K extends string = string> {
  readonly #series = new Map<string, number[]>();

  add(key: K, transport: string, value: number): void {
    const id = `${key}:${transport}`;
    let s = this.#series.get(id);
    if (!s) this.#series.set(id, (s = []));
    s.push(value);
  }

  values(key: K, transport: string): readonly number[] {
    return this.#series.get(`${key}:${transport}`) ?? [];
  }

  spread(key: K, transport: string): Spread | undefined {
    const v = this.values(key, transport);
    return v.length > 0 ? spread(v) : undefined;
  }

  /** Per-repetition ratios a/b (same repetition = same conditions). */
  paired(key: K, a: string, b: string): Spread | undefined {
    const x = this.values(key, a);
    const y = this.values(key, b);
    const n = Math.min(x.length, y.length);
    if (n === 0) return undefined;
    return spread(Array.from({ length: n }, (_v, i) => (x[i] ?? Number.NaN) / (y[i] ?? Number.NaN)));
  }

  toJSON(): Record<string, number[]> {
    return Object.fromEntries(this.#series);
  }
}

export const ratio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

export function spreadText(s: Spread | undefined): string {
  return s ? `${s.median.toFixed(2)} [${s.min.toFixed(2)}–${s.max.toFixed(2)}]` : '–';
}

/**
 * The repetitions in which `ours` did better than `floor` (higher is better when `higherIsBetter`):
 * a floor that the real system beats is no floor. '' when the floor held in every repetition.
 */
export function floorBeaten(ours: readonly number[], floor: readonly number[], higherIsBetter: boolean): string {
  const reps: number[] = [];
  const n = Math.min(ours.length, floor.length);
  for (let i = 0; i < n; i++) {
    const o = ours[i] ?? Number.NaN;
    const f = floor[i] ?? Number.NaN;
    if (higherIsBetter ? o > f : o < f) reps.push(i + 1);
  }
  return reps.length === 0 ? '' : `the floor was beaten in repetition ${reps.join(', ')} of ${n}: the floor is wrong`;
}

/** A goal "ours vs a floor-like reference" from two series of a book, with the floor check when `floorCheck`. */
export function ratioGoal<K extends string>(
  book: SeriesBook<K>,
  key: K,
  ours: string,
  ref: string,
  o: { name: string; unit: string; digits?: number; atMost?: number; atLeast?: number; floorCheck: boolean },
): Goal {
  const a = book.spread(key, ours)?.median ?? Number.NaN;
  const b = book.spread(key, ref)?.median ?? Number.NaN;
  const value = a / b;
  const higherIsBetter = o.atLeast !== undefined;
  const beaten = o.floorCheck ? floorBeaten(book.values(key, ours), book.values(key, ref), higherIsBetter) : '';
  const d = o.digits ?? 0;
  const fmtv = (v: number): string => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '–');
  const limit = o.atLeast ?? o.atMost ?? Number.NaN;
  const pass = beaten === '' && (higherIsBetter ? value >= limit : value <= limit);
  return {
    name: o.name,
    measured: `${fmtv(a)} / ${fmtv(b)} ${o.unit}`,
    value,
    target: `${higherIsBetter ? '≥' : '≤'} ${limit.toFixed(2)}×`,
    pass,
    spread: spreadText(book.paired(key, ours, ref)),
    ...(beaten === '' ? {} : { floorWrong: beaten, medianFavoursFloor: higherIsBetter ? value <= 1 : value >= 1 }),
  };
}
