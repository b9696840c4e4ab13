// Values by request id (a number, or a bigint for ids above 2^53 - 1) for the tables every call
// enters and leaves: the client's calls, the arbiter's calls by its own id and by the client's.
// Number keys live in an open-addressing table (linear probing, backward-shift deletion) that
// grows and does not shrink while in use, so a wave of calls coming and going allocates nothing; a
// Map does, as it rehashes on the way up and shrinks on the way down. A table above 4096 slots starts
// small again once empty, so the memory of a burst (a full queue, a flood of calls) is given back.
// Bigint keys go to a Map beside it.
// A table keyed by ids that a peer chooses (the arbiter's table of a client's calls) takes a random
// salt from its shell: without one, a client that knows the hash could send ids that all land in one
// probe run and make every insert and lookup walk all of its calls.

const EMPTY = -1;
const MIN_BITS = 4;
/** An empty table above this many slots (left by a burst: a full queue, a flood of calls) starts small again. */
const KEEP_SLOTS = 4096;

export class IdTable<V> {
  #bits = MIN_BITS;
  /** Keys: non-negative integers, EMPTY where a slot is free. */
  #keys = new Float64Array(1 << MIN_BITS).fill(EMPTY);
  #values: (V | undefined)[] = new Array<V | undefined>(1 << MIN_BITS).fill(undefined);
  #count = 0;
  #big: Map<bigint, V> | null = null;
  readonly #salt: number;

  /** `salt`: any 32-bit value, mixed into the hash (random for ids a peer chooses). */
  constructor(salt = 0) {
    this.#salt = salt | 0;
  }

  get size(): number {
    return this.#count + (this.#big?.size ?? 0);
  }

  get(key: number | bigint): V | undefined {
    if (typeof key !== 'number') return this.#big?.get(key);
    const i = this.#find(key);
    return i < 0 ? undefined : this.#values[i];
  }

  has(key: number | bigint): boolean {
    return typeof key === 'number' ? this.#find(key) >= 0 : this.#big?.has(key) === true;
  }

  /** Adds or replaces. A number key must be a non-negative safe integer (a request id). */
  set(key: number | bigint, value: V): this {
    if (typeof key !== 'number') {
      (this.#big ??= new Map()).set(key, value);
      return this;
    }
    if (!(Number.isSafeInteger(key) && key >= 0)) throw new RangeError(`IdTable: ${key} is not a request id`);
    if ((this.#count + 1) * 2 > this.#keys.length) this.#grow();
    const keys = this.#keys;
    const mask = keys.length - 1;
    let i = this.#home(key);
    for (;;) {
      const k = keys[i];
      if (k === key) break;
      if (k === EMPTY) {
        keys[i] = key;
        this.#count++;
        break;
      }
      i = (i + 1) & mask;
    }
    this.#values[i] = value;
    return this;
  }

  delete(key: number | bigint): boolean {
    if (typeof key !== 'number') return this.#big?.delete(key) === true;
    let i = this.#find(key);
    if (i < 0) return false;
    const keys = this.#keys;
    const values = this.#values;
    const mask = keys.length - 1;
    // Backward shift: later entries of the probe run move into the hole when their home allows it.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = keys[j] ?? EMPTY;
      if (k === EMPTY) break;
      if (((j - this.#home(k)) & mask) >= ((j - i) & mask)) {
        keys[i] = k;
        values[i] = values[j];
        i = j;
      }
    }
    keys[i] = EMPTY;
    values[i] = undefined;
    this.#count--;
    if (this.#count === 0 && keys.length > KEEP_SLOTS) this.#reset();
    return true;
  }

  /** The values, in no particular order (a copy: the table may change while the caller walks it). */
  values(): V[] {
    const out: V[] = [];
    for (let i = 0; i < this.#keys.length; i++) if (this.#keys[i] !== EMPTY) out.push(this.#values[i] as V);
    if (this.#big) for (const v of this.#big.values()) out.push(v);
    return out;
  }

  /** The entries, in no particular order (a copy). */
  entries(): [number | bigint, V][] {
    const out: [number | bigint, V][] = [];
    for (let i = 0; i < this.#keys.length; i++) {
      const k = this.#keys[i] ?? EMPTY;
      if (k !== EMPTY) out.push([k, this.#values[i] as V]);
    }
    if (this.#big) for (const e of this.#big) out.push(e);
    return out;
  }

  /** The longest run of occupied slots: how far a lookup may have to probe (for tests). */
  longestRun(): number {
    let longest = 0;
    let run = 0;
    // Twice round, so that a run wrapping past the end is counted whole.
    for (let i = 0; i < 2 * this.#keys.length; i++) {
      run = this.#keys[i & (this.#keys.length - 1)] === EMPTY ? 0 : run + 1;
      longest = Math.max(longest, Math.min(run, this.#count));
    }
    return longest;
  }

  /** The slot of `key`, or -1. */
  #find(key: number): number {
    const keys = this.#keys;
    const mask = keys.length - 1;
    for (let i = this.#home(key); ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) return i;
      if (k === EMPTY || k === undefined) return -1;
    }
  }

  /** Fibonacci hashing of both 32-bit halves: consecutive ids land in distinct, spread slots. */
  #home(key: number): number {
    const lo = (key >>> 0) ^ this.#salt;
    const hi = (key / 4294967296) >>> 0;
    const h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
    return Math.imul(h ^ (h >>> 15) ^ this.#salt, 0x2c1b3c6d) >>> (32 - this.#bits);
  }

  /** Slots allocated (twice the most entries held at once, up to a burst's size until it empties). */
  get capacity(): number {
    return this.#keys.length;
  }

  #reset(): void {
    this.#bits = MIN_BITS;
    this.#keys = new Float64Array(1 << MIN_BITS).fill(EMPTY);
    this.#values = new Array<V | undefined>(1 << MIN_BITS).fill(undefined);
  }

  #grow(): void {
    const keys = this.#keys;
    const values = this.#values;
    this.#bits++;
    this.#keys = new Float64Array(1 << this.#bits).fill(EMPTY);
    this.#values = new Array<V | undefined>(1 << this.#bits).fill(undefined);
    this.#count = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] ?? EMPTY;
      if (k !== EMPTY) this.set(k, values[i] as V);
    }
  }
}
