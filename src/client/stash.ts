// client.stash: gunicorn's stash operations over the client's connection (STASH 0x10 frames),
// plus atomic extensions (incr, putIfAbsent, compareAndSet) and a Map-like table view.
import { StashKeyNotFoundError, StashTableNotFoundError } from '../errors.js';
import { MessageType, messageTypeName, StashOp } from '../protocol/constants.js';
import type { Connection } from './connection.js';
import type { RequestOptions } from './unary-call.js';
import * as check from './validate.js';

/** Options of writes: `ttlMs` expires the key that long after the write (sent as `ttl_ms`, which stock gunicorn ignores). */
export interface StashWriteOptions extends RequestOptions {
  readonly ttlMs?: number;
}

/** The dict keys of each request shape (op and table first); values go in the same order. */
const TABLE = ['op', 'table'];
const KEY = ['op', 'table', 'key'];
const PATTERN = ['op', 'table', 'pattern'];
const KEY_VALUE = ['op', 'table', 'key', 'value'];
const KEY_VALUE_TTL = [...KEY_VALUE, 'ttl_ms'];
const KEY_BY = ['op', 'table', 'key', 'by'];
const KEY_BY_TTL = [...KEY_BY, 'ttl_ms'];
const CAS = ['op', 'table', 'key', 'expected', 'value'];
const CAS_TTL = [...CAS, 'ttl_ms'];
const LABEL = `${messageTypeName(MessageType.STASH)} request`;

/**
 * The arbiter's shared tables. Every operation is one round trip and atomic in the arbiter.
 * Data lives as long as the arbiter process: a restart empties it (as in gunicorn).
 * @example
 * await client.stash.put('sessions', sid, { user: 42 }, { ttlMs: 3_600_000 });
 * const views = await client.stash.incr('counters', 'views');
 */
export class StashClient {
  readonly #conn: Connection;

  constructor(conn: Connection) {
    this.#conn = conn;
  }

