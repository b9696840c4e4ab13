// CREDIT (0x21), the per-stream flow-control extension: its bytes as docs/protocol.md shows them,
// and the validation of its payload.
import test from 'ava';
import { Buffer } from 'node:buffer';
import { DirtyProtocolError } from '../../src/errors.js';
import { MessageType, isMessageType } from '../../src/protocol/constants.js';
import { decodeCredit, encodeCredit, MAX_CREDIT, parseCredit } from '../../src/protocol/messages.js';
import { encodeValue } from '../../src/protocol/tlv.js';

test('CREDIT for id 7 granting 512 is the 41 bytes of docs/protocol.md', (t) => {
  const bytes = Buffer.concat(encodeCredit(7n, 512));
  t.is(
    bytes.toString('hex'),
    '47440121' + '00000019' + '0000000000000007' + '21' + '00000001' + '1100000006' + Buffer.from('credit').toString('hex') + '05' + '0000000000000200',
  );
  t.true(isMessageType(0x21));
  t.is(MessageType.CREDIT, 0x21);
  t.is(decodeCredit(bytes, 16, bytes.length), 512);
});

test('a CREDIT payload must hold an int from 1 to MAX_CREDIT', (t) => {
  t.is(parseCredit({ credit: 1 }), 1);
  t.is(parseCredit({ credit: MAX_CREDIT }), MAX_CREDIT);
  for (const bad of [{ credit: 0 }, { credit: -1 }, { credit: MAX_CREDIT + 1 }, { credit: 1.5 }, { credit: '3' }, {}, null, [1]]) {
    t.throws(() => parseCredit(bad), { instanceOf: DirtyProtocolError }, JSON.stringify(bad));
  }
  t.throws(() => decodeCredit(Buffer.alloc(0)), { instanceOf: DirtyProtocolError });
  t.throws(() => decodeCredit(encodeValue({ credit: 'x' })), { instanceOf: DirtyProtocolError });
});
