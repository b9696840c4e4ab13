// The arbiter's socket file: a 0600 socket, the same path after every restart; a live arbiter on
// the path is never displaced, a dead one's file is reclaimed. The directory is created 0700 when
// missing; one that already exists is checked (src/core/socket-place.ts) and never changed.
import { mkdir, chmod, unlink, lstat, stat } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import { dirname } from 'node:path';
import { checkExistingDir, checkSocketPathLength, type PlaceVerdict } from '../core/socket-place.js';

/** The socket cannot be placed at the configured path; restarting would not help (exit 78). */
export class SocketPathError extends Error {}
export class SocketInUseError extends SocketPathError {}

/** True when something accepts connections on the path. */
export function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function refuseUnless(verdict: PlaceVerdict): void {
  if (!verdict.ok) throw new SocketPathError(verdict.reason);
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Creates the directory 0700 if missing; an existing one must be safe and is left as it is. */
async function prepareDir(dir: string): Promise<void> {
  const existing = await stat(dir).catch((err: unknown) => {
    if (errno(err) === 'ENOENT') return null;
    throw err;
  });
  if (!existing) {
    // mkdir names the first directory it made (undefined when another process made it meanwhile);
    // ours is 0700 minus the umask's bits, made exactly 0700 here.
    const created = await mkdir(dir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
      if (errno(err) === 'EEXIST') return undefined;
      throw err;
    });
    if (created !== undefined) {
      await chmod(dir, 0o700);
      return;
    }
  }
  const facts = existing ?? (await stat(dir));
  refuseUnless(checkExistingDir(dir, { isDirectory: facts.isDirectory(), mode: facts.mode, uid: facts.uid }, process.getuid?.() ?? facts.uid));
}

/** Checks the path and its directory, removes a stale socket; throws SocketPathError (SocketInUseError when one is live). */
export async function claimSocketPath(path: string): Promise<void> {
  refuseUnless(checkSocketPathLength(path, Buffer.byteLength(path), process.platform));
  await prepareDir(dirname(path));
  const stat = await lstat(path).catch(() => null);
  if (!stat) return;
  if (!stat.isSocket()) throw new SocketInUseError(`${path} exists and is not a socket; refusing to replace it`);
  if (await isLive(path)) throw new SocketInUseError(`another dirty arbiter is serving ${path}; refusing to start a second one on the same socket`);
  await unlink(path);
}

/** Listens with a umask that creates the socket 0600 from the start (no window with looser mode). */
export async function listenPrivately(server: Server, path: string): Promise<void> {
  const old = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(old);
  }
  await chmod(path, 0o600);
}

/** Removes the socket file if it is still ours (best effort, at shutdown). */
export async function releaseSocketPath(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
