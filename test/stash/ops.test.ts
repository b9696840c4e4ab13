// executeStash, the STASH (0x10) handler: gunicorn's op codes and exact results, the specific error
// classes on the wire, our extension ops (100+), and every way a payload can be malformed.
//
// Source of the gunicorn facts (benoitc/gunicorn, stash as of PR #3503 / 25.1.0):
// - gunicorn/dirty/protocol.py: STASH_OP_PUT=1 ... STASH_OP_EXISTS=10; make_stash_message() omits
//   key/value/pattern when None.
// - gunicorn/dirty/arbiter.py, DirtyArbiter.handle_stash_request(): PUT → True, GET → value or
//   key_not_found (also for a missing table), DELETE → bool, KEYS → [] for a missing table or the keys
//   filtered by fnmatch(str(k), pattern) when pattern is truthy, CLEAR → True, INFO → {"size", "table"}
//   or table_not_found, ENSURE → True, DELETE_TABLE → bool, TABLES → list, EXISTS → False without the
//   table, True with key None, else key in table; an unknown op → "Unknown stash operation: {op}".
//   Its errors are sent as "DirtyError" (the bug we fix: we send the specific class name).
// - gunicorn/dirty/stash.py, StashClient._execute(): raises StashKeyNotFoundError /
//   StashTableNotFoundError when error_type names them, StashError(message) otherwise.

import test from 'ava';
import { fromWire, StashKeyNotFoundError, StashTableNotFoundError, type WireError } from '../../src/errors.js';
import { StashOp } from '../../src/protocol/constants.js';
import { executeStash, type StashOutcome } from '../../src/stash/ops.js';
import { StashStore } from '../../src/stash/store.js';

const NOW = 1_000;

test('op codes: gunicorn 1-10, our extensions from 100', (t) => {
  t.deepEqual(
    { ...StashOp },
    {
      PUT: 1,
      GET: 2,
      DELETE: 3,
      KEYS: 4,
      CLEAR: 5,
      INFO: 6,
      ENSURE: 7,
      DELETE_TABLE: 8,
      TABLES: 9,
      EXISTS: 10,
      INCR: 100,
      PUT_IF_ABSENT: 101,
      COMPARE_AND_SET: 102,
    },
  );
});

/** A store holding sessions = {u1: {n: 1}, user:1: 'a', user:2: 'b', 7: 'int'} and an empty table. */
function seeded(): StashStore {
  const s = new StashStore();
  for (const [k, v] of [
    ['u1', { n: 1 }],
    ['user:1', 'a'],
    ['user:2', 'b'],
    [7, 'int'],
  ] as const)
    s.put(NOW, 'sessions', k, v);
  s.ensure('empty');
  return s;
}

const ok = (result: unknown): StashOutcome => ({ ok: true, result });
const fail = (error_type: string, message: string, details: Record<string, unknown> = {}): StashOutcome => ({
  ok: false,
  error: { error_type, message, details },
});

