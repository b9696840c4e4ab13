// A raw connection to the arbiter's socket (no client library): sends hand-made frames, collects
// every frame it receives, and can stop reading (pause) like a hostile or stuck client.
import { createConnection, type Socket } from 'node:net';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { decodePayload, type Frame } from '../../src/protocol/frame.js';
import { waitFor } from './wait-for.js';

export interface RawConn {
  readonly socket: Socket;
  readonly frames: Frame[];
  readonly closed: () => boolean;
  send(chunks: readonly Buffer[]): void;
  /** Waits for the first frame with this id (and type, if given). */
  next(id: bigint, type?: number, timeoutMs?: number): Promise<Frame>;
}

export async function rawConnect(path: string): Promise<RawConn> {
  const socket = createConnection(path);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  let closed = false;
  socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  return {
    socket,
    frames,
    closed: () => closed,
    send: (chunks) => {
      for (const c of chunks) socket.write(c);
    },
    next: (id, type, timeoutMs) =>
      waitFor(() => frames.find((f) => f.requestId === id && (type === undefined || f.type === type)), `a frame for id ${id}`, timeoutMs),
  };
}

/** The decoded payload of a frame as a record. */
export const payloadOf = (f: Frame): Record<string, unknown> => decodePayload(f) as Record<string, unknown>;
