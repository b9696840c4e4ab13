// Per-stream flow control (the CREDIT extension, docs/protocol.md): each stream may have at most a
// window of CHUNK frames that its reader has not made room for. Three views of one window:
// - SendCredit: the sender's (a worker's generator) remaining credit;
// - RelayWindow: the arbiter's, between a worker and a client that may or may not speak CREDIT;
// - ReadWindow: the reader's (the client), which grants more as its consumer takes chunks.
// Pure counting, no clock: the shells decide when a full window has lasted too long.

/** The window a worker starts every stream with (and what the arbiter lets it run ahead of a stock client). */
export const STREAM_WINDOW = 256;
/** The reader's largest window in chunks (its default `streamWindow`). */
export const READ_WINDOW = 8192;
/** What the reader aims to have in flight and buffered per stream, in payload bytes. */
export const READ_WINDOW_BYTES = 4 * 1024 * 1024;
/** The most one CREDIT frame may grant (a uint32, docs/protocol.md): a larger grant goes out in several. */
export const MAX_GRANT = 0xffff_ffff;

/** What a sender may still send: starts at the window, each chunk takes one, CREDIT adds. */
export class SendCredit {
  #credit: number;

  constructor(window = STREAM_WINDOW) {
    this.#credit = window;
  }

  get available(): number {
    return this.#credit;
  }

  /** Takes one credit for a chunk about to be sent; false (nothing taken) when there is none. */
  take(): boolean {
    if (this.#credit <= 0) return false;
    this.#credit--;
    return true;
  }

  add(n: number): void {
    this.#credit += n;
  }
}

/**
 * The reader's side: the window is counted in chunks on the wire, but sized by bytes here. It opens
 * at `min(STREAM_WINDOW, maxChunks)` and then aims at `maxBytes` of chunks granted and not yet
 * taken, judged by the mean size of the chunks taken so far, between 1 and `maxChunks` chunks: a
 * stream of tokens may run thousands of chunks ahead (its grants travel two hops, and a reader
 * that keeps up must not wait for them), one of 1 MiB tiles only a few. `taken(bytes)` once per
 * chunk the consumer takes returns the credit to send now, batched per half window (0: none yet).
 */
export class ReadWindow {
  /** The opening credit, sent with the request. */
  readonly opening: number;
  readonly #maxChunks: number;
  readonly #maxBytes: number;
  #granted: number;
  #taken = 0;
  #takenBytes = 0;

  constructor(maxChunks = READ_WINDOW, maxBytes = READ_WINDOW_BYTES) {
    this.#maxChunks = Math.max(1, maxChunks);
    this.#maxBytes = Math.max(1, maxBytes);
    this.opening = Math.min(STREAM_WINDOW, this.#maxChunks);
    this.#granted = this.opening;
  }

  /** The window the reader aims at now, in chunks. */
  get target(): number {
    const mean = this.#taken === 0 ? 1 : Math.max(1, this.#takenBytes / this.#taken);
    return Math.max(1, Math.min(this.#maxChunks, Math.floor(this.#maxBytes / mean)));
  }

  taken(bytes: number): number {
    this.#taken++;
    this.#takenBytes += bytes;
    const target = this.target;
    const room = target - (this.#granted - this.#taken);
    if (room <= 0 || room * 2 < target) return 0;
    this.#granted += room;
    return room;
  }
}

/**
 * The arbiter's side of one stream. The worker starts with `window` credit (it needs no CREDIT to
 * start: it is ours). What the worker may send in total (`granted`) follows the client:
 * - a client that speaks CREDIT (its first CREDIT opts in): the worker may send what the client
 *   granted in total, and at least the initial window;
 * - a client that does not (a stock gunicorn client): the worker may run `window` chunks ahead of
 *   what the client's socket has accepted (`accepted()`, called when the socket is not congested).
 * Grants to the worker are batched per half window, except when the worker has used up its credit.
 */
export class RelayWindow {
  readonly window: number;
  #granted: number;
  #relayed = 0;
  /** Total credit the client granted; -1 until its first CREDIT (then it reads by windows). */
  #clientGranted = -1;
  #accepted = 0;

  constructor(window = STREAM_WINDOW) {
    this.window = Math.max(1, window);
    this.#granted = this.window;
  }

  /** The client opted in with CREDIT. */
  get windowed(): boolean {
    return this.#clientGranted >= 0;
  }

  get relayed(): number {
    return this.#relayed;
  }

  /** Chunks relayed to the client beyond what it granted (a windowed client that lags). */
  get unread(): number {
    return this.windowed ? Math.max(0, this.#relayed - this.#clientGranted) : this.#relayed - this.#accepted;
  }

  /** The worker sent a chunk and it was relayed. */
  relay(): void {
    this.#relayed++;
  }

  /** The client's CREDIT `n`. */
  credit(n: number): void {
    this.#clientGranted = Math.max(0, this.#clientGranted) + n;
  }

  /** A client that does not speak CREDIT: its socket took everything relayed so far. */
  accepted(): void {
    this.#accepted = this.#relayed;
  }

  /** The worker has used all its credit: it sends nothing more until it gets a grant. */
  get exhausted(): boolean {
    return this.#relayed >= this.#granted;
  }

  /**
   * Credit to grant the worker now (0: none yet), at most MAX_GRANT: a client may grant more than
   * that in total (each of its CREDITs up to MAX_GRANT), and a CREDIT above it would fail the worker.
   */
  grant(): number {
    const limit = this.windowed ? Math.max(this.window, this.#clientGranted) : this.#accepted + this.window;
    const due = Math.min(limit - this.#granted, MAX_GRANT);
    if (due <= 0 || (due * 2 < this.window && !this.exhausted)) return 0;
    this.#granted += due;
    return due;
  }
}