const RESULTS: readonly (readonly [label: string, payload: Record<string, unknown>, expected: StashOutcome])[] = [
  // The first six payloads are the stash frames of /work/shared/vectors/gunicorn-dirty-v1.json.
  ['stash-put vector → True', { op: 1, table: 'sessions', key: 'u1', value: { n: 1 } }, ok(true)],
  ['stash-get vector → the value', { op: 2, table: 'sessions', key: 'u1' }, ok({ n: 1 })],
  ['stash-delete vector → True', { op: 3, table: 'sessions', key: 'u1' }, ok(true)],
  ['stash-keys-pattern vector → matching keys', { op: 4, table: 'sessions', pattern: 'user:*' }, ok(['user:1', 'user:2'])],
  ['stash-exists-table vector → True', { op: 10, table: 'sessions' }, ok(true)],
  ['stash-tables vector → names', { op: 9, table: '' }, ok(['sessions', 'empty'])],
  [
    'GET of a missing key → StashKeyNotFoundError',
    { op: 2, table: 'sessions', key: 'u9' },
    fail('StashKeyNotFoundError', 'Key not found: u9', { table_name: 'sessions', key: 'u9' }),
  ],
  [
    'GET in a missing table → StashKeyNotFoundError (as gunicorn)',
    { op: 2, table: 'nope', key: 'u1' },
    fail('StashKeyNotFoundError', 'Key not found: u1', { table_name: 'nope', key: 'u1' }),
  ],
  [
    'GET of a missing int key names it as Python prints it',
    { op: 2, table: 'sessions', key: 8 },
    fail('StashKeyNotFoundError', 'Key not found: 8', { table_name: 'sessions', key: 8 }),
  ],
  ['GET of an int key', { op: 2, table: 'sessions', key: 7 }, ok('int')],
  ['DELETE of a missing key → False', { op: 3, table: 'sessions', key: 'u9' }, ok(false)],
  ['KEYS without a pattern → every key', { op: 4, table: 'sessions' }, ok(['u1', 'user:1', 'user:2', 7])],
  ['KEYS with an empty pattern → every key', { op: 4, table: 'sessions', pattern: '' }, ok(['u1', 'user:1', 'user:2', 7])],
  ['KEYS matches str(key) of int keys', { op: 4, table: 'sessions', pattern: '[0-9]' }, ok([7])],
  ['KEYS of a missing table → []', { op: 4, table: 'nope' }, ok([])],
  ['CLEAR → True', { op: 5, table: 'sessions' }, ok(true)],
  ['CLEAR of a missing table → True', { op: 5, table: 'nope' }, ok(true)],
  ['INFO → {size, table}', { op: 6, table: 'sessions' }, ok({ size: 4, table: 'sessions' })],
  [
    'INFO of a missing table → StashTableNotFoundError',
    { op: 6, table: 'nope' },
    fail('StashTableNotFoundError', 'Table not found: nope', { table_name: 'nope' }),
  ],
  ['ENSURE → True', { op: 7, table: 'new' }, ok(true)],
  ['DELETE_TABLE → True', { op: 8, table: 'empty' }, ok(true)],
  ['DELETE_TABLE of a missing table → False', { op: 8, table: 'nope' }, ok(false)],
  ['EXISTS of a key → True', { op: 10, table: 'sessions', key: 'u1' }, ok(true)],
  ['EXISTS of a missing key → False', { op: 10, table: 'sessions', key: 'u9' }, ok(false)],
  ['EXISTS with key None checks the table', { op: 10, table: 'empty', key: null }, ok(true)],
  ['EXISTS in a missing table → False', { op: 10, table: 'nope', key: 'u1' }, ok(false)],
  ['INCR of a missing key → by', { op: 100, table: 'c', key: 'n', by: 5 }, ok(5)],
  ['INCR defaults to +1', { op: 100, table: 'c', key: 'n' }, ok(1)],
  [
    'INCR of a non-integer → StashError',
    { op: 100, table: 'sessions', key: 'u1' },
    fail('StashError', 'Cannot increment sessions/u1: the stored value is not an integer', { table_name: 'sessions', key: 'u1' }),
  ],
  ['PUT_IF_ABSENT of a new key → True', { op: 101, table: 'sessions', key: 'u2', value: 1 }, ok(true)],
  ['PUT_IF_ABSENT of a present key → False', { op: 101, table: 'sessions', key: 'u1', value: 1 }, ok(false)],
  ['COMPARE_AND_SET with the current value → True', { op: 102, table: 'sessions', key: 'u1', expected: { n: 1 }, value: { n: 2 } }, ok(true)],
  ['COMPARE_AND_SET with another value → False', { op: 102, table: 'sessions', key: 'u1', expected: { n: 5 }, value: { n: 2 } }, ok(false)],
  ['COMPARE_AND_SET with an explicit None expected', { op: 102, table: 'sessions', key: 'u1', expected: null, value: 1 }, ok(false)],
  ['op as a bigint works', { op: 2n, table: 'sessions', key: 'u1' }, ok({ n: 1 })],
  ['INCR with op and by as bigints → a number', { op: 100n, table: 'c', key: 'n', by: 5n }, ok(5)],
  ['INCR by -0 → 0', { op: 100, table: 'c', key: 'n', by: -0 }, ok(0)],
  [
    'an unknown op as a bigint beyond the safe range',
    { op: 2n ** 60n, table: 't' },
    fail('DirtyProtocolError', `Unknown stash operation: ${2n ** 60n}`, { op: 2n ** 60n }),
  ],
];

