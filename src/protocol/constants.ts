// Wire constants of gunicorn's dirty protocol v1 (header `>2sBBIQ` + TLV payload) and our limits.
// The format is written down once in docs/protocol.md; keep both in step.

/** "GD", the first two bytes of every frame. */
export const MAGIC = 0x4744;
export const VERSION = 1;
/** magic(2) + version(1) + type(1) + payload length(4) + request id(8), big-endian. */
export const HEADER_SIZE = 16;
/** Largest payload a frame may announce (gunicorn's MAX_MESSAGE_SIZE); also the bytes/str limit. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
/** Largest list or dict count (gunicorn's MAX_LIST_SIZE / MAX_DICT_SIZE). */
export const MAX_ITEMS = 1_048_576;
/** Our nesting limit (gunicorn has none): guards the recursive decoder against deep-nesting attacks. */
export const MAX_DEPTH = 128;
/** Byte values at least this long are referenced by encodeMessage, not copied. */
export const ZERO_COPY_BYTES = 64 * 1024;
/** Largest request id (uint64). */
export const MAX_REQUEST_ID = 0xffff_ffff_ffff_ffffn;

/** Header byte 3. CANCEL is our extension, numbered away from gunicorn's blocks (0x0_, 0x1_). */
export const MessageType = {
  REQUEST: 0x01,
  RESPONSE: 0x02,
  ERROR: 0x03,
  CHUNK: 0x04,
  END: 0x05,
  STASH: 0x10,
  STATUS: 0x11,
  MANAGE: 0x12,
  CANCEL: 0x20,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** `op` of a MANAGE payload: ADD and REMOVE are gunicorn's; SET and RELOAD are our extension (docs/protocol.md). */
export const ManageOp = { ADD: 1, REMOVE: 2, SET: 3, RELOAD: 4 } as const;
export type ManageOp = (typeof ManageOp)[keyof typeof ManageOp];

/** `op` of a STASH payload (gunicorn's STASH_OP_*). */
export const StashOp = {
  PUT: 1,
  GET: 2,
  DELETE: 3,
  KEYS: 4,
  CLEAR: 5,
  INFO: 6,
  ENSURE: 7,
  DELETE_TABLE: 8,
  TABLES: 9,
  EXISTS: 10,
} as const;
export type StashOp = (typeof StashOp)[keyof typeof StashOp];

/** TLV type tags (the first byte of every encoded value). */
export const Tag = {
  NONE: 0x00,
  BOOL: 0x01,
  INT: 0x05,
  FLOAT: 0x06,
  BYTES: 0x10,
  STR: 0x11,
  LIST: 0x20,
  DICT: 0x21,
} as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

const MESSAGE_TYPES: ReadonlySet<number> = new Set(Object.values(MessageType));

export function isMessageType(value: number): value is MessageType {
  return MESSAGE_TYPES.has(value);
}

/** Printable name of a message type, for logs and error messages ("REQUEST", "0x7f"). */
export function messageTypeName(type: number): string {
  for (const [name, value] of Object.entries(MessageType)) if (value === type) return name;
  return `0x${type.toString(16).padStart(2, '0')}`;
}
