// The stash itself: named tables of key -> value held in the arbiter's memory, with size limits,
// optional per-key TTL and atomic counter/conditional writes. Pure: time comes in as `now` (ms).

import { StashError, StashTableNotFoundError } from '../errors.js';
import { entryCost, tableCost } from './cost.js';
import { ExpiryHeap } from './expiry-heap.js';
import { KeyScan } from './key-scan.js';
import { keyForMessage, normalizeKey } from './key.js';
import { checkKeySize, checkPatternSize, checkTableNameSize, expiryTime, resolveLimits, tableName } from './limits.js';
import { tooManyBytes, tooManyKeys, tooManyTables, type PutOptions, type StashLimits } from './limits.js';
import type { Entry, StashLookup, StashStats, Table, TableInfo } from './store-types.js';
import { detach, fromInt64, INT64_MAX, INT64_MIN, toInt64, valueEquals, type StashKey } from './value.js';

export { DEFAULT_STASH_LIMITS, type PutOptions, type StashLimits } from './limits.js';
export { KeyScan } from './key-scan.js';
export type { StashLookup, StashStats, TableInfo } from './store-types.js';

/** Below this many stale heap records, compaction is not worth it. */
const COMPACT_FLOOR = 1024;
/** Most expired keys one operation removes on its way (removing 100 000 at once took 300 ms here). */
const PURGE_BUDGET = 1000;

export class StashStore {
  readonly limits: StashLimits;
  readonly #tables = new Map<string, Table>();
  readonly #heap = new ExpiryHeap<Entry>();
  #bytes = 0;
  #keys = 0;
  #ttlLive = 0;
  readonly #keepViews: boolean;

  /** `keepViews`: keep large received bytes values as they are instead of copying them (detach in value.ts). */
  constructor(limits: Partial<StashLimits> = {}, options: { readonly keepViews?: boolean } = {}) {
    this.limits = resolveLimits(limits);
    this.#keepViews = options.keepViews === true;
  }

  /** Stores a copy of `value` (creating the table); a put without `ttlMs` clears an earlier TTL. */
  put(now: number, table: string, key: StashKey, value: unknown, opts?: PutOptions): void {
    this.#write(now, tableName(table), key, value, expiryTime(now, opts));
  }

  /** The live value; a stored value is shared with the store and must not be mutated. */
  get(now: number, table: string, key: StashKey): StashLookup {
    const entry = this.#live(now, this.#tables.get(table), this.#nk(table, key));
    return entry ? { found: true, value: entry.value } : { found: false };
  }

  delete(now: number, table: string, key: StashKey): boolean {
    const t = this.#tables.get(table);
    const entry = this.#live(now, t, this.#nk(table, key));
    if (t && entry) this.#remove(t, entry);
    return entry !== undefined;
  }

  /** Live keys in insertion order; `pattern` (an fnmatch glob on Python's `str(key)`) filters when non-empty. */
  keys(now: number, table: string, pattern?: string): StashKey[] {
    const scan = this.scanKeys(now, table, pattern);
    scan.run(now, Infinity);
    return scan.keys;
  }

