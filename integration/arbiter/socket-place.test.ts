// The socket never changes what it does not own: a directory that existed keeps its mode, an
// unsafe directory or a path too long for a Unix socket is refused with one log line and exit 78.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { FIXTURES, startArbiter, stopAfterAll, type RunningArbiter } from '../helpers/arbiter.js';

const running = stopAfterAll(test);
const config = { apps: [`${FIXTURES}:Echo`], workers: 1 };
const roots: string[] = [];
test.after.always(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function scratch(): string {
  const root = mkdtempSync(join(tmpdir(), 'da-place-'));
  roots.push(root);
  return root;
}

async function refused(t: { is: (a: unknown, b: unknown) => void; regex: (s: string, re: RegExp) => void }, a: RunningArbiter, re: RegExp): Promise<string> {
  const { code } = await a.exited;
  t.is(code, 78);
  const lines = a
    .log()
    .split('\n')
    .filter((l) => /cannot start/.test(l));
  t.is(lines.length, 1);
  t.regex(lines[0] ?? '', re);
  return lines[0] ?? '';
}

test('a pre-existing sticky 1777 directory keeps its mode; the socket inside it is 0600', async (t) => {
  const shared = join(scratch(), 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const a = await startArbiter({ config, socketPath: join(shared, 'x.sock') });
  running.push(a);
  t.is(statSync(shared).mode & 0o7777, 0o1777);
  t.is(statSync(a.socketPath).mode & 0o777, 0o600);
  t.is(await a.client().execute(`${FIXTURES}:Echo`, 'echo', 'hi'), 'hi');
});

test('a missing directory is created 0700', async (t) => {
  const dir = join(scratch(), 'new', 'deeper');
  const a = await startArbiter({ config, socketPath: join(dir, 'x.sock') });
  running.push(a);
  t.is(statSync(dir).mode & 0o7777, 0o700);
});

test('a socket path longer than the OS allows: one log line and exit 78', async (t) => {
  const root = scratch();
  const path = join(root, `${'d'.repeat(120 - root.length)}.sock`);
  const a = await startArbiter({ config, socketPath: path, noWait: true });
  running.push(a);
  await refused(t, a, /socket path .* is \d+ bytes, longer than the 107 bytes/);
  t.throws(() => statSync(path));
});

test('a world-writable directory without the sticky bit: refused, exit 78, mode unchanged', async (t) => {
  const open = join(scratch(), 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  const a = await startArbiter({ config, socketPath: join(open, 'x.sock'), noWait: true });
  running.push(a);
  await refused(t, a, /\(mode 0777\) is writable by other users and not sticky/);
  t.is(statSync(open).mode & 0o7777, 0o777);
});

test('a directory owned by another user: refused, exit 78, owner unchanged', async (t) => {
  const theirs = join(scratch(), 'theirs');
  mkdirSync(theirs, { mode: 0o755 });
  if (process.getuid?.() !== 0) {
    t.log('not root: cannot make a directory owned by another user here; the rule is unit-tested in test/core/socket-place.test.ts');
    t.is(statSync(theirs).mode & 0o777, 0o755);
    return;
  }
  chownSync(theirs, 65534, 65534);
  const a = await startArbiter({ config, socketPath: join(theirs, 'x.sock'), noWait: true });
  running.push(a);
  await refused(t, a, /owned by uid 65534, not by this user \(uid 0\) or root/);
  t.is(statSync(theirs).uid, 65534);
  t.is(statSync(theirs).mode & 0o7777, 0o755);
});
