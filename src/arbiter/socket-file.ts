// The arbiter's socket file: a 0700 directory, a 0600 socket, the same path after every
// restart; a live arbiter on the path is never displaced, a dead one's file is reclaimed.
import { mkdir, chmod, unlink, lstat } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import { dirname } from 'node:path';

export class SocketInUseError extends Error {}

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

/** Prepares the directory and removes a stale socket; throws SocketInUseError when one is live. */
export async function claimSocketPath(path: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
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
