// Bad input on the arbiter socket: each offending connection gets a protocol error and is closed;
// the arbiter and every other client carry on; memory stays bounded. Includes a fuzz run.
import { connect, type Socket } from 'node:net';
import test from 'ava';
import { MessageType } from '../../src/protocol/constants.js';
import { encodeHeader } from '../../src/protocol/frame.js';
import { encodeMessage } from '../../test/protocol/helpers.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { decodePayload } from '../../src/protocol/frame.js';
import { encodeRequest } from '../../src/protocol/messages.js';
import { FIXTURES, startArbiter, type RunningArbiter } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

let a: RunningArbiter;
const APP = `${FIXTURES}:Echo`;
test.before(async () => {
  a = await startArbiter({ config: { apps: [APP], workers: 1, frameStallTimeoutMs: 300 } });
});
test.after.always(async () => {
  await a.stop();
});

interface Outcome {
  errorType: string | null;
  closed: boolean;
}

/** Sends raw bytes and collects the first ERROR frame and whether the arbiter closed the connection. */
function sendRaw(bytes: Buffer, keepOpen = true): Promise<Outcome> {
  return new Promise((resolve) => {
    const s: Socket = connect(a.socketPath);
    const decoder = new FrameDecoder();
    let errorType: string | null = null;
    s.on('data', (chunk: Buffer) => {
      try {
        for (const f of decoder.push(chunk)) {
          if (f.type === MessageType.ERROR) errorType ??= (decodePayload(f) as { error: { error_type: string } }).error.error_type;
        }
      } catch {
        errorType ??= 'undecodable answer';
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve({ errorType, closed: true }));
    s.write(bytes);
    if (!keepOpen) s.end();
  });
}

const hex = (h: string): Buffer => Buffer.from(h, 'hex');
const cases: [string, Buffer][] = [
  ['wrong magic', hex('58580105000000000000000000000001')],
  ['wrong version', hex('47440205000000000000000000000001')],
  ['unknown type', hex('4744017f000000000000000000000001')],
  ['oversized length', hex('47440105040000010000000000000001')],
  ['malformed TLV (unknown tag)', Buffer.concat([encodeHeader(MessageType.STASH, 1n, 1), hex('7e')])],
  ['truncated TLV inside a complete frame', Buffer.concat([encodeHeader(MessageType.STASH, 1n, 5), hex('2100000002')])],
  [
    'deep nesting',
    (() => {
      const depth = 2000;
      const body = Buffer.concat([Buffer.from(Array.from({ length: depth }, () => [0x20, 0, 0, 0, 1]).flat()), Buffer.from([0])]);
      return Buffer.concat([encodeHeader(MessageType.STASH, 1n, body.length), body]);
    })(),
  ],
  ['a response frame sent by a client', Buffer.concat(encodeMessage(MessageType.RESPONSE, 1n, { result: 1 }))],
];

for (const [name, bytes] of cases) {
  test(`${name}: DirtyProtocolError, connection closed, others unaffected`, async (t) => {
    const other = a.client();
    t.is(await other.execute(APP, 'echo', 'before'), 'before');
    const out = await sendRaw(bytes);
    t.is(out.errorType, 'DirtyProtocolError');
    t.true(out.closed);
    t.is(await other.execute(APP, 'echo', 'after'), 'after');
  });
}

test('half a frame and then silence: closed after frameStallTimeoutMs', async (t) => {
  const full = Buffer.concat(encodeRequest(1n, APP, 'echo', ['x']));
  const out = await sendRaw(full.subarray(0, 20));
  t.is(out.errorType, 'DirtyProtocolError');
});

test('a stream that ends inside a frame is a protocol error', async (t) => {
  const full = Buffer.concat(encodeRequest(1n, APP, 'echo', ['x']));
  const out = await sendRaw(full.subarray(0, full.length - 3), false);
  t.true(out.closed);
});

test('a thousand connections at once are served; the arbiter carries on', async (t) => {
  const clients = Array.from({ length: 1000 }, () => a.client());
  const results = await Promise.all(clients.map((c, i) => c.execute(APP, 'echo', i)));
  t.deepEqual(
    results,
    Array.from({ length: 1000 }, (_, i) => i),
  );
  await Promise.all(clients.map((c) => c.close()));
  await waitFor(async () => ((await a.client().status()) as { calls: { inflight: number } }).calls.inflight === 0, 'idle');
});

test('fuzz: random and mutated frames never take the arbiter down', async (t) => {
  let seed = 0x2545f491;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const valid = Buffer.concat(encodeRequest(7n, APP, 'echo', [{ k: [1, 'two', Buffer.from([3])] }]));
  const inputs: Buffer[] = [];
  for (let i = 0; i < 150; i++) {
    if (i % 3 === 0) inputs.push(Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256))));
    else {
      const m = Buffer.from(valid);
      for (let j = 0; j < 1 + Math.floor(rand() * 4); j++) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      inputs.push(m);
    }
  }
  const checker = a.client();
  for (let i = 0; i < inputs.length; i += 25) {
    await Promise.all(inputs.slice(i, i + 25).map((b) => sendRaw(b, false)));
    t.is(await checker.execute(APP, 'echo', i), i, `the arbiter still answers after input batch ${i}`);
  }
  t.is(a.proc.exitCode, null);
  const rss = Number((await import('node:fs')).readFileSync(`/proc/${a.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) * 1024;
  t.true(rss < 200 * 1024 * 1024, `arbiter RSS stays bounded (${Math.round(rss / 1048576)} MiB)`);
});
