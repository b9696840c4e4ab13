// pm2 trigger params: a bare number or JSON {"n":N}; anything else is refused with a clear message.
import test from 'ava';
import { parseScaleParams, type ScaleAction } from '../../src/pm2/params.js';

const ok = test.macro({
  exec(t, action: ScaleAction, raw: unknown, kind: 'add' | 'remove' | 'set', n: number) {
    t.deepEqual(parseScaleParams(action, raw), { ok: true, command: { kind, n } });
  },
  title: (_title, action: ScaleAction, raw: unknown) => `${action} ${JSON.stringify(raw) ?? 'undefined'} is accepted`,
});

test(ok, 'scale-up', undefined, 'add', 1);
test(ok, 'scale-up', {}, 'add', 1);
test(ok, 'scale-up', '2', 'add', 2);
test(ok, 'scale-up', ' 3 ', 'add', 3);
test(ok, 'scale-up', '{"n":2}', 'add', 2);
test(ok, 'scale-down', undefined, 'remove', 1);
test(ok, 'scale-down', '{"n":4}', 'remove', 4);
test(ok, 'scale-to', '3', 'set', 3);
test(ok, 'scale-to', '0', 'set', 0);
test(ok, 'scale-to', 5, 'set', 5);
test(ok, 'scale-to', { n: 2 }, 'set', 2);

const refused = test.macro({
  exec(t, action: ScaleAction, raw: unknown, why: RegExp) {
    const r = parseScaleParams(action, raw);
    t.false(r.ok);
    if (!r.ok) {
      t.regex(r.message, why);
      t.true(r.message.startsWith(action), 'the message names the action');
    }
  },
  title: (_title, action: ScaleAction, raw: unknown) => `${action} ${JSON.stringify(raw) ?? 'undefined'} is refused`,
});

test(refused, 'scale-to', undefined, /scale-to/);
test(refused, 'scale-to', 'abc', /abc/);
test(refused, 'scale-to', '-1', /-1/);
test(refused, 'scale-to', '1.5', /1\.5/);
test(refused, 'scale-up', '0', /0/);
test(refused, 'scale-up', '{"x":1}', /"x"/);
test(refused, 'scale-up', '{"n":', /JSON/);
test(refused, 'scale-up', '999999999', /999999999/);
test(refused, 'scale-up', [1], /1/);
