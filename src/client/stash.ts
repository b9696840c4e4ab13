// client.stash: gunicorn's stash operations over the client's connection (STASH 0x10 frames),
// plus atomic extensions (incr, putIfAbsent, compareAndSet) and a Map-like table view.
import { StashKeyNotFoundError, StashTableNotFoundError } from '../errors.js';
import { MessageType, StashOp } from '../protocol/constants.js';
import type { Connection } from './connection.js';
import type { RequestOptions } from './unary-call.js';
import * as check from './validate.js';

/** Options of writes: `ttlMs` expires the key that long after the write (sent as `ttl_ms`, which stock gunicorn ignores). */
export interface StashWriteOptions extends RequestOptions {
  readonly ttlMs?: number;
}

type Fields = Record<string, unknown>;

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

  #send(op: StashOp, table: string, extra: Fields = {}, options: RequestOptions = {}): Promise<unknown> {
    if (typeof table !== 'string') throw new TypeError(`Expected \`table\` to be a string, got \`${String(table)}\` (${typeof table})`);
    const payload: Fields = { op, table };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) payload[k] = v;
    return this.#conn.request(MessageType.STASH, payload, options);
  }

  #write(options: StashWriteOptions): Fields {
    if (options.ttlMs !== undefined) check.assertDurationMs('ttlMs', options.ttlMs);
    return { ttl_ms: options.ttlMs };
  }

  /** Stores `value` under `key`, creating the table if needed. */
  async put(table: string, key: unknown, value: unknown, options: StashWriteOptions = {}): Promise<void> {
    await this.#send(StashOp.PUT, table, { key, value, ...this.#write(options) }, options);
  }

  /** The value, or `fallback` when the key or the table is missing (gunicorn's raises instead). */
  async get(table: string, key: unknown, fallback?: unknown, options: RequestOptions = {}): Promise<unknown> {
    try {
      return await this.#send(StashOp.GET, table, { key }, options);
    } catch (err) {
      if (err instanceof StashKeyNotFoundError || err instanceof StashTableNotFoundError) return fallback;
      throw err;
    }
  }

  /** The value; StashKeyNotFoundError when the key or table is missing. */
  getOrThrow(table: string, key: unknown, options: RequestOptions = {}): Promise<unknown> {
    return this.#send(StashOp.GET, table, { key }, options);
  }

  async delete(table: string, key: unknown, options: RequestOptions = {}): Promise<boolean> {
    return (await this.#send(StashOp.DELETE, table, { key }, options)) === true;
  }

  /** Keys of the table (`[]` when missing), optionally filtered by an fnmatch glob on the key's string form. */
  async keys(table: string, pattern?: string, options: RequestOptions = {}): Promise<unknown[]> {
    return (await this.#send(StashOp.KEYS, table, { pattern }, options)) as unknown[];
  }

  async clear(table: string, options: RequestOptions = {}): Promise<void> {
    await this.#send(StashOp.CLEAR, table, {}, options);
  }

  /** `{ size, table }`; StashTableNotFoundError when the table is missing. */
  async info(table: string, options: RequestOptions = {}): Promise<{ size: number; table: string }> {
    return (await this.#send(StashOp.INFO, table, {}, options)) as { size: number; table: string };
  }

  async ensure(table: string, options: RequestOptions = {}): Promise<void> {
    await this.#send(StashOp.ENSURE, table, {}, options);
  }

  /** Whether the table exists, or with `key`, whether the key is in it. */
  async exists(table: string, key?: unknown, options: RequestOptions = {}): Promise<boolean> {
    return (await this.#send(StashOp.EXISTS, table, { key }, options)) === true;
  }

  async deleteTable(table: string, options: RequestOptions = {}): Promise<boolean> {
    return (await this.#send(StashOp.DELETE_TABLE, table, {}, options)) === true;
  }

  async tables(options: RequestOptions = {}): Promise<string[]> {
    return (await this.#send(StashOp.TABLES, '', {}, options)) as string[];
  }

  /** Adds `by` (default 1) to an integer value (a missing key counts as 0) and returns the new value, atomically. */
  async incr(table: string, key: unknown, by = 1, options: StashWriteOptions = {}): Promise<number | bigint> {
    return (await this.#send(StashOp.INCR, table, { key, by, ...this.#write(options) }, options)) as number | bigint;
  }

  /** Stores `value` only if `key` is absent; true when it did. */
  async putIfAbsent(table: string, key: unknown, value: unknown, options: StashWriteOptions = {}): Promise<boolean> {
    return (await this.#send(StashOp.PUT_IF_ABSENT, table, { key, value, ...this.#write(options) }, options)) === true;
  }

  /** Replaces the value only if it currently equals `expected` (null: the key is absent); true when it did. */
  async compareAndSet(table: string, key: unknown, expected: unknown, value: unknown, options: StashWriteOptions = {}): Promise<boolean> {
    return (await this.#send(StashOp.COMPARE_AND_SET, table, { key, expected: expected ?? null, value, ...this.#write(options) }, options)) === true;
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
