// The honest floor's client: any number of calls in flight, matched by id; the calls made in one
// tick leave in one write, and each answer reaches the app as one Buffer: a view of the read when it
// came in one, else the buffer the socket read the rest of it straight into (floor-frames.mjs).
import { createConnection } from 'node:net';
import { assemblingReads, IdRing, TickOut } from './floor-frames.mjs';

export class FloorClient {
  #socket;
  #out;
  #pending = new IdRing();
  #nextId = 1;

  constructor(path) {
    const onread = assemblingReads((id, buf, start, end) => {
      const resolve = this.#pending.take(id);
      if (resolve !== undefined) resolve(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
    });
    this.#socket = createConnection({ path, onread });
    this.#out = new TickOut(this.#socket);
  }

  static connect(path) {
    return new Promise((resolve, reject) => {
      const client = new FloorClient(path);
      client.#socket.once('connect', () => resolve(client));
      client.#socket.once('error', reject);
    });
  }

  call(payload) {
    const id = this.#nextId++;
    if (this.#nextId > 0xfffffff0) this.#nextId = 1;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#out.frame(id, payload, 0, payload.length, null);
    });
  }

  close() {
    this.#socket.destroy();
  }
}