for (const [label, payload, expected] of RESULTS) {
  test(`executeStash: ${label}`, (t) => {
    t.deepEqual(executeStash(seeded(), payload, NOW), expected);
  });
}

test('effects: PUT then GET, DELETE then GET, CLEAR then INFO, DELETE_TABLE then TABLES', (t) => {
  const s = seeded();
  executeStash(s, { op: StashOp.PUT, table: 'sessions', key: 'u1', value: 'new' }, NOW);
  t.deepEqual(executeStash(s, { op: StashOp.GET, table: 'sessions', key: 'u1' }, NOW), ok('new'));
  executeStash(s, { op: StashOp.DELETE, table: 'sessions', key: 'u1' }, NOW);
  t.false((executeStash(s, { op: StashOp.GET, table: 'sessions', key: 'u1' }, NOW) as { ok: boolean }).ok);
  executeStash(s, { op: StashOp.CLEAR, table: 'sessions' }, NOW);
  t.deepEqual(executeStash(s, { op: StashOp.INFO, table: 'sessions' }, NOW), ok({ size: 0, table: 'sessions' }));
  executeStash(s, { op: StashOp.DELETE_TABLE, table: 'sessions' }, NOW);
  t.deepEqual(executeStash(s, { op: StashOp.TABLES, table: '' }, NOW), ok(['empty']));
});

test('PUT without key and value stores None under the None key, as gunicorn does', (t) => {
  const s = new StashStore();
  t.deepEqual(executeStash(s, { op: StashOp.PUT, table: 't' }, NOW), ok(true));
  t.deepEqual(executeStash(s, { op: StashOp.GET, table: 't' }, NOW), ok(null));
  t.deepEqual(executeStash(s, { op: StashOp.KEYS, table: 't' }, NOW), ok([null]));
});

test('PUT with ttl_ms expires the key; PUT_IF_ABSENT honours ttl_ms too', (t) => {
  const s = new StashStore();
  executeStash(s, { op: StashOp.PUT, table: 't', key: 'k', value: 1, ttl_ms: 50 }, NOW);
  t.deepEqual(executeStash(s, { op: StashOp.EXISTS, table: 't', key: 'k' }, NOW + 49), ok(true));
  t.deepEqual(executeStash(s, { op: StashOp.EXISTS, table: 't', key: 'k' }, NOW + 50), ok(false));
  executeStash(s, { op: StashOp.PUT_IF_ABSENT, table: 't', key: 'k', value: 2, ttl_ms: 10n }, NOW + 50);
  t.is(s.sweep(NOW + 60), 1);
});

test('COMPARE_AND_SET swaps and INCR counts through the handler', (t) => {
  const s = new StashStore();
  for (let i = 0; i < 1000; i++) executeStash(s, { op: StashOp.INCR, table: 'c', key: 'n' }, NOW);
  t.deepEqual(executeStash(s, { op: StashOp.COMPARE_AND_SET, table: 'c', key: 'n', expected: 1000, value: 0 }, NOW), ok(true));
  t.deepEqual(executeStash(s, { op: StashOp.GET, table: 'c', key: 'n' }, NOW), ok(0));
});

test("a specific error on the wire becomes the specific class again (our client and gunicorn's)", (t) => {
  const s = new StashStore();
  const missingKey = executeStash(s, { op: StashOp.GET, table: 't', key: 'k' }, NOW);
  const missingTable = executeStash(s, { op: StashOp.INFO, table: 't' }, NOW);
  if (missingKey.ok || missingTable.ok) return t.fail();
  t.true(fromWire(missingKey.error) instanceof StashKeyNotFoundError);
  t.true(fromWire(missingTable.error) instanceof StashTableNotFoundError);
});

test('a limit hit becomes a StashLimitError on the wire and stores nothing', (t) => {
  const s = new StashStore({ maxKeysPerTable: 1 });
  executeStash(s, { op: StashOp.PUT, table: 't', key: 'a', value: 1 }, NOW);
  const outcome = executeStash(s, { op: StashOp.PUT, table: 't', key: 'b', value: 1 }, NOW);
  t.deepEqual(
    outcome,
    fail('StashLimitError', 'Stash limit reached: maxKeysPerTable is 1, table "t" is full', { limit: 'maxKeysPerTable', max: 1, table_name: 't' }),
  );
  t.deepEqual(s.keys(NOW, 't'), ['a']);
});

