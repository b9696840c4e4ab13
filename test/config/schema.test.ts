// Config validation: every problem is reported naming the key and the value; overrides from
// `pm2 set` arrive as strings and win over the file.
import test from 'ava';
import { resolveConfig, type ConfigResult } from '../../src/config/schema.js';
import { parseAppSpec } from '../../src/config/specs.js';
import { parseAutoscale } from '../../src/config/autoscale-config.js';

const env = { cpuCount: 2, defaultSocketPath: '/pm2/dirty/arbiter.sock' };
const errorsOf = (r: ConfigResult): readonly string[] => (r.ok ? [] : r.errors);

test('defaults: maxWorkers 4 x CPUs, the default socket, workers left to the minimum', (t) => {
  const r = resolveConfig({ apps: ['./a.mjs:A'] }, {}, env);
  if (!r.ok) return t.fail(r.errors.join('\n'));
  t.is(r.config.maxWorkers, 8);
  t.is(r.config.socketPath, '/pm2/dirty/arbiter.sock');
  t.is(r.config.workers, undefined);
  t.deepEqual(r.config.apps, [{ name: './a.mjs:A', module: './a.mjs', exportName: 'A', limit: undefined }]);
});

test('pm2 set overrides arrive as strings and win; an empty one falls back to the file', (t) => {
  const r = resolveConfig({ apps: ['./a.mjs:A'], workers: 2, maxWorkers: 6 }, { workers: '3', maxWorkers: '', persistTarget: 'true' }, env);
  if (!r.ok) return t.fail(r.errors.join('\n'));
  t.is(r.config.workers, 3);
  t.is(r.config.maxWorkers, 6);
  t.true(r.config.persistTarget);
});

const bad = test.macro({
  exec(t, file: Record<string, unknown>, overrides: Record<string, unknown>, expected: RegExp) {
    const errors = errorsOf(resolveConfig(file, overrides, env));
    t.true(
      errors.some((e) => expected.test(e)),
      `expected ${expected} in:\n${errors.join('\n')}`,
    );
  },
  title: (title = '') => `bad config: ${title}`,
});

test('unknown key', bad, { apps: ['./a.mjs:A'], wokers: 2 }, {}, /unknown key `wokers`/);
test('unknown override', bad, { apps: ['./a.mjs:A'] }, { wokers: '2' }, /unknown override `wokers`/);
test('non-integer count', bad, { apps: ['./a.mjs:A'], workers: 1.5 }, {}, /`workers` must be a positive integer, got 1\.5/);
test('zero workers', bad, { apps: ['./a.mjs:A'], workers: 0 }, {}, /`workers` must be a positive integer, got 0/);
test('negative timeout', bad, { apps: ['./a.mjs:A'], gracefulTimeoutMs: -1 }, {}, /`gracefulTimeoutMs` must be a non-negative integer, got -1/);
test('string override that is not a number', bad, { apps: ['./a.mjs:A'] }, { maxWorkers: 'lots' }, /`maxWorkers` must be a positive integer, got "lots"/);
test('workers above maxWorkers', bad, { apps: ['./a.mjs:A'], workers: 5, maxWorkers: 4 }, {}, /`workers` \(5\) is above `maxWorkers` \(4\)/);
test('no apps', bad, { apps: [] }, {}, /`apps` must be a non-empty array/);
test('a spec ending in :0', bad, { apps: ['./a.mjs:A:0'] }, {}, /apps\[0\]: worker limit must be a positive integer, got "0"/);
test('a duplicate app name', bad, { apps: ['./a.mjs:A', './a.mjs:A:2'] }, {}, /duplicate app name "\.\/a\.mjs:A"/);
test('a hook that is not a function', bad, { apps: ['./a.mjs:A'], onScale: 'x' }, {}, /`onScale` must be a function/);
test('a boolean that is not one', bad, { apps: ['./a.mjs:A'], persistTarget: 'yes' }, {}, /`persistTarget` must be true or false, got "yes"/);

test('every problem is reported, not just the first', (t) => {
  t.is(errorsOf(resolveConfig({ apps: [], workers: 0, bogus: 1 }, {}, env)).length, 3);
});

