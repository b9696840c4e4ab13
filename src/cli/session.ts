// How every CLI command reaches the arbiter: the socket path as the client resolves it, a
// reachability check (so "unreachable" is told apart from "failed"), and a client whose calls
// always carry a timeout.
import { connect } from 'node:net';
import { createClient, type DirtyClient } from '../client/client.js';
import { resolveSocketPath } from '../client/resolve-socket-path.js';
import { DirtyTimeoutError } from '../errors.js';
import { CliError, Exit } from './exit.js';

/** Options every command that talks to the arbiter accepts. */
export interface GlobalOptions {
  readonly socket?: string;
  readonly timeout: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Resolves once a connection to `path` opens (and closes it); throws CliError(3) otherwise. */
export function probeSocket(path: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new CliError(Exit.UNREACHABLE, `arbiter unreachable at ${path}: no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve();
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = err.code === 'ENOENT' ? ' (no socket: is pm2-dirty running? set --socket or PM2_DIRTY_SOCKET)' : '';
      reject(new CliError(Exit.UNREACHABLE, `arbiter unreachable at ${path}: ${err.code ?? err.message}${hint}`));
    });
  });
}

/**
 * Runs `fn` with a connected client and closes it afterwards, whatever happens. With `control`, a
 * request the arbiter leaves unanswered past the timeout counts as unreachable (exit 3), not failed:
 * the arbiter answers STATUS, MANAGE and STASH itself, so silence means it is stuck or gone.
 */
export async function withClient<T>(opts: GlobalOptions, fn: (client: DirtyClient) => Promise<T>, control = true): Promise<T> {
  const socketPath = resolveSocketPath(process.env, opts.socket);
  await probeSocket(socketPath, opts.timeout);
  const client = createClient({ socketPath, timeoutMs: opts.timeout });
  try {
    return await fn(client);
  } catch (err) {
    if (control && err instanceof DirtyTimeoutError) {
      throw new CliError(Exit.UNREACHABLE, `the arbiter at ${socketPath} did not answer within ${opts.timeout} ms`);
    }
    throw err;
  } finally {
    await client.close();
  }
}
