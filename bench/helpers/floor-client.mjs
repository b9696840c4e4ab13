// The honest floor's client: any number of calls in flight, matched by id; the calls made in one
// tick leave in one write (floor-frames.mjs), answers are handed out as views or copied once.
import { createConnection } from 'node:net';
import { frameReader, IdRing, payloadOf, TickOut } from './floor-frames.mjs';

export class FloorClient {
  #socket;
  #out;
  #pending = new IdRing();
  #nextId = 1;

  constructor(socket) {
    this.#socket = socket;
    this.#out = new TickOut(socket);
    socket.on(
      'data',
      frameReader((id, buf, start, end, pieces) => {
        const resolve = this.#pending.take(id);
        if (resolve === undefined) return;
        resolve(payloadOf(buf, start, end, pieces));
      }),
    );
  }

  static connect(path) {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once('connect', () => resolve(new FloorClient(socket)));
      socket.once('error', reject);
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