test('app specs: string form with and without :N, object form, and the errors', (t) => {
  t.deepEqual(parseAppSpec('pkg/mod:Model:3', 'apps[0]'), { ok: true, entry: { name: 'pkg/mod:Model', module: 'pkg/mod', exportName: 'Model', limit: 3 } });
  t.deepEqual(parseAppSpec({ name: 'm', module: './m.mjs', export: 'M', workers: 2 }, 'apps[1]'), {
    ok: true,
    entry: { name: 'm', module: './m.mjs', exportName: 'M', limit: 2 },
  });
  t.deepEqual(parseAppSpec({ module: './m.mjs' }, 'apps[1]'), {
    ok: true,
    entry: { name: './m.mjs:default', module: './m.mjs', exportName: 'default', limit: undefined },
  });
  for (const spec of ['nocolon', 'a:b:c:d', ':X', 'a:B:x', 42, null]) t.false(parseAppSpec(spec, 'apps[0]').ok, JSON.stringify(spec));
  t.false(parseAppSpec({ module: './m.mjs', extra: 1 }, 'apps[0]').ok);
});

test('autoscale: off by default, defaults filled in, bad values named', (t) => {
  t.deepEqual(parseAutoscale(undefined, 8), { ok: true, config: null });
  t.deepEqual(parseAutoscale(false, 8), { ok: true, config: null });
  const r = parseAutoscale({ min: 2 }, 8);
  t.true(r.ok && r.config?.min === 2 && r.config.max === 8 && r.config.windowMs > 0);
  const e = parseAutoscale({ min: 5, max: 3, targetUtilization: 2, nope: 1 }, 4);
  t.false(e.ok);
  if (!e.ok) {
    t.true(e.errors.some((x) => /autoscale\.min` \(5\) is above `autoscale\.max` \(3\)/.test(x)));
    t.true(e.errors.some((x) => /targetUtilization/.test(x)));
    t.true(e.errors.some((x) => /unknown key `autoscale\.nope`/.test(x)));
  }
  t.false(parseAutoscale({ max: 9 }, 8).ok, 'autoscale.max above maxWorkers');
});

test('an unknown key suggests the closest known one, once per problem, without the whole key list', (t) => {
  const errors = errorsOf(resolveConfig({ apps: ['./a.mjs:A'], wokers: 2, maxWorker: 3, zzzzzzzz: 1 }, {}, env));
  t.deepEqual(errors, [
    'unknown key `wokers` (did you mean `workers`?)',
    'unknown key `maxWorker` (did you mean `maxWorkers`?)',
    'unknown key `zzzzzzzz` (the keys are listed in the README)',
  ]);
  t.deepEqual(errorsOf(resolveConfig({ apps: ['./a.mjs:A'] }, { timeoutMS: '5' }, env)), [
    'unknown override `timeoutMS` (pm2 set pm2-dirty:timeoutMS) (did you mean `timeoutMs`?)',
  ]);
});

test('metricsListen: off by default, host:port accepted, anything else named', (t) => {
  const off = resolveConfig({ apps: ['./a.mjs:A'] }, {}, env);
  t.true(off.ok && off.config.metricsListen === undefined);
  for (const listen of ['127.0.0.1:9464', '0.0.0.0:9464', 'localhost:1', '[::1]:9464']) {
    const r = resolveConfig({ apps: ['./a.mjs:A'], metricsListen: listen }, {}, env);
    t.true(r.ok && r.config.metricsListen === listen, listen);
  }
  for (const listen of ['9464', 'host:', ':9464', 'a b:1', 'host:port']) {
    t.deepEqual(
      errorsOf(resolveConfig({ apps: ['./a.mjs:A'], metricsListen: listen }, {}, env)),
      [`\`metricsListen\` must be host:port (e.g. "127.0.0.1:9464"), got ${JSON.stringify(listen)} (string)`],
      listen,
    );
  }
});

test('metricsListen: a port above 65535 is a config error, not a silent start without the endpoint', (t) => {
  for (const listen of ['127.0.0.1:65536', '127.0.0.1:99999']) {
    t.deepEqual(
      errorsOf(resolveConfig({ apps: ['./a.mjs:A'], metricsListen: listen }, {}, env)),
      [`\`metricsListen\` port must be 0 to 65535, got ${JSON.stringify(listen)} (string)`],
      listen,
    );
  }
  const top = resolveConfig({ apps: ['./a.mjs:A'], metricsListen: '127.0.0.1:65535' }, {}, env);
  t.true(top.ok);
});
