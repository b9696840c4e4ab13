// Floor stream worker: listens on argv[2]; a request frame whose payload is a uint32 `n` is
// answered with `n` frames carrying the payload in argv[3] (hex: the TLV CHUNK payload our worker
// sends), then an empty frame (the end). Framing of floor-frames.mjs. Writes respect 'drain'.
import { Buffer } from 'node:buffer';
import { createServer } from 'node:net';
import { frameReader, HEADER, payloadOf } from './floor-frames.mjs';

/** An 8-byte frame header: [u32 payload length][u32 id]. */
const header = (id, length) => {
  const h = Buffer.alloc(HEADER);
  h.writeUInt32BE(length, 0);
  h.writeUInt32BE(id, 4);
  return h;
};

const [path, hex] = process.argv.slice(2);
const payload = Buffer.from(hex, 'hex');
const BATCH = 256;

const server = createServer((socket) => {
  const push = frameReader((id, buf, start, end, pieces) => {
    let left = payloadOf(buf, start, end, pieces).readUInt32BE(0);
    const frame = Buffer.concat([header(id, payload.length), payload]);
    const batch = Buffer.concat(Array.from({ length: BATCH }, () => frame));
    const more = () => {
      while (left > 0) {
        const n = Math.min(left, BATCH);
        left -= n;
        const ok = socket.write(n === BATCH ? batch : batch.subarray(0, n * frame.length));
        if (!ok) {
          socket.once('drain', more);
          return;
        }
      }
      socket.write(header(id, 0));
    };
    more();
  });
  socket.on('data', push);
  socket.on('error', () => socket.destroy());
});
server.listen(path, () => process.send?.('ready'));
process.on('disconnect', () => process.exit(0));
