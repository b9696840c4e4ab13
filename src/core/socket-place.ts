// Where the arbiter may put its socket: the path must fit a sockaddr_un, and a directory that
// already exists must be one other users cannot use to replace the socket. Pure: the arbiter
// passes what lstat/stat returned and its own uid.

/** The longest socket path in bytes (sun_path minus its NUL): 108 - 1 on Linux, 104 - 1 on macOS and the BSDs. */
export function maxSocketPathBytes(platform: string): number {
  return platform === 'linux' ? 107 : 103;
}

/** What the arbiter knows about the socket's directory when it already exists. */
export interface DirFacts {
  readonly isDirectory: boolean;
  /** st_mode, permission and sticky bits included. */
  readonly mode: number;
  readonly uid: number;
}

export type PlaceVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const STICKY = 0o1000;
const WRITABLE_BY_OTHERS = 0o022;

/** The socket path's length in bytes, checked before anything is created. */
export function checkSocketPathLength(path: string, byteLength: number, platform: string): PlaceVerdict {
  const max = maxSocketPathBytes(platform);
  if (byteLength <= max) return { ok: true };
  const reason = `socket path ${path} is ${byteLength} bytes, longer than the ${max} bytes a Unix socket path may have here; set a shorter socketPath`;
  return { ok: false, reason };
}

/**
 * A pre-existing directory is safe when it is a directory owned by us or by root, and no one else can
 * write to it, unless it is sticky (like /tmp: others may create files but not remove or rename ours).
 * It is never changed: a directory the arbiter did not create keeps its owner and mode.
 */
export function checkExistingDir(dir: string, facts: DirFacts, ownUid: number): PlaceVerdict {
  const mode = (facts.mode & 0o7777).toString(8).padStart(4, '0');
  if (!facts.isDirectory) return { ok: false, reason: `${dir} exists and is not a directory` };
  if (facts.uid !== ownUid && facts.uid !== 0) {
    const reason = `socket directory ${dir} is owned by uid ${facts.uid}, not by this user (uid ${ownUid}) or root; another user could replace the socket`;
    return { ok: false, reason };
  }
  if ((facts.mode & WRITABLE_BY_OTHERS) !== 0 && (facts.mode & STICKY) === 0) {
    const why = `socket directory ${dir} (mode ${mode}) is writable by other users and not sticky; they could replace the socket`;
    return { ok: false, reason: `${why}. Use a private directory or a sticky one such as /tmp` };
  }
  return { ok: true };
}
