// Socket path resolution table: explicit option, PM2_DIRTY_SOCKET, PM2_HOME, then ~/.pm2.
import test from 'ava';
import { resolveSocketPath, type SocketPathEnv } from '../../src/client/resolve-socket-path.js';

const home = (): string => '/home/app';

const cases: readonly { name: string; env: SocketPathEnv; explicit?: string; expected: string }[] = [
  { name: 'nothing set: ~/.pm2', env: {}, expected: '/home/app/.pm2/dirty/arbiter.sock' },
  { name: 'PM2_HOME set by pm2', env: { PM2_HOME: '/srv/pm2' }, expected: '/srv/pm2/dirty/arbiter.sock' },
  { name: 'PM2_DIRTY_SOCKET beats PM2_HOME', env: { PM2_HOME: '/srv/pm2', PM2_DIRTY_SOCKET: '/run/d.sock' }, expected: '/run/d.sock' },
  { name: 'the option beats both', env: { PM2_HOME: '/srv/pm2', PM2_DIRTY_SOCKET: '/run/d.sock' }, explicit: '/tmp/x.sock', expected: '/tmp/x.sock' },
  { name: 'empty strings count as unset', env: { PM2_HOME: '', PM2_DIRTY_SOCKET: '' }, explicit: '', expected: '/home/app/.pm2/dirty/arbiter.sock' },
  { name: 'undefined values count as unset', env: { PM2_HOME: undefined, PM2_DIRTY_SOCKET: undefined }, expected: '/home/app/.pm2/dirty/arbiter.sock' },
  { name: 'a relative PM2_HOME stays relative', env: { PM2_HOME: 'pm2home' }, expected: 'pm2home/dirty/arbiter.sock' },
];

for (const { name, env, explicit, expected } of cases) {
  test(`resolveSocketPath: ${name}`, (t) => {
    t.is(resolveSocketPath(env, explicit, home), expected);
  });
}

test('resolveSocketPath reads the real home directory by default', (t) => {
  t.regex(resolveSocketPath({}), /\/\.pm2\/dirty\/arbiter\.sock$/);
});
