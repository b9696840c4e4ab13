// The calls sent to one worker and not finished there, oldest first: a ring of (wid, sentAt). A
// worker answers mostly in the order it got its calls, so the oldest leaves from the front in O(1);
// another (concurrency > 1, an abandoned call) is found by a scan of the few outstanding ones.
// Unlike a Map, adding and removing calls all day allocates nothing.

export class SentCalls {
  #wids = new Float64Array(64);
  #ats = new Float64Array(64);
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(wid: number, sentAt: number): void {
    if (this.#size === this.#wids.length) this.#grow();
    const i = (this.#head + this.#size) & (this.#wids.length - 1);
    this.#wids[i] = wid;
    this.#ats[i] = sentAt;
    this.#size++;
  }

  /** Removes the call; false when it is not here. */
  delete(wid: number): boolean {
    const mask = this.#wids.length - 1;
    if (this.#size > 0 && this.#wids[this.#head] === wid) {
      this.#head = (this.#head + 1) & mask;
      this.#size--;
      return true;
    }
    for (let k = 1; k < this.#size; k++) {
      if (this.#wids[(this.#head + k) & mask] !== wid) continue;
      // Close the gap: the later entries move one place towards the front, keeping the order.
      for (let j = k; j < this.#size - 1; j++) {
        const to = (this.#head + j) & mask;
        const from = (to + 1) & mask;
        this.#wids[to] = this.#wids[from] ?? 0;
        this.#ats[to] = this.#ats[from] ?? 0;
      }
      this.#size--;
      return true;
    }
    return false;
  }

  /** When the oldest outstanding call was sent; undefined when none is. */
  oldestAt(): number | undefined {
    return this.#size === 0 ? undefined : this.#ats[this.#head];
  }

  /** The wids, oldest first. */
  wids(): number[] {
    const out: number[] = [];
    const mask = this.#wids.length - 1;
    for (let k = 0; k < this.#size; k++) out.push(this.#wids[(this.#head + k) & mask] ?? 0);
    return out;
  }

  #grow(): void {
    const n = this.#wids.length;
    const wids = new Float64Array(n * 2);
    const ats = new Float64Array(n * 2);
    for (let k = 0; k < this.#size; k++) {
      wids[k] = this.#wids[(this.#head + k) & (n - 1)] ?? 0;
      ats[k] = this.#ats[(this.#head + k) & (n - 1)] ?? 0;
    }
    this.#wids = wids;
    this.#ats = ats;
    this.#head = 0;
  }
}
