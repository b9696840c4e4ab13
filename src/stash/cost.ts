// What stash data costs the arbiter's memory, in bytes: the V8 objects a stored value is made of (headers,
// slots, dictionary entries, boxed numbers, Buffer objects) and the store's own records per key and table.
// The figures are upper bounds measured on Node 20/22 x64 (heap used after GC per item, docs/stash.md);
// `stashMaxBytes` is checked against their sum, so a full stash costs about what it says whatever its shape.

/** A pointer-size slot plus the spare capacity a growing array keeps. */
export const LIST_ITEM_COST = 16;
/** JSArray header and its backing store header. */
export const LIST_COST = 48;
/** An object: header plus its in-object property slots. */
export const DICT_COST = 64;
/** One property of a dictionary-mode object (key, value, details, spare capacity), key string apart. */
export const DICT_ENTRY_COST = 64;
/** A boxed double or int (a HeapNumber); small ints need none, but are charged alike. */
export const NUMBER_COST = 16;
export const BIGINT_COST = 32;
/** String header and hash. */
export const STRING_COST = 24;
/** A Buffer: the typed array, its ArrayBuffer and the backing store record, content apart. */
export const BYTES_COST = 208;
/** Per key: the entry record, its Map slot (with spare capacity) and its expiry-heap slot. */
export const ENTRY_COST = 176;
/** Per table: the table record, its Map of entries and its slot in the table Map. */
export const TABLE_COST = 512;

/** A string's cost: one byte per character when every character is Latin-1, else two. */
export function stringCost(text: string, utf8Bytes: number): number {
  // Equal lengths mean ASCII: V8 keeps it one byte per character; otherwise count two per UTF-16 unit.
  return STRING_COST + (utf8Bytes === text.length ? text.length : 2 * text.length);
}

export function bytesCost(byteLength: number): number {
  return BYTES_COST + byteLength;
}

/** A stored key's cost: the record, the key as given (`keyCost`), its Map key `nk`, and the value. */
export function entryCost(nk: string, keyCost: number, valueCost: number): number {
  return ENTRY_COST + keyCost + stringCost(nk, Buffer.byteLength(nk)) + valueCost;
}

/** A table's cost before any entry, from its name's cost. */
export function tableCost(nameCost: number): number {
  return TABLE_COST + nameCost;
}
