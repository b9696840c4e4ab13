// KEYS as a scan that runs in slices: each `run` examines keys until a budget of steps is spent, so the
// arbiter can answer a KEYS over a big table across several turns of its event loop. Pure.

import { compileGlob, type Glob } from './glob.js';
import { keyToString } from './key.js';
import type { StashKey } from './value.js';

/**
 * Fixed costs in glob steps (one glob step is a few ns), measured: visiting an entry, removing one that
 * expired, rendering `str(key)` and setting up its match.
 */
export const ENTRY_STEPS = 100;
export const DEAD_ENTRY_STEPS = 300;
export const MATCH_STEPS = 300;

export interface ScanEntry {
  readonly key: StashKey;
}

/**
 * The keys of one table in insertion order, filtered by a glob on Python's `str(key)`. `live` says
 * whether an entry is still there and unexpired at `now` (and may remove an expired one). Keys written
 * between slices may or may not be seen; a key removed before the scan reaches it is not listed.
 */
export class KeyScan {
  readonly keys: StashKey[] = [];
  readonly #entries: Iterator<ScanEntry>;
  readonly #glob: Glob | undefined;
  readonly #live: (entry: ScanEntry, now: number) => boolean;
  /** Steps spent so far: the fixed costs above plus the glob's own steps. */
  steps = 0;
  done = false;

  constructor(entries: Iterator<ScanEntry>, pattern: string | undefined, live: (entry: ScanEntry, now: number) => boolean) {
    this.#entries = entries;
    this.#glob = pattern ? compileGlob(pattern) : undefined;
    this.#live = live;
  }

  /**
   * Examines entries until `budget` more steps are spent (a key that is started is finished, so a slice
   * may exceed the budget by the cost of one key). Returns true once every entry has been examined.
   */
  run(now: number, budget: number): boolean {
    const limit = this.steps + budget;
    const glob = this.#glob;
    while (!this.done && this.steps < limit) {
      const next = this.#entries.next();
      if (next.done === true) {
        this.done = true;
        break;
      }
      const entry = next.value;
      this.steps += ENTRY_STEPS;
      if (!this.#live(entry, now)) {
        this.steps += DEAD_ENTRY_STEPS;
        continue;
      }
      if (!glob) {
        this.keys.push(entry.key);
        continue;
      }
      const before = glob.steps;
      const matched = glob.test(keyToString(entry.key));
      this.steps += MATCH_STEPS + glob.steps - before;
      if (matched) this.keys.push(entry.key);
    }
    return this.done;
  }
}
