// Writes frames to a socket corked until the next tick, so every frame written in one tick leaves
// in one writev (one syscall instead of one per frame); shared by the server, the worker channel.
import type { Socket } from 'node:net';

export class TickWriter {
  readonly #socket: Socket;
  #corked = false;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Queues the chunks of one frame; returns the socket's buffered byte count afterwards. */
  write(chunks: readonly Buffer[]): number {
    const s = this.#socket;
    if (s.destroyed) return 0;
    if (!this.#corked) {
      this.#corked = true;
      s.cork();
      process.nextTick(() => {
        this.#corked = false;
        s.uncork();
      });
    }
    for (const c of chunks) s.write(c);
    return s.writableLength;
  }
}