  /**
   * KEYS as a scan to run in slices (KeyScan.run with a budget of steps). Throws StashLimitError for a
   * pattern longer than maxPatternBytes, before any work.
   */
  scanKeys(_now: number, table: string, pattern?: string): KeyScan {
    if (pattern) checkPatternSize(this.limits, table, pattern);
    const t = this.#tables.get(table);
    const entries: Iterator<Entry> = t ? t.entries.values() : [].values();
    return new KeyScan(entries, pattern, (e, now) => {
      const entry = e as Entry;
      if (!this.#isLive(entry)) return false;
      if (entry.at > now) return true;
      this.#remove(entry.table, entry);
      return false;
    });
  }

  /** Empties the table (in constant time: the old entries are dropped at once); a missing table stays missing. */
  clear(table: string): void {
    const t = this.#tables.get(table);
    if (!t) return;
    this.#bytes -= t.bytes;
    this.#keys -= t.entries.size;
    this.#ttlLive -= t.ttlCount;
    t.entries = new Map();
    t.bytes = 0;
    t.ttlCount = 0;
    this.#compact(); // the heap's records of the old entries are stale now
  }

  /** Throws StashTableNotFoundError for a missing table. */
  info(now: number, table: string): TableInfo {
    const t = this.#tables.get(table);
    if (!t) throw new StashTableNotFoundError(`Table not found: ${table}`, { table_name: table });
    this.#purgeExpired(now, t);
    let size = t.entries.size;
    // Expired keys beyond the purge budget are left to the sweep, but not counted.
    if (t.ttlCount > 0) for (const entry of t.entries.values()) if (entry.at <= now) size--;
    return { size, table };
  }

  /** Creates an empty table if missing (idempotent). */
  ensure(table: string): void {
    this.#table(tableName(table), 0);
  }

  /** Without `key`, whether the table exists; with it, whether the key is live in the table. */
  exists(now: number, table: string, key?: StashKey): boolean {
    const t = this.#tables.get(table);
    if (key === undefined) return t !== undefined;
    return this.#live(now, t, this.#nk(table, key)) !== undefined;
  }

  deleteTable(table: string): boolean {
    const t = this.#tables.get(table);
    if (!t) return false;
    this.clear(table);
    this.#tables.delete(table);
    this.#bytes -= t.nameBytes;
    return true;
  }

  tables(): string[] {
    return [...this.#tables.keys()];
  }

  /**
   * Adds `by` to an int64 value (a missing key counts as 0) and returns the new value. An existing key
   * keeps its expiry; `ttlMs` applies only when this call creates the key (a fixed-window counter).
   * Throws StashError when the stored value is not an integer or the result overflows int64.
   */
  incr(now: number, table: string, key: StashKey, by: number | bigint = 1, opts?: PutOptions): number | bigint {
    const step = typeof by === 'number' && Number.isSafeInteger(by) ? by : toInt64(by);
    if (step === undefined) throw new TypeError(`Expected \`by\` to be an int64 integer, got \`${String(by)}\` (${typeof by})`);
    const name = tableName(table);
    const current = this.#live(now, this.#tables.get(name), this.#nk(name, key));
    const counted = current ? current.value : 0;
    // Numbers only: no bigint; an entry changes in place (same cost, key, place, expiry). `+ 0`: -0 is 0, as in the bigint sum.
    if (typeof step === 'number' && typeof counted === 'number' && Number.isSafeInteger(counted) && Number.isSafeInteger(counted + step)) {
      const sum = counted + step + 0;
      if (current) current.value = sum;
      else this.#write(now, name, key, sum, expiryTime(now, opts));
      return sum;
    }
    const base = current ? toInt64(current.value) : 0n;
    const next = base === undefined ? undefined : base + BigInt(step);
    if (next === undefined || next < INT64_MIN || next > INT64_MAX) {
      const why = next === undefined ? 'the stored value is not an integer' : `${next} overflows int64`;
      throw new StashError(`Cannot increment ${name}/${keyForMessage(key)}: ${why}`, { table_name: name, key });
    }
    const value = fromInt64(next);
    this.#write(now, name, key, value, current ? current.at : expiryTime(now, opts));
    return value;
  }

  /** Stores the value only when the key is absent (or expired); true when it did. */
  putIfAbsent(now: number, table: string, key: StashKey, value: unknown, opts?: PutOptions): boolean {
    const name = tableName(table);
    const at = expiryTime(now, opts);
    if (this.#live(now, this.#tables.get(name), this.#nk(name, key))) return false;
    this.#write(now, name, key, value, at);
    return true;
  }

  /** Replaces the value only when the live value deep-equals `expected` (bytes by content); like put for TTL. */
  compareAndSet(now: number, table: string, key: StashKey, expected: unknown, value: unknown, opts?: PutOptions): boolean {
    const name = tableName(table);
    const at = expiryTime(now, opts);
    const current = this.#live(now, this.#tables.get(name), this.#nk(name, key));
    if (!current || !valueEquals(current.value, expected)) return false;
    this.#write(now, name, key, value, at);
    return true;
  }

  /**
   * Removes expired keys, earliest deadline first, examining at most `budget` due expiry records
   * (so at most `budget` keys go). Cheap: a heap pop per record, no table scan. Returns how many went.
   */
  sweep(now: number, budget = Infinity): number {
    let examined = 0;
    let removed = 0;
    for (let top = this.#heap.peek(); top !== undefined && top.at <= now && examined < budget; top = this.#heap.peek()) {
      this.#heap.pop();
      examined++;
      if (this.#isLive(top)) {
        this.#remove(top.table, top);
        removed++;
      }
    }
    return removed;
  }

  /** Totals, counting expired keys that no access or sweep has removed yet. */
  stats(): StashStats {
    return { tables: this.#tables.size, keys: this.#keys, bytes: this.#bytes };
  }

  /** The table, created if missing after checking the table and byte limits with `extraBytes` to add. */
  #table(name: string, extraBytes: number): Table {
    const existing = this.#tables.get(name);
    if (existing) return existing;
    if (this.#tables.size >= this.limits.maxTables) throw tooManyTables(this.limits, name);
    checkTableNameSize(this.limits, name);
    const nameBytes = tableCost(detach(name).cost);
    const total = this.#bytes + nameBytes + extraBytes;
    if (total > this.limits.maxTotalBytes) throw tooManyBytes(this.limits, name, total);
    const table: Table = { name, nameBytes, entries: new Map(), bytes: 0, ttlCount: 0 };
    this.#tables.set(name, table);
    this.#bytes += nameBytes;
    return table;
  }

  /** Validates and copies first, then checks every limit, then commits: a rejected write changes nothing. */
  #write(now: number, name: string, key: StashKey, value: unknown, at: number): void {
    const nk = this.#nk(name, key);
    const k = detach(key);
    const v = detach(value, 0, this.#keepViews);
    const bytes = entryCost(nk, k.cost, v.cost);
    let t = this.#tables.get(name);
    const current = this.#live(now, t, nk);
    const { maxKeysPerTable, maxTotalBytes } = this.limits;
    const table = t;
    const roomForOne = (): boolean => (table?.entries.size ?? 0) < maxKeysPerTable;
    if (table && !current && !roomForOne() && this.#purgeExpired(now, table, roomForOne) >= maxKeysPerTable) {
      throw tooManyKeys(this.limits, name);
    }
    const totalAfter = (): number => this.#bytes - (current?.bytes ?? 0) + bytes;
    if (t && totalAfter() > maxTotalBytes) {
      this.#purgeExpired(now, t, () => totalAfter() <= maxTotalBytes); // `current` is live, so it stays
      const total = totalAfter();
      if (total > maxTotalBytes) throw tooManyBytes(this.limits, name, total);
    }
    t ??= this.#table(name, bytes);
    if (current) this.#account(t, current, -1);
    // An overwrite keeps the key's first spelling (1 vs 1n) and its place, as a Python dict does.
    const entry: Entry = { table: t, nk, key: current ? current.key : (k.value as StashKey), value: v.value, bytes, at };
    t.entries.set(nk, entry);
    this.#account(t, entry, 1);
    if (at !== Infinity) this.#heap.push(entry);
  }

  #account(t: Table, entry: Entry, sign: 1 | -1): void {
    this.#bytes += sign * entry.bytes;
    t.bytes += sign * entry.bytes;
    this.#keys += sign;
    if (entry.at !== Infinity) {
      t.ttlCount += sign;
      this.#ttlLive += sign;
      if (sign < 0) this.#compact();
    }
  }

  #remove(t: Table, entry: Entry): void {
    t.entries.delete(entry.nk);
    this.#account(t, entry, -1);
  }

  /** The entry when present and unexpired; an expired one is removed on the way. */
  #live(now: number, t: Table | undefined, nk: string): Entry | undefined {
    const entry = t?.entries.get(nk);
    if (!t || !entry) return undefined;
    if (entry.at > now) return entry;
    this.#remove(t, entry);
    return undefined;
  }

  /**
   * Drops the table's expired entries (a scan, only when it holds TTL keys) until `enough`, at most
   * PURGE_BUDGET of them (the sweep removes the rest); returns the table's size.
   */
  #purgeExpired(now: number, t: Table, enough: () => boolean = () => false): number {
    if (t.ttlCount === 0) return t.entries.size;
    let removed = 0;
    for (const entry of t.entries.values()) {
      if (entry.at > now) continue;
      this.#remove(t, entry);
      if (enough() || ++removed >= PURGE_BUDGET) break;
    }
    return t.entries.size;
  }

  /** The Map key of `key`, after refusing a key longer than maxKeyBytes. */
  #nk(table: string, key: StashKey): string {
    checkKeySize(this.limits, table, key);
    return normalizeKey(key);
  }

  #isLive(entry: Entry): boolean {
    return this.#tables.get(entry.table.name) === entry.table && entry.table.entries.get(entry.nk) === entry;
  }

  /** Rebuilds the heap once stale records (overwritten, deleted, expired) outnumber live ones. */
  #compact(): void {
    const stale = this.#heap.size - this.#ttlLive;
    if (stale > COMPACT_FLOOR && stale > this.#ttlLive) this.#heap.retain((e) => this.#isLive(e));
  }
}
