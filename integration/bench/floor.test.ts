// The honest floor's processes (bench/helpers: relay, echo processes, client) deliver every payload
// intact: through the relay to two echo processes (each fed on the connection it makes to the relay),
// and straight to an echo process (one hop); payloads of 0 B to 1 MiB, many in flight at once, in
// whatever reads the kernel makes. The bench's numbers mean nothing if the floor drops or mixes bytes.
import { Buffer } from 'node:buffer';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { FloorClient } from '../../bench/helpers/floor-client.mjs';
import { floor } from '../../bench/lib/transports.js';

test('two hops through the relay and one hop: every payload comes back intact, many in flight', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pfl-'));
  const f = await floor(dir, 2, 'f');
  t.teardown(async () => {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = await FloorClient.connect(f.relayPath);
  t.teardown(() => client.close());
  const sizes = [0, 1, 64, 16_384, 16_385, 65_536, 300_001, 1 << 20];
  const payload = (n: number, i: number): Buffer => Buffer.alloc(n, (i * 31 + 7) & 0xff).fill(i & 0xff, 0, Math.min(8, n));
  // 200 calls at once, sizes mixed: they spread over both echo processes and come back by id.
  const sent = Array.from({ length: 200 }, (_v, i) => payload(sizes[i % sizes.length] as number, i));
  const got = await Promise.all(sent.map((p) => client.call(p)));
  for (const [i, p] of sent.entries()) t.true(got[i]?.equals(p), `call ${i} (${p.length} B)`);
  // The bench's own transports: 64 B and 1 MiB, two hops and one.
  for (const tr of [f.twoHop, f.oneHop]) {
    t.true(((await tr.small()) as Buffer).equals(Buffer.alloc(64, 0x78)), `${tr.key} 64 B`);
    const big = (await (tr.big as () => Promise<unknown>)()) as Buffer;
    t.true(big.length === 1 << 20 && big.every((b) => b === 0xab), `${tr.key} 1 MiB`);
  }
  t.is(f.twoHop.processes().length, 3, 'a relay and two echo processes');
});
