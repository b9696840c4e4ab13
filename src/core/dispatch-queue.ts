// Bounded FIFO of calls waiting for a worker, one list per app and one global bound, so a
// worker can take the oldest call among the apps it holds. No timers: deadlines are the shell's.

import type { AppName } from './types.js';

interface Entry<T> {
  readonly item: T;
  /** Global arrival order: a smaller seq is an older call. */
  readonly seq: number;
  prev: Entry<T> | undefined;
  next: Entry<T> | undefined;
}

/** A doubly linked FIFO with an index from item to entry, so cancellation is O(1). */
class AppLine<T> {
  head: Entry<T> | undefined;
  private tail: Entry<T> | undefined;
  private readonly index = new Map<T, Entry<T>>();

  get size(): number {
    return this.index.size;
  }

  has(item: T): boolean {
    return this.index.has(item);
  }

  push(item: T, seq: number): void {
    const entry: Entry<T> = { item, seq, prev: this.tail, next: undefined };
    if (this.tail === undefined) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
    this.index.set(item, entry);
  }

  remove(item: T): boolean {
    const entry = this.index.get(item);
    if (entry === undefined) return false;
    if (entry.prev === undefined) this.head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === undefined) this.tail = entry.prev;
    else entry.next.prev = entry.prev;
    this.index.delete(item);
    return true;
  }

  entries(): Entry<T>[] {
    const out: Entry<T>[] = [];
    for (let entry = this.head; entry !== undefined; entry = entry.next) out.push(entry);
    return out;
  }
}

/**
 * Calls waiting for a worker, per app, with a global bound `maxQueue`.
 *
 * - `enqueue` returns false when the queue holds `maxQueue` items (the caller answers
 *   `DirtyQueueFullError`) or when the same item already waits for that app.
 * - `takeFor(apps)` returns the oldest waiting item among `apps` in O(#apps), so a freed
 *   worker serves calls in arrival order across the apps it holds.
 * - `remove` cancels a waiting item (timeout, abort) in O(1).
 * A `maxQueue` that is not a non-negative integer counts as 0 (every enqueue is refused).
 */
export class DispatchQueue<T> {
  readonly maxQueue: number;
  private readonly lines = new Map<AppName, AppLine<T>>();
  private total = 0;
  private nextSeq = 0;

  constructor(maxQueue: number) {
    this.maxQueue = Number.isSafeInteger(maxQueue) && maxQueue >= 0 ? maxQueue : 0;
  }

  /** Items waiting, all apps together. */
  get size(): number {
    return this.total;
  }

  /** Items waiting for `app`. */
  sizeOf(app: AppName): number {
    return this.lines.get(app)?.size ?? 0;
  }

  enqueue(app: AppName, item: T): boolean {
    if (this.total >= this.maxQueue) return false;
    let line = this.lines.get(app);
    if (line === undefined) {
      line = new AppLine<T>();
      this.lines.set(app, line);
    } else if (line.has(item)) {
      return false;
    }
    line.push(item, this.nextSeq);
    this.nextSeq += 1;
    this.total += 1;
    return true;
  }

  /** Removes and returns the oldest item waiting for any of `apps`, or undefined. */
  takeFor(apps: readonly AppName[]): { app: AppName; item: T } | undefined {
    let oldestApp: AppName | undefined;
    let oldest: Entry<T> | undefined;
    for (const app of apps) {
      const head = this.lines.get(app)?.head;
      if (head !== undefined && (oldest === undefined || head.seq < oldest.seq)) {
        oldest = head;
        oldestApp = app;
      }
    }
    if (oldest === undefined || oldestApp === undefined) return undefined;
    this.remove(oldestApp, oldest.item);
    return { app: oldestApp, item: oldest.item };
  }

  /** Cancels a waiting item; false if it was not waiting for `app`. */
  remove(app: AppName, item: T): boolean {
    const line = this.lines.get(app);
    if (line === undefined || !line.remove(item)) return false;
    this.total -= 1;
    if (line.size === 0) this.lines.delete(app);
    return true;
  }

  /** Removes and returns every item waiting for `app`, oldest first. */
  drainApp(app: AppName): T[] {
    const line = this.lines.get(app);
    if (line === undefined) return [];
    this.lines.delete(app);
    this.total -= line.size;
    return line.entries().map((entry) => entry.item);
  }

  /** Removes and returns every waiting item, oldest first across apps. */
  drainAll(): T[] {
    const all = [...this.lines.values()].flatMap((line) => line.entries());
    this.lines.clear();
    this.total = 0;
    return all.sort((a, b) => a.seq - b.seq).map((entry) => entry.item);
  }
}
