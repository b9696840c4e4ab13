// Wire constants of gunicorn's dirty protocol v1 (header `>2sBBIQ` + TLV payload) and our limits;
// the TLV tags and limits are in tlv-kinds.ts.
// The format is written down once in docs/protocol.md; keep both in step.

/** "GD", the first two bytes of every frame. */
export const MAGIC = 0x4744;
export const VERSION = 1;
/** magic(2) + version(1) + type(1) + payload length(4) + request id(8), big-endian. */
export const HEADER_SIZE = 16;
/** Largest payload a frame may announce (gunicorn's MAX_MESSAGE_SIZE); also the bytes/str limit. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
/**
 * Longest `app_path` or `action` string of a REQUEST, in UTF-8 bytes. The arbiter refuses a longer
 * one from its length alone, before decoding it (real names are short; a 64 MiB one cost ~250 ms).
 */
export const MAX_NAME_BYTES = 4096;
/** Largest request id (uint64). */
export const MAX_REQUEST_ID = 0xffff_ffff_ffff_ffffn;
/**
 * Request id of the fence on the arbiter-worker channel: the arbiter sends CANCEL 0 (its request ids
 * start at 1) when it stops routing to a worker. IPC 'retire' and the frame channel are two sockets
 * with no order between them, so without the fence a worker could see 'retire' before a REQUEST
 * already sent to it.
 */
export const FENCE_ID = 0n;

/** Header byte 3. CANCEL and CREDIT are our extensions, numbered away from gunicorn's blocks (0x0_, 0x1_). */
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
  CREDIT: 0x21,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** The frame types that answer a call (what a client receives); the others only clients send. */
export type AnswerType = typeof MessageType.RESPONSE | typeof MessageType.ERROR | typeof MessageType.CHUNK | typeof MessageType.END;

export function isAnswerType(type: MessageType): type is AnswerType {
  return type >= MessageType.RESPONSE && type <= MessageType.END;
}

/** `op` of a MANAGE payload: ADD and REMOVE are gunicorn's; SET and RELOAD are our extension (docs/protocol.md). */
export const ManageOp = { ADD: 1, REMOVE: 2, SET: 3, RELOAD: 4 } as const;
export type ManageOp = (typeof ManageOp)[keyof typeof ManageOp];

/** `op` of a STASH payload: gunicorn's STASH_OP_* (1-10), then ours from 100, which gunicorn never uses (docs/stash.md). */
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
  INCR: 100,
  PUT_IF_ABSENT: 101,
  COMPARE_AND_SET: 102,
} as const;
export type StashOp = (typeof StashOp)[keyof typeof StashOp];

const MESSAGE_TYPES: ReadonlySet<number> = new Set(Object.values(MessageType));

export function isMessageType(value: number): value is MessageType {
  return MESSAGE_TYPES.has(value);
}

const MESSAGE_TYPE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(MessageType).map(([name, value]) => [value, name]));

/** Printable name of a message type, for logs and error messages ("REQUEST", "0x7f"). A lookup: the client names every request with it. */
export function messageTypeName(type: number): string {
  return MESSAGE_TYPE_NAMES.get(type) ?? `0x${type.toString(16).padStart(2, '0')}`;
}
