// Where the client finds the arbiter's socket: explicit option, then PM2_DIRTY_SOCKET,
// then the default under PM2_HOME (set by pm2 for every app it starts), then ~/.pm2.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The variables `resolveSocketPath` reads. */
export interface SocketPathEnv {
  readonly PM2_DIRTY_SOCKET?: string | undefined;
  readonly PM2_HOME?: string | undefined;
}

/**
 * Returns the arbiter socket path: `explicit ?? PM2_DIRTY_SOCKET ?? <PM2_HOME or ~/.pm2>/dirty/arbiter.sock`.
 * Empty strings count as unset. Internal: the client calls it once, at its first connect.
 */
export function resolveSocketPath(env: SocketPathEnv, explicit?: string, home: () => string = homedir): string {
  if (explicit !== undefined && explicit !== '') return explicit;
  const fromEnv = env.PM2_DIRTY_SOCKET;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const pm2Home = env.PM2_HOME !== undefined && env.PM2_HOME !== '' ? env.PM2_HOME : join(home(), '.pm2');
  return join(pm2Home, 'dirty', 'arbiter.sock');
}
