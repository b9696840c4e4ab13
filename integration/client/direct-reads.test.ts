// net/direct-reads.ts over a real Unix socket: a payload that spans reads is read straight into its
// buffer, other reads go into the socket's slab, and nothing handed out is overwritten by a later read
// (views of early frames, kept to the end, still hold their bytes). The peer writes frames of every
// size in random pieces, with pauses, so reads end anywhere.
import { Buffer } from 'node:buffer';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { directReads, type ReadSink } from '../../src/net/direct-reads.js';
import { MessageType } from '../../src/protocol/constants.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { encodeHeader } from '../../src/protocol/frame.js';
import { waitFor } from './wait-for.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), a | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

test('frames of 0 B to 1 MiB in random pieces arrive intact, large ones read straight into their buffer, and no view is overwritten', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pdr-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 's.sock');
  const next = rng(42);
  const sizes = [0, 1, 100, 16_000, 65_535, 65_536, 70_000, 300_000, 1 << 20, 5, 200_000, 64, 1 << 20, 3];
  const payloads = sizes.map((n, i) => Buffer.alloc(n, (i * 37 + 11) & 0xff).fill(i & 0xff, 0, Math.min(n, 7)));
  const stream = Buffer.concat(payloads.flatMap((p, i) => [encodeHeader(MessageType.RESPONSE, BigInt(i + 1), p.length), p]));

  const server = createServer((peer: Socket) => {
    void (async () => {
      for (let at = 0; at < stream.length;) {
        const n = Math.min(stream.length - at, 1 + Math.floor(next() * 150_000));
        if (!peer.write(stream.subarray(at, at + n))) await once(peer, 'drain');
        at += n;
        if (next() < 0.3) await new Promise((resolve) => setImmediate(resolve));
      }
      peer.end();
    })();
  });
  server.listen(path);
  await once(server, 'listening');
  t.teardown(() => server.close());

  const decoder = FrameDecoder.numeric({ assemble: new Set([MessageType.RESPONSE]) });
  const seen: { id: number; view: Buffer }[] = [];
  let directBytes = 0;
  const onFrame = (_type: number, id: number | bigint, buf: Buffer, start: number, end: number): void => {
    seen.push({ id: Number(id), view: buf.subarray(start, end) }); // a view, not a copy: a later read must not touch it
  };
  const sink: ReadSink = {
    into: () => decoder.into(),
    wrote: (n) => {
      directBytes += n;
      decoder.wrote(n, onFrame);
    },
    chunk: (chunk) => decoder.read(chunk, onFrame),
  };
  const socket = createConnection({ path, onread: directReads(() => sink) });
  t.teardown(() => socket.destroy());
  await waitFor(() => seen.length === payloads.length, { timeoutMs: 20_000, what: 'every frame' });
  t.deepEqual(
    seen.map((s) => s.id),
    payloads.map((_p, i) => i + 1),
  );
  for (const [i, s] of seen.entries()) t.true(s.view.equals(payloads[i] as Buffer), `frame ${i + 1} (${sizes[i]} B) intact at the end`);
  t.true(directBytes > 1 << 20, `most of the large payloads went straight into their buffers (${directBytes} B)`);
  t.is(decoder.bufferedBytes, 0);
});
