// The arbiter's Unix socket server: one FrameDecoder per connection, many calls in flight per
// connection; REQUEST/CANCEL/CREDIT go to the router, STATUS/MANAGE/STASH are answered here.
import { createServer, type Server, type Socket } from 'node:net';
import { DirtyError, DirtyProtocolError, isDirtyError } from '../errors.js';
import { MessageType } from '../protocol/constants.js';
import { Buffer } from 'node:buffer';
import { FrameDecoder, type FrameHandler, type PiecesHandler } from '../protocol/frame-decoder.js';
import type { Payload } from '../protocol/frame-batch.js';
import type { RequestId } from '../protocol/header.js';
import { decodeControl, MANAGE_LIMITS, type FrameLimits } from './control-decode.js';
import { decodeValue } from '../protocol/tlv.js';
import type { StashAnswer } from './stash-runner.js';
import { decodeCredit, encodeError, encodeResponse } from '../protocol/messages.js';
import { nameTooLongError, peekAppPath, type NameTooLong } from '../protocol/app-path.js';
import { peekAppPathPieces } from '../protocol/app-path-pieces.js';
import type { Router } from './router.js';
import { ClientConnection } from './client-connection.js';

/** Frames answered here are decoded whole: assembled as their chunks arrive, not joined at the end. */
const ANSWERED_HERE: ReadonlySet<MessageType> = new Set([MessageType.STASH, MessageType.MANAGE, MessageType.STATUS]);

/** Requests that the server answers itself (everything but calls). */
export interface ControlHandler {
  status(): unknown;
  manage(payload: unknown): unknown;
  /** A KEYS over a big table answers later (it runs in slices): a Promise; a big answer comes encoded. */
  stash(payload: unknown): StashAnswer | Promise<StashAnswer>;
  /** What one STASH frame may hold (checked while it is decoded). */
  readonly stashFrame: FrameLimits;
}

export class ArbiterServer {
  readonly server: Server;
  readonly #router: Router;
  readonly #control: ControlHandler;
  readonly #connections = new Set<ClientConnection>();

  readonly #stallMs: number;

  /** `stallMs`: a partial frame followed by this much silence closes the connection. */
  constructor(router: Router, control: ControlHandler, stallMs = 10_000) {
    this.#stallMs = stallMs;
    this.#router = router;
    this.#control = control;
    this.server = createServer((socket) => this.#accept(socket));
  }

  get connections(): number {
    return this.#connections.size;
  }

  /** Stops accepting; existing connections stay until their calls are answered or `destroyAll`. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  destroyAll(): void {
    for (const c of this.#connections) c.socket.destroy();
  }

  #accept(socket: Socket): void {
    const conn = new ClientConnection(socket);
    this.#connections.add(conn);
    // Request ids as numbers below 2^53 (no BigInt per frame); only the frames answered here get a bigint.
    const decoder = FrameDecoder.numeric({ assemble: ANSWERED_HERE });
    const onFrame: FrameHandler<RequestId> = (type, id, buf, start, end) => {
      if (conn.failed) return;
      try {
        this.#handle(conn, type, id, buf, start, end);
      } catch (err) {
        this.#protocolError(conn, err, id); // answered under the id of the frame that caused it
      }
    };
    // A payload that arrived in several chunks: a REQUEST is passed on as those pieces (no copy of a
    // large argument); anything else is joined and handled like any frame.
    const onPieces: PiecesHandler<RequestId> = (type, id, pieces, n) => {
      if (conn.failed) return;
      try {
        if (type === MessageType.REQUEST) this.#request(conn, id, pieces);
        else this.#handle(conn, type, id, Buffer.concat(pieces, n), 0, n);
      } catch (err) {
        this.#protocolError(conn, err, id);
      }
    };
    let stallTimer = false;
    socket.on('data', (chunk: Buffer) => {
      if (conn.failed) return;
      try {
        decoder.read(chunk, onFrame, onPieces);
      } catch (err) {
        this.#protocolError(conn, err); // a bad header: no frame to answer for
        return;
      }
      // Half a frame and then silence: the client gets STALL_MS to send the rest (reads re-arm it).
      const partial = decoder.bufferedBytes > 0;
      if (partial !== stallTimer) {
        stallTimer = partial;
        socket.setTimeout(partial ? this.#stallMs : 0);
      }
    });
    socket.on('timeout', () => this.#protocolError(conn, new DirtyProtocolError(`incomplete frame: no data for ${this.#stallMs} ms`)));
    socket.on('end', () => {
      try {
        decoder.end(); // the stream ended inside a frame: a truncated frame is a protocol error
      } catch (err) {
        this.#protocolError(conn, err);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#connections.delete(conn);
      this.#router.peerClosed(conn);
    });
  }

  #handle(conn: ClientConnection, type: MessageType, id: RequestId, buf: Buffer, start: number, end: number): void {
    switch (type) {
      case MessageType.REQUEST: {
        // A view: the call keeps its payload while it waits in the queue.
        this.#request(conn, id, buf.subarray(start, end));
        return;
      }
      case MessageType.CANCEL:
        // An optional payload {reason: "timeout"} says the client's own deadline passed (docs/protocol.md).
        this.#router.cancel(conn, id, end > start && isTimeoutReason(decodeRange(buf, start, end)));
        return;
      case MessageType.CREDIT:
        this.#router.credit(conn, id, decodeCredit(buf, start, end));
        return;
      case MessageType.STATUS:
        this.#answer(conn, BigInt(id), () => this.#control.status());
        return;
      case MessageType.MANAGE:
      case MessageType.STASH: {
        const d = decodeControl(type, buf, start, end, this.#control.stashFrame);
        if (!d.ok) conn.send(encodeError(id, d.error));
        else if (type === MessageType.MANAGE) this.#answer(conn, BigInt(id), () => this.#control.manage(d.payload));
        else this.#stash(conn, BigInt(id), d.payload);
        return;
      }
      case MessageType.RESPONSE:
      case MessageType.ERROR:
      case MessageType.CHUNK:
      case MessageType.END:
        throw new DirtyProtocolError(`a client may not send message type ${type}`);
    }
  }

  /** A REQUEST: `payload` is what the call keeps and relays (a view, or the pieces it arrived in, read without joining them). */
  #request(conn: ClientConnection, id: RequestId, payload: Payload): void {
    // Undecodable TLV throws out of here: a protocol error that closes the connection. A
    // decodable payload of the wrong shape fails that request only: the stream is still in
    // step, and the connection's other calls (other callers of a multiplexing client) go on.
    // Only app_path is read; the worker decodes the rest.
    let app: string | undefined | NameTooLong;
    try {
      app = Buffer.isBuffer(payload) ? peekAppPath(payload) : peekAppPathPieces(payload);
    } catch (err) {
      this.#router.refused('protocol_error'); // the caller gets the protocol error's ERROR: one call, one outcome
      throw err;
    }
    if (app === undefined) this.#router.refuseRequest(conn, id, new DirtyProtocolError('REQUEST payload has no string app_path'));
    else if (typeof app === 'object') this.#router.refuseRequest(conn, id, nameTooLongError(app));
    else this.#router.submit(conn, id, app, payload);
  }

