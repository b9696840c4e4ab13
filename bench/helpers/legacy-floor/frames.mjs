// Floor framing for the raw Unix-socket relay: [u32 payload length][u32 id][payload], big-endian.
// A chunk list plus a byte count (like src/protocol/frame-decoder.ts): a frame inside one chunk is
// a view, a frame spanning chunks is copied once. No validation: this is the floor, not a protocol.
import { Buffer } from 'node:buffer';

export const HEADER = 8;

/** Returns push(chunk), calling onFrame(id, payload) for every complete frame, in order. */
export function frameReader(onFrame) {
  const chunks = [];
  let head = 0; // consumed bytes of chunks[0]
  let bytes = 0; // unconsumed bytes
  let len = -1; // payload length of the frame being awaited, -1 while the header is incomplete
  let id = 0;
  const scratch = Buffer.alloc(HEADER);

  const copy = (target, n) => {
    let copied = 0;
    let start = head;
    for (const c of chunks) {
      if (copied >= n) break;
      copied += c.copy(target, copied, start, Math.min(c.length, start + n - copied));
      start = 0;
    }
  };
  const skip = (n) => {
    bytes -= n;
    head += n;
    while (chunks.length > 0 && head >= chunks[0].length) {
      head -= chunks[0].length;
      chunks.shift();
    }
  };
  const take = (n) => {
    const first = chunks[0];
    if (first.length - head >= n) {
      const view = first.subarray(head, head + n);
      skip(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    copy(out, n);
    skip(n);
    return out;
  };

  return (chunk) => {
    chunks.push(chunk);
    bytes += chunk.length;
    for (;;) {
      if (len < 0) {
        if (bytes < HEADER) return;
        const first = chunks[0];
        let h = first;
        let at = head;
        if (first.length - head < HEADER) {
          copy(scratch, HEADER);
          h = scratch;
          at = 0;
        }
        len = h.readUInt32BE(at);
        id = h.readUInt32BE(at + 4);
        skip(HEADER);
      }
      if (bytes < len) return;
      const payload = len === 0 ? Buffer.alloc(0) : take(len);
      const fid = id;
      len = -1;
      onFrame(fid, payload);
    }
  };
}

export function header(id, length) {
  const h = Buffer.allocUnsafe(HEADER);
  h.writeUInt32BE(length, 0);
  h.writeUInt32BE(id, 4);
  return h;
}