const protocolError = (message: string): WireError => ({ error_type: 'DirtyProtocolError', message, details: {} });

const BAD: readonly (readonly [label: string, payload: unknown, error: WireError])[] = [
  ['null', null, protocolError('Invalid stash payload: expected a dict, got `null` (object)')],
  ['a list', [1, 'sessions'], protocolError('Invalid stash payload: expected a dict, got a list')],
  ['a str', 'put', protocolError('Invalid stash payload: expected a dict, got "put"')],
  ['bytes', Buffer.from('x'), protocolError('Invalid stash payload: expected a dict, got bytes')],
  ['no op', { table: 't' }, protocolError('Invalid stash payload: `op` must be an integer, got `undefined` (undefined)')],
  ['a str op', { op: '1', table: 't' }, protocolError('Invalid stash payload: `op` must be an integer, got "1"')],
  ['a float op', { op: 1.5, table: 't' }, protocolError('Invalid stash payload: `op` must be an integer, got `1.5` (number)')],
  ['a bool op', { op: true, table: 't' }, protocolError('Invalid stash payload: `op` must be an integer, got `true` (boolean)')],
  ['a gunicorn-unknown op 11', { op: 11, table: 't' }, { error_type: 'DirtyProtocolError', message: 'Unknown stash operation: 11', details: { op: 11 } }],
  [
    'an unassigned extension op 103',
    { op: 103, table: 't' },
    { error_type: 'DirtyProtocolError', message: 'Unknown stash operation: 103', details: { op: 103 } },
  ],
  ['an int table', { op: 1, table: 5, key: 'k' }, protocolError('Invalid stash payload: `table` must be a str, got `5` (number)')],
  ['a list pattern', { op: 4, table: 't', pattern: ['*'] }, protocolError('Invalid stash payload: `pattern` must be a str, got a list')],
  ['a zero ttl_ms', { op: 1, table: 't', key: 'k', ttl_ms: 0 }, protocolError('Invalid stash payload: `ttl_ms` must be a positive number, got `0` (number)')],
  ['a str ttl_ms', { op: 1, table: 't', key: 'k', ttl_ms: '5' }, protocolError('Invalid stash payload: `ttl_ms` must be a positive number, got "5"')],
  ['a float by', { op: 100, table: 't', key: 'k', by: 0.5 }, protocolError('Invalid stash payload: `by` must be an int64 integer, got `0.5` (number)')],
  [
    'COMPARE_AND_SET without expected',
    { op: 102, table: 't', key: 'k', value: 1 },
    protocolError('Invalid stash payload: `expected` is required for COMPARE_AND_SET'),
  ],
  ['a value no TLV can carry', { op: 1, table: 't', key: 'k', value: Symbol('x') }, protocolError('Expected a TLV-encodable stash value, got a symbol')],
  [
    'an unhashable (list) key',
    { op: 1, table: 't', key: [1], value: 1 },
    { error_type: 'StashError', message: 'Unhashable stash key type: list', details: { key_type: 'list' } },
  ],
  [
    'an unhashable (dict) key on GET',
    { op: 2, table: 't', key: { a: 1 } },
    { error_type: 'StashError', message: 'Unhashable stash key type: dict', details: { key_type: 'dict' } },
  ],
];

for (const [label, payload, error] of BAD) {
  test(`a bad payload is answered, never thrown, and changes nothing: ${label}`, (t) => {
    const s = new StashStore();
    t.deepEqual(executeStash(s, payload, NOW), { ok: false, error });
    t.deepEqual(s.stats(), { tables: 0, keys: 0, bytes: 0 });
  });
}

test('a None table or pattern counts as absent (gunicorn omits None fields)', (t) => {
  const s = seeded();
  t.deepEqual(executeStash(s, { op: StashOp.TABLES, table: null }, NOW), ok(['sessions', 'empty']));
  t.deepEqual(executeStash(s, { op: StashOp.KEYS, table: 'empty', pattern: null }, NOW), ok([]));
});