  /** Answers a STASH frame now, or later for a KEYS that runs in slices. */
  #stash(conn: ClientConnection, id: bigint, payload: unknown): void {
    const encode = (r: StashAnswer): Buffer[] => {
      if (!r.ok) return encodeError(id, r.error);
      return 'frames' in r ? r.frames(id) : encodeResponse(id, r.result);
    };
    const send = (r: StashAnswer): void => {
      if (conn.socket.destroyed) return;
      let frames: Buffer[];
      try {
        frames = encode(r);
      } catch (err) {
        frames = encodeError(id, asDirtyError(err).toWire());
      }
      conn.send(frames);
    };
    try {
      const r = this.#control.stash(payload);
      if (r instanceof Promise) void r.then(send, (err: unknown) => send({ ok: false, error: asDirtyError(err).toWire() }));
      else send(r);
    } catch (err) {
      send({ ok: false, error: asDirtyError(err).toWire() });
    }
  }

  /** One RESPONSE, or one ERROR if computing or encoding the answer fails; `fn` may answer later (a promise). */
  #answer(conn: ClientConnection, id: bigint, fn: () => unknown): void {
    let frames: Buffer[];
    try {
      const value = fn();
      if (value instanceof Promise) {
        value.then(
          (v: unknown) => {
            if (!conn.socket.destroyed) this.#answer(conn, id, () => v);
          },
          (err: unknown) => {
            if (!conn.socket.destroyed) conn.send(encodeError(id, asDirtyError(err).toWire()));
          },
        );
        return;
      }
      frames = encodeResponse(id, value);
    } catch (err) {
      frames = encodeError(id, asDirtyError(err).toWire());
    }
    conn.send(frames);
  }

  /** The offending connection gets one ERROR frame and is closed; everyone else carries on. */
  #protocolError(conn: ClientConnection, err: unknown, id: RequestId = 0): void {
    if (conn.failed) return;
    conn.failed = true;
    const e = err instanceof DirtyProtocolError ? err : new DirtyProtocolError((err as Error).message);
    conn.socket.pause();
    conn.send(encodeError(id, e.toWire()));
    conn.end();
    setTimeout(() => conn.socket.destroy(), 1000).unref();
  }
}

/** The decoded payload `buf[start, end)` of a small control frame (CANCEL), within MANAGE's limits; empty is null. */
function decodeRange(buf: Buffer, start: number, end: number): unknown {
  return start === end ? null : decodeValue(buf.subarray(start, end), MANAGE_LIMITS);
}

function isTimeoutReason(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && (payload as Record<string, unknown>)['reason'] === 'timeout';
}

function asDirtyError(err: unknown): DirtyError {
  return isDirtyError(err) ? err : new DirtyError(err instanceof Error ? err.message : String(err));
}
