// The 16-byte frame header (docs/protocol.md §Header): magic "GD", version 1, message type,
// uint32 payload length, uint64 request id, big-endian. Writing, checking and validated reading.
import { Buffer } from 'node:buffer';
import { DirtyProtocolError } from '../errors.js';
import { HEADER_SIZE, MAGIC, MAX_PAYLOAD_BYTES, MAX_REQUEST_ID, VERSION, isMessageType, messageTypeName, type MessageType } from './constants.js';
import { joinUint64, TWO_32 } from './tlv-kinds.js';

/**
 * A request id (uint64 on the wire) as a relay keeps it: a number up to 2^53 - 1 (no BigInt per
 * frame), a bigint above. Each id has one form (joinRequestId), so either works as a Map key.
 */
export type RequestId = number | bigint;

/** The request id with big-endian uint32 halves `hi`, `lo`, in its one RequestId form. */
export function joinRequestId(hi: number, lo: number): RequestId {
  return hi < 0x200000 ? hi * TWO_32 + lo : joinUint64(hi, lo);
}

/** The fields of a validated header. */
export interface FrameHeader {
  readonly type: MessageType;
  readonly requestId: bigint;
  readonly payloadLength: number;
}

/** 16-byte header: magic "GD", version 1, type, uint32 payload length, uint64 request id. */
export function encodeHeader(type: MessageType, requestId: RequestId, payloadLength: number): Buffer {
  checkHeaderFields(type, requestId, payloadLength);
  const buf = Buffer.allocUnsafe(HEADER_SIZE);
  writeHeader(buf, 0, type, requestId, payloadLength);
  return buf;
}

/**
 * Reads and validates the 16 header bytes at `offset` (magic, version, known type, length limit).
 * @throws DirtyProtocolError naming the bad field.
 */
export function decodeHeader(buf: Uint8Array, offset = 0, maxPayloadBytes = MAX_PAYLOAD_BYTES): FrameHeader {
  if (buf.length - offset < HEADER_SIZE) {
    throw new DirtyProtocolError(`Invalid frame header: ${buf.length - offset} bytes, expected ${HEADER_SIZE}`);
  }
  const b = (i: number): number => buf[offset + i] ?? 0;
  const magic = (b(0) << 8) | b(1);
  if (magic !== MAGIC) {
    throw new DirtyProtocolError(`Invalid frame header: bad magic 0x${hex(magic, 4)} (expected 0x4744 "GD")`, { magic });
  }
  if (b(2) !== VERSION) {
    throw new DirtyProtocolError(`Invalid frame header: unsupported protocol version ${b(2)} (expected ${VERSION})`, { version: b(2) });
  }
  const type = b(3);
  if (!isMessageType(type)) {
    throw new DirtyProtocolError(`Invalid frame header: unknown message type 0x${hex(type, 2)}`, { type });
  }
  const payloadLength = b(4) * 0x1000000 + ((b(5) << 16) | (b(6) << 8) | b(7));
  if (payloadLength > maxPayloadBytes) {
    throw new DirtyProtocolError(`Invalid frame header: ${messageTypeName(type)} payload of ${payloadLength} bytes exceeds the limit of ${maxPayloadBytes}`, {
      type,
      payloadLength,
      maxPayloadBytes,
    });
  }
  const hi = b(8) * 0x1000000 + ((b(9) << 16) | (b(10) << 8) | b(11));
  const lo = b(12) * 0x1000000 + ((b(13) << 16) | (b(14) << 8) | b(15));
  const requestId = joinUint64(hi, lo);
  return { type, requestId, payloadLength };
}

export function checkHeaderFields(type: number, requestId: RequestId, payloadLength: number): void {
  if (!isMessageType(type)) throw new DirtyProtocolError(`Cannot encode frame: unknown message type ${String(type)}`);
  if (
    typeof requestId === 'number'
      ? !(Number.isSafeInteger(requestId) && requestId >= 0)
      : typeof requestId !== 'bigint' || requestId < 0n || requestId > MAX_REQUEST_ID
  ) {
    throw new DirtyProtocolError(`Cannot encode frame: request id ${String(requestId)} is not a uint64 (a bigint, or a safe integer)`);
  }
  if (!Number.isInteger(payloadLength) || payloadLength < 0 || payloadLength > MAX_PAYLOAD_BYTES) {
    throw new DirtyProtocolError(`Cannot encode frame: payload length ${payloadLength} is outside 0..${MAX_PAYLOAD_BYTES}`);
  }
}

/** Writes a 16-byte header at `at` (fields already checked). */
export function writeHeader(buf: Buffer, at: number, type: MessageType, requestId: RequestId, payloadLength: number): void {
  buf[at] = MAGIC >>> 8;
  buf[at + 1] = MAGIC & 0xff;
  buf[at + 2] = VERSION;
  buf[at + 3] = type;
  putU32(buf, at + 4, payloadLength);
  if (typeof requestId === 'number') {
    const hi = Math.floor(requestId / TWO_32);
    putU32(buf, at + 8, hi);
    putU32(buf, at + 12, requestId - hi * TWO_32);
  } else if (requestId <= 0xffff_ffffn) {
    putU32(buf, at + 8, 0);
    putU32(buf, at + 12, Number(requestId));
  } else {
    buf.writeBigUInt64BE(requestId, at + 8);
  }
}

/** Big-endian uint32 (the caller checked the range). */
function putU32(buf: Buffer, at: number, n: number): void {
  buf[at] = n >>> 24;
  buf[at + 1] = n >>> 16;
  buf[at + 2] = n >>> 8;
  buf[at + 3] = n;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
