// Where the socket may go: path length against sun_path, and which existing directories are safe.
import test from 'ava';
import { checkExistingDir, checkSocketPathLength, maxSocketPathBytes } from '../../src/core/socket-place.js';

test('the longest path is 107 bytes on Linux and 103 elsewhere', (t) => {
  t.is(maxSocketPathBytes('linux'), 107);
  t.is(maxSocketPathBytes('darwin'), 103);
  t.true(checkSocketPathLength('/x', 107, 'linux').ok);
  const r = checkSocketPathLength('/long', 108, 'linux');
  t.false(r.ok);
  t.regex(r.ok ? '' : r.reason, /\/long is 108 bytes, longer than the 107 bytes/);
  t.false(checkSocketPathLength('/x', 104, 'darwin').ok);
});

const dir = test.macro<[number, number, boolean, boolean, RegExp?]>({
  exec(t, mode, uid, isDirectory, ok, reason) {
    const v = checkExistingDir('/d', { mode, uid, isDirectory }, 1000);
    t.is(v.ok, ok);
    if (!v.ok && reason) t.regex(v.reason, reason);
  },
  title: (provided = '', mode, uid, isDirectory, ok) =>
    `${provided} ${isDirectory ? 'dir' : 'file'} mode ${mode.toString(8)} uid ${uid}: ${ok ? 'safe' : 'refused'}`,
});

test('private own directory', dir, 0o700, 1000, true, true);
test('shared readable own directory', dir, 0o755, 1000, true, true);
test('sticky world-writable (like /tmp) owned by root', dir, 0o1777, 0, true, true);
test('sticky world-writable owned by us', dir, 0o1777, 1000, true, true);
test('world-writable without the sticky bit', dir, 0o777, 1000, true, false, /\(mode 0777\) is writable by other users and not sticky/);
test('group-writable without the sticky bit', dir, 0o770, 1000, true, false, /writable by other users/);
test('owned by another user', dir, 0o700, 1001, true, false, /owned by uid 1001, not by this user \(uid 1000\) or root/);
test('root-owned private directory', dir, 0o755, 0, true, true);
test('not a directory', dir, 0o600, 1000, false, false, /not a directory/);
