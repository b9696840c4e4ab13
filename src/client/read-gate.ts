// Connection-level read backpressure: counts chunks that streams buffered and consumers have not
// taken yet, pauses the socket at a high-water mark and resumes it below half of that.
import type { Socket } from 'node:net';

export class ReadGate {
  readonly #highWaterChunks: number;
  readonly #highWaterBytes: number;
  #chunks = 0;
  #bytes = 0;
  #paused = false;
  #socket: Socket | undefined;

  constructor(highWaterChunks: number, highWaterBytes: number) {
    this.#highWaterChunks = highWaterChunks;
    this.#highWaterBytes = highWaterBytes;
  }

  /** True while reading is paused because consumers lag behind. */
  get paused(): boolean {
    return this.#paused;
  }

  /** The socket to pause and resume (a new one after a reconnect starts paused if need be). */
  attach(socket: Socket | undefined): void {
    this.#socket = socket;
    if (this.#paused) socket?.pause();
  }

  /** A stream buffered a chunk of `bytes` payload bytes. */
  hold(bytes: number): void {
    this.#chunks += 1;
    this.#bytes += bytes;
    if (!this.#paused && (this.#chunks >= this.#highWaterChunks || this.#bytes >= this.#highWaterBytes)) {
      this.#paused = true;
      this.#socket?.pause();
    }
  }

  /** A buffered chunk was consumed or dropped. */
  release(bytes: number): void {
    this.#chunks -= 1;
    this.#bytes -= bytes;
    if (this.#paused && this.#chunks <= this.#highWaterChunks / 2 && this.#bytes <= this.#highWaterBytes / 2) {
      this.#paused = false;
      this.#socket?.resume();
    }
  }
}
