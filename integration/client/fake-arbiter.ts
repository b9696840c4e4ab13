// An in-process stand-in for the arbiter's socket server, scriptable per test: it records every frame
// it receives and lets the test answer (or not) with real protocol frames.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { createClient, type ClientOptions, type DirtyClient } from '../../src/client/index.js';
import type { WireError } from '../../src/errors.js';
import { MessageType } from '../../src/protocol/constants.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { decodePayload } from '../../src/protocol/frame.js';
import { encodeMessage } from '../../test/protocol/helpers.js';
import { waitFor } from './wait-for.js';

/** A frame as the fake saw it, payload decoded. */
export interface Received {
  readonly type: number;
  readonly id: bigint;
  readonly value: unknown;
  readonly peer: Peer;
}

/** The app call inside a REQUEST payload. */
export interface RequestBody {
  readonly app_path: string;
  readonly action: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
}

/** One accepted client connection, with helpers to answer on it. */
export class Peer {
  readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  send(type: number, id: bigint, value?: unknown): void {
    if (this.socket.destroyed) return;
    const chunks = encodeMessage(type as MessageType, id, value);
    this.socket.cork();
    for (const chunk of chunks) this.socket.write(chunk);
    this.socket.uncork();
  }

  result(id: bigint, result: unknown): void {
    this.send(MessageType.RESPONSE, id, { result });
  }

  error(id: bigint, error: WireError): void {
    this.send(MessageType.ERROR, id, { error });
  }

  chunk(id: bigint, data: unknown): void {
    this.send(MessageType.CHUNK, id, { data });
  }

  end(id: bigint): void {
    this.send(MessageType.END, id);
  }

  raw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** What the fake does with each frame it receives (CANCEL frames included). */
export type Script = (frame: Received) => void;

/** Answers every REQUEST with `{result: {app, action, args, kwargs}}`, STATUS/MANAGE/STASH with `{type, payload}`. */
export const echo: Script = (frame) => {
  if (frame.type === MessageType.REQUEST) {
    const body = frame.value as RequestBody;
    frame.peer.result(frame.id, { app: body.app_path, action: body.action, args: body.args, kwargs: body.kwargs });
  } else if (frame.type === MessageType.STATUS || frame.type === MessageType.MANAGE || frame.type === MessageType.STASH) {
    frame.peer.result(frame.id, { type: frame.type, payload: frame.value });
  }
};

export class FakeArbiter {
  readonly dir: string;
  readonly socketPath: string;
  readonly received: Received[] = [];
  readonly peers = new Set<Peer>();
  /** Total connections accepted so far. */
  accepted = 0;
  script: Script;
  readonly #server: Server;

  private constructor(dir: string, script: Script) {
    this.dir = dir;
    this.socketPath = join(dir, 'a.sock');
    this.script = script;
    this.#server = createServer((socket) => {
      this.#accept(socket);
    });
  }

  /** A fake with its own temp dir; not listening until `listen()`. */
  static async create(script: Script = echo): Promise<FakeArbiter> {
    return new FakeArbiter(await mkdtemp(join(tmpdir(), 'dc-')), script);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.socketPath, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  /** Frames of one type, in arrival order. */
  ofType(type: number): Received[] {
    return this.received.filter((frame) => frame.type === type);
  }

  requests(): Received[] {
    return this.ofType(MessageType.REQUEST);
  }

  cancels(): bigint[] {
    return this.ofType(MessageType.CANCEL).map((frame) => frame.id);
  }

  async waitForFrames(type: number, count: number, timeoutMs = 5000): Promise<Received[]> {
    await waitFor(() => this.ofType(type).length >= count, { timeoutMs, what: `${count} frame(s) of type ${type}` });
    return this.ofType(type);
  }

  /** Drops every client connection (the arbiter keeps listening). */
  dropConnections(): void {
    for (const peer of this.peers) peer.destroy();
  }

  /** Stops listening and drops every connection, keeping the dir: `listen()` again to "restart". */
  async shutdown(): Promise<void> {
    this.dropConnections();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    await this.shutdown();
    await rm(this.dir, { recursive: true, force: true });
  }

  #accept(socket: Socket): void {
    const peer = new Peer(socket);
    this.accepted += 1;
    this.peers.add(peer);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        const received: Received = { type: frame.type, id: BigInt(frame.requestId), value: decodePayload(frame), peer };
        this.received.push(received);
        this.script(received);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.peers.delete(peer);
    });
  }
}

/** A listening fake plus a client bound to it, both torn down after the test. */
export async function setup(t: ExecutionContext, script: Script = echo, options: ClientOptions = {}): Promise<{ arbiter: FakeArbiter; client: DirtyClient }> {
  const arbiter = await FakeArbiter.create(script);
  t.teardown(() => arbiter.stop());
  await arbiter.listen();
  const client = createClient({ socketPath: arbiter.socketPath, ...options });
  t.teardown(() => client.close());
  return { arbiter, client };
}
