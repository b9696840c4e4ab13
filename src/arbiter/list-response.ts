// A RESPONSE frame `{"result": [items...]}` encoded a batch of items at a time, so that answering a KEYS
// with tens of MiB of keys takes several short turns of the event loop instead of one long one.
// Each batch is encoded as a TLV list whose 5-byte head (tag, count) is dropped; the head of the whole
// list is written once with the total count (docs/protocol.md, TLV).
import { StashLimitError } from '../errors.js';
import { MAX_PAYLOAD_BYTES, MessageType } from '../protocol/constants.js';
import { encodeHeader } from '../protocol/frame.js';
import { encodeValue } from '../protocol/tlv.js';

const LIST_HEAD = 5;

/** What encoding an item costs, about its size in bytes: the unit of a slice's budget. */
export function itemSize(item: unknown): number {
  if (typeof item === 'string') return 2 * item.length;
  if (item instanceof Uint8Array) return item.byteLength;
  return 16;
}

export class ListResponse {
  readonly #items: readonly unknown[];
  readonly #parts: Buffer[] = [];
  #at = 0;
  #bytes = 0;

  constructor(items: readonly unknown[]) {
    this.#items = items;
  }

  /** Encodes items until about `budget` bytes of them are done; true once all are. */
  step(budget: number): boolean {
    const items = this.#items;
    const from = this.#at;
    let size = 0;
    while (this.#at < items.length && size < budget) size += itemSize(items[this.#at++]);
    if (this.#at > from) {
      const part = encodeValue(items.slice(from, this.#at)).subarray(LIST_HEAD);
      this.#parts.push(part);
      this.#bytes += part.length;
    }
    return this.#at >= items.length;
  }

  /** The frames of the finished response for `requestId`; a StashLimitError when it exceeds the frame limit. */
  frames(requestId: bigint): Buffer[] {
    const head = encodeValue({ result: [] });
    head.writeUInt32BE(this.#items.length, head.length - 4);
    const length = head.length + this.#bytes;
    if (length > MAX_PAYLOAD_BYTES) {
      throw new StashLimitError(`The answer would be ${length} bytes, more than a frame may carry (${MAX_PAYLOAD_BYTES}); use a narrower pattern`, {
        limit: 'frameBytes',
        max: MAX_PAYLOAD_BYTES,
      });
    }
    return [encodeHeader(MessageType.RESPONSE, requestId, length), head, ...this.#parts];
  }
}