  /**
   * Sends the dict keys[i] -> values[i] (values[0] is the op, values[1] the table), encoded field by
   * field: no payload object per call. A field whose value is undefined is left out.
   */
  #send(keys: readonly string[], values: unknown[], options: RequestOptions = {}): Promise<unknown> {
    const table = values[1];
    if (typeof table !== 'string') throw new TypeError(`Expected \`table\` to be a string, got \`${String(table)}\` (${typeof table})`);
    if (values.includes(undefined)) {
      const k = keys.filter((_, i) => values[i] !== undefined);
      return this.#conn.requestFields(
        MessageType.STASH,
        LABEL,
        k,
        values.filter((v) => v !== undefined),
        options,
      );
    }
    return this.#conn.requestFields(MessageType.STASH, LABEL, keys, values, options);
  }

  /** A write's keys: `withTtl` (and its ttl_ms appended to `values`) when options.ttlMs is set. */
  #write(keys: readonly string[], withTtl: readonly string[], values: unknown[], options: StashWriteOptions): readonly string[] {
    if (options.ttlMs === undefined) return keys;
    check.assertDurationMs('ttlMs', options.ttlMs);
    values.push(options.ttlMs);
    return withTtl;
  }

  /** Stores `value` under `key`, creating the table if needed. */
  async put(table: string, key: unknown, value: unknown, options: StashWriteOptions = {}): Promise<void> {
    const values = [StashOp.PUT, table, key, value];
    await this.#send(this.#write(KEY_VALUE, KEY_VALUE_TTL, values, options), values, options);
  }

  /** The value, or `fallback` when the key or the table is missing (gunicorn's raises instead). */
  async get(table: string, key: unknown, fallback?: unknown, options: RequestOptions = {}): Promise<unknown> {
    try {
      return await this.#send(KEY, [StashOp.GET, table, key], options);
    } catch (err) {
      if (err instanceof StashKeyNotFoundError || err instanceof StashTableNotFoundError) return fallback;
      throw err;
    }
  }

  /** The value; StashKeyNotFoundError when the key or table is missing. */
  getOrThrow(table: string, key: unknown, options: RequestOptions = {}): Promise<unknown> {
    return this.#send(KEY, [StashOp.GET, table, key], options);
  }

  async delete(table: string, key: unknown, options: RequestOptions = {}): Promise<boolean> {
    return (await this.#send(KEY, [StashOp.DELETE, table, key], options)) === true;
  }

  /** Keys of the table (`[]` when missing), optionally filtered by an fnmatch glob on the key's string form. */
  async keys(table: string, pattern?: string, options: RequestOptions = {}): Promise<unknown[]> {
    return (await this.#send(PATTERN, [StashOp.KEYS, table, pattern], options)) as unknown[];
  }

  async clear(table: string, options: RequestOptions = {}): Promise<void> {
    await this.#send(TABLE, [StashOp.CLEAR, table], options);
  }

  /** `{ size, table }`; StashTableNotFoundError when the table is missing. */
  async info(table: string, options: RequestOptions = {}): Promise<{ size: number; table: string }> {
    return (await this.#send(TABLE, [StashOp.INFO, table], options)) as { size: number; table: string };
  }

  async ensure(table: string, options: RequestOptions = {}): Promise<void> {
    await this.#send(TABLE, [StashOp.ENSURE, table], options);
  }

  /** Whether the table exists, or with `key`, whether the key is in it. */
  async exists(table: string, key?: unknown, options: RequestOptions = {}): Promise<boolean> {
    return (await this.#send(KEY, [StashOp.EXISTS, table, key], options)) === true;
  }

  async deleteTable(table: string, options: RequestOptions = {}): Promise<boolean> {
    return (await this.#send(TABLE, [StashOp.DELETE_TABLE, table], options)) === true;
  }

  async tables(options: RequestOptions = {}): Promise<string[]> {
    return (await this.#send(TABLE, [StashOp.TABLES, ''], options)) as string[];
  }

  /**
   * Adds `by` (default 1) to an integer value (a missing key counts as 0) and returns the new value, atomically.
   * The answer's own promise (no async wrapper: one microtask less per counter); a bad argument still rejects.
   */
  incr(table: string, key: unknown, by = 1, options: StashWriteOptions = {}): Promise<number | bigint> {
    try {
      const values = [StashOp.INCR, table, key, by];
      return this.#send(this.#write(KEY_BY, KEY_BY_TTL, values, options), values, options) as Promise<number | bigint>;
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Stores `value` only if `key` is absent; true when it did. */
  async putIfAbsent(table: string, key: unknown, value: unknown, options: StashWriteOptions = {}): Promise<boolean> {
    const values = [StashOp.PUT_IF_ABSENT, table, key, value];
    return (await this.#send(this.#write(KEY_VALUE, KEY_VALUE_TTL, values, options), values, options)) === true;
  }

  /** Replaces the value only if it currently equals `expected` (null: the key is absent); true when it did. */
  async compareAndSet(table: string, key: unknown, expected: unknown, value: unknown, options: StashWriteOptions = {}): Promise<boolean> {
    const values = [StashOp.COMPARE_AND_SET, table, key, expected ?? null, value];
    return (await this.#send(this.#write(CAS, CAS_TTL, values, options), values, options)) === true;
  }

  /** A Map-like view of one table; every method is one round trip (entries() is 1 + N). */
  table(name: string): StashTable {
    check.assertNonEmptyString('table', name);
    return new StashTable(this, name);
  }
}

/** Async Map-like access to one stash table. */
export class StashTable {
  readonly #stash: StashClient;
  readonly name: string;

  constructor(stash: StashClient, name: string) {
    this.#stash = stash;
    this.name = name;
  }

  get(key: unknown): Promise<unknown> {
    return this.#stash.get(this.name, key);
  }

  async set(key: unknown, value: unknown, options: StashWriteOptions = {}): Promise<this> {
    await this.#stash.put(this.name, key, value, options);
    return this;
  }

  has(key: unknown): Promise<boolean> {
    return this.#stash.exists(this.name, key);
  }

  delete(key: unknown): Promise<boolean> {
    return this.#stash.delete(this.name, key);
  }

  keys(pattern?: string): Promise<unknown[]> {
    return this.#stash.keys(this.name, pattern);
  }

  async entries(): Promise<[unknown, unknown][]> {
    const keys = await this.keys();
    const out: [unknown, unknown][] = [];
    for (const k of keys) {
      const v = await this.#stash.get(this.name, k, undefined);
      if (v !== undefined) out.push([k, v]);
    }
    return out;
  }

  async size(): Promise<number> {
    return (await this.#stash.exists(this.name)) ? (await this.#stash.info(this.name)).size : 0;
  }

  clear(): Promise<void> {
    return this.#stash.clear(this.name);
  }
}
