// STASH and MANAGE payloads over the entries bound get a typed answer instead of being built.
import test from 'ava';
import { DirtyProtocolError } from '../../src/errors.js';
import { decodeControl, MAX_MANAGE_ENTRIES } from '../../src/arbiter/control-decode.js';
import { MessageType } from '../../src/protocol/constants.js';
import { encodeValue } from '../../src/protocol/tlv.js';

const list = (n: number): Buffer => encodeValue({ op: 1, table: 't', key: 'k', value: Array.from({ length: n }, () => null) });

test('a STASH payload within stashMaxEntries decodes; one entry more is a StashLimitError', (t) => {
  // The payload dict has 4 entries, the list n items.
  const ok = decodeControl(MessageType.STASH, list(96), 0, list(96).length, 100);
  t.true(ok.ok);
  const over = decodeControl(MessageType.STASH, list(97), 0, list(97).length, 100);
  t.false(over.ok);
  if (!over.ok) {
    t.is(over.error.error_type, 'StashLimitError');
    t.deepEqual(over.error.details, { limit: 'stashMaxEntries', max: 100 });
  }
});

test('a MANAGE payload over MAX_MANAGE_ENTRIES is a DirtyProtocolError answer', (t) => {
  const buf = encodeValue({ op: 1, count: 1, extra: Array.from({ length: MAX_MANAGE_ENTRIES }, () => 0) });
  const r = decodeControl(MessageType.MANAGE, buf, 0, buf.length, 1_000_000);
  t.false(r.ok);
  if (!r.ok) t.is(r.error.error_type, 'DirtyProtocolError');
});

test('an empty payload is null; malformed TLV still throws (the connection is closed)', (t) => {
  t.deepEqual(decodeControl(MessageType.STASH, Buffer.alloc(0), 0, 0, 10), { ok: true, payload: null });
  t.throws(() => decodeControl(MessageType.STASH, Buffer.from([0x7f]), 0, 1, 10), { instanceOf: DirtyProtocolError });
});
