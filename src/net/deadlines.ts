// Deadlines (a client's calls, the arbiter's calls and stalled streams) on one timer instead of a
// setTimeout/clearTimeout pair each. Deadlines with the same timeout expire in the order they
// started, so each timeout value keeps a FIFO line; the timer is armed for the earliest head. A deadline never fires early (checked on performance.now()).
import { performance } from 'node:perf_hooks';

/** What a deadline calls when it passes, with the deadline's `arg` (one target can serve many deadlines). */
export interface Expiring {
  expire(arg?: unknown): void;
}

/** A registered deadline; pass it back to `cancel`. */
export interface Deadline {
  readonly at: number;
  target: Expiring | null;
  readonly arg: unknown;
  readonly line: Line;
}

interface Line {
  readonly timeoutMs: number;
  items: Deadline[];
  head: number;
  /** Cancelled entries still in `items` past `head`. */
  dead: number;
}

/** Dead entries a line may hold behind a long-lived head before it is compacted. */
const COMPACT_AT = 1024;

export class Deadlines {
  readonly #lines = new Map<number, Line>();
  #timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (performance.now() scale); Infinity when none is armed. */
  #timerAt = Infinity;
  #live = 0;

  /** Calls `target.expire(arg)` once `timeoutMs` have passed, unless cancelled first. */
  add(timeoutMs: number, target: Expiring, arg?: unknown): Deadline {
    let line = this.#lines.get(timeoutMs);
    if (line === undefined) this.#lines.set(timeoutMs, (line = { timeoutMs, items: [], head: 0, dead: 0 }));
    const entry: Deadline = { at: performance.now() + timeoutMs, target, arg, line };
    line.items.push(entry);
    if (this.#live++ === 0) this.#timer?.ref(); // a pending call keeps the process alive, as its own timer did
    if (entry.at < this.#timerAt) this.#arm(entry.at);
    return entry;
  }

  cancel(entry: Deadline): void {
    if (entry.target === null) return;
    entry.target = null;
    if (--this.#live === 0) this.#timer?.unref();
    const line = entry.line;
    line.dead++;
    if (line.items[line.head] === entry) this.#popDead(line);
    else if (line.dead > COMPACT_AT && line.dead > line.items.length - line.head - line.dead) this.#compact(line);
  }

  #popDead(line: Line): void {
    let { head, dead } = line;
    const items = line.items;
    while (head < items.length && items[head]?.target === null) {
      head++;
      dead--;
    }
    line.dead = dead;
    if (head === items.length) {
      // Emptied: the line is kept for the next call with this timeout (#fire drops unused ones).
      items.length = 0;
      line.head = 0;
      line.dead = 0;
      return;
    }
    line.head = head;
    if (head > COMPACT_AT && head * 2 > items.length) this.#compact(line);
  }

  #compact(line: Line): void {
    line.items = line.items.slice(line.head).filter((e) => e.target !== null);
    line.head = 0;
    line.dead = 0;
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#fire();
      },
      Math.max(1, Math.ceil(at - performance.now())),
    );
    if (this.#live === 0) this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = performance.now();
    const due: { readonly at: number; readonly target: Expiring; readonly arg: unknown }[] = [];
    let next = Infinity;
    for (const line of this.#lines.values()) {
      const { items } = line;
      let head = line.head;
      for (; head < items.length; head++) {
        const entry = items[head];
        if (entry === undefined) continue;
        if (entry.target === null) {
          line.dead--;
          continue;
        }
        if (entry.at > now) break;
        due.push({ at: entry.at, target: entry.target, arg: entry.arg });
        entry.target = null;
        this.#live--;
      }
      line.head = head;
      const first = items[head];
      if (first === undefined) this.#lines.delete(line.timeoutMs);
      else {
        next = Math.min(next, first.at);
        if (head > COMPACT_AT && head * 2 > items.length) this.#compact(line);
      }
    }
    if (next < Infinity) this.#arm(next);
    if (due.length > 1) due.sort((a, b) => a.at - b.at); // lines were read one after the other
    for (const { target, arg } of due) {
      try {
        target.expire(arg);
      } catch (error) {
        // As from a timer of its own: an uncaught exception, and the other deadlines still fire.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
