// The records of the stash store (store.ts): what it answers with and what it keeps per table and key.

import type { StashKey, StashValue } from './value.js';

export type StashLookup = { readonly found: true; readonly value: StashValue } | { readonly found: false };
export interface TableInfo {
  readonly size: number;
  readonly table: string;
}
export interface StashStats {
  readonly tables: number;
  readonly keys: number;
  readonly bytes: number;
}

export interface Table {
  readonly name: string;
  /** What the table costs before any entry (src/stash/cost.ts). */
  readonly nameBytes: number;
  /** Replaced by a new Map on clear, so clearing costs nothing per key. */
  entries: Map<string, Entry>;
  /** The entries' bytes together. */
  bytes: number;
  ttlCount: number;
}
export interface Entry {
  readonly table: Table;
  readonly nk: string;
  readonly key: StashKey;
  /** Replaced in place only by an incr of a number by a number (same cost, same key, same expiry). */
  value: StashValue;
  /** What the entry costs: record, key (twice: as given and as the Map key) and value (src/stash/cost.ts). */
  readonly bytes: number;
  /** Expiry time in ms; Infinity when the key never expires. */
  readonly at: number;
}
