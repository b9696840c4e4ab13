// A binary min-heap of items ordered by a deadline in ms, used by the stash to find expired keys
// without scanning every table. Stale items are the caller's concern (it checks identity on pop).

export interface Deadline {
  readonly at: number;
}

export class ExpiryHeap<T extends Deadline> {
  #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as T;
      if (p.at <= item.at) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  /** The item with the earliest deadline, left in place. */
  peek(): T | undefined {
    return this.#items[0];
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    this.#siftDown(last, 0);
    return top;
  }

  /** Keeps only the items `keep` accepts and restores heap order in O(n). */
  retain(keep: (item: T) => boolean): void {
    this.#items = this.#items.filter(keep);
    for (let i = (this.#items.length >> 1) - 1; i >= 0; i--) this.#siftDown(this.#items[i] as T, i);
  }

  #siftDown(item: T, start: number): void {
    const items = this.#items;
    const n = items.length;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && (items[right] as T).at < (items[left] as T).at) child = right;
      const c = items[child] as T;
      if (c.at >= item.at) break;
      items[i] = c;
      i = child;
    }
    items[i] = item;
  }
}
