// STASH and MANAGE payloads over their limits (entries, str bytes) get a typed answer instead of being built.
import test from 'ava';
import { DirtyProtocolError } from '../../src/errors.js';
import { decodeControl, describeManage, MANAGE_LIMITS } from '../../src/arbiter/control-decode.js';
import { MessageType } from '../../src/protocol/constants.js';
import { encodeValue } from '../../src/protocol/tlv.js';

const list = (n: number): Buffer => encodeValue({ op: 1, table: 't', key: 'k', value: Array.from({ length: n }, () => null) });
const LIMITS = { maxEntries: 100, maxStrBytes: 1000 };

test('a STASH payload within stashMaxEntries decodes; one entry more is a StashLimitError', (t) => {
  // The payload dict has 4 entries, the list n items.
  t.true(decodeControl(MessageType.STASH, list(96), 0, list(96).length, LIMITS).ok);
  const over = decodeControl(MessageType.STASH, list(97), 0, list(97).length, LIMITS);
  t.false(over.ok);
  if (!over.ok) {
    t.is(over.error.error_type, 'StashLimitError');
    t.deepEqual(over.error.details, { limit: 'stashMaxEntries', max: 100 });
  }
});

test('str bytes are counted over the whole payload, keys and values alike', (t) => {
  // Keys op, table, key, value (2 + 5 + 3 + 5 = 15 bytes), "t", "k": 17 bytes before the value.
  const payload = (n: number): Buffer => encodeValue({ op: 1, table: 't', key: 'k', value: ['é'.repeat(n / 4), 'é'.repeat(n / 4)] });
  t.true(decodeControl(MessageType.STASH, payload(980), 0, payload(980).length, LIMITS).ok);
  const over = decodeControl(MessageType.STASH, payload(1000), 0, payload(1000).length, LIMITS);
  t.false(over.ok);
  if (!over.ok) {
    t.is(over.error.error_type, 'StashLimitError');
    t.regex(over.error.message, /at most 1000 bytes of str \(store large text as bytes\) \(stashMaxStrBytes\)/);
    t.deepEqual(over.error.details, { limit: 'stashMaxStrBytes', max: 1000 });
  }
  const bytes = encodeValue({ op: 1, table: 't', key: 'k', value: Buffer.alloc(100_000) });
  t.true(decodeControl(MessageType.STASH, bytes, 0, bytes.length, LIMITS).ok, 'bytes values do not count');
});

test('a MANAGE payload over its small fixed limits is a DirtyProtocolError answer', (t) => {
  const buf = encodeValue({ op: 1, count: 1, extra: Array.from({ length: MANAGE_LIMITS.maxEntries }, () => 0) });
  const r = decodeControl(MessageType.MANAGE, buf, 0, buf.length, { maxEntries: 1e6, maxStrBytes: 1e6 });
  t.false(r.ok);
  if (!r.ok) t.is(r.error.error_type, 'DirtyProtocolError');
});

test('an empty payload is null; malformed TLV still throws (the connection is closed)', (t) => {
  t.deepEqual(decodeControl(MessageType.STASH, Buffer.alloc(0), 0, 0, LIMITS), { ok: true, payload: null });
  t.throws(() => decodeControl(MessageType.STASH, Buffer.from([0x7f]), 0, 1, LIMITS), { instanceOf: DirtyProtocolError });
});

test('describeManage names each field in a few words, never a value whole', (t) => {
  t.is(describeManage({ op: 9, count: Buffer.alloc(1 << 20) }), '{op: 9, count: bytes (1048576 bytes)}');
  t.is(describeManage({ op: 3, count: -1 }), '{op: 3, count: -1}');
  t.is(describeManage({ op: 3, count: 1n << 62n }), '{op: 3, count: 4611686018427387904}');
  t.is(describeManage({ op: 'x'.repeat(100) }), `{op: "${'x'.repeat(40)}…", count: nothing}`);
  t.is(describeManage({ op: [1, 2], count: { a: 1 } }), '{op: a list of 2, count: a dict}');
  t.is(describeManage(null), 'None');
  t.is(describeManage([1, 2, 3]), 'a list of 3');
  t.is(describeManage(Buffer.alloc(5)), 'bytes (5 bytes)');
});
