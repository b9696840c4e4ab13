// The honest floor's client: any number of calls in flight, matched by id; the calls made in one
// tick leave in one write, and each answer reaches the app as one Buffer: a view of the read when it
// came in one, else the buffer the socket read the rest of it straight into (floor-frames.mjs).
import { createConnection, createServer } from 'node:net';
import { assemblingReads, feedHello, IdRing, TickOut } from './floor-frames.mjs';

let feeds = 0;

/**
 * The requests go out on a second connection, which the peer (the relay, or an echo process) makes to
 * this client's feed socket after its hello, so that the peer reads them with `onread` (floor-frames.mjs,
 * feeds); the answers come back on the connection this client made, read with `onread` too.
 */
export class FloorClient {
  #socket;
  #feed = null;
  #out = null;
  #pending = new IdRing();
  #nextId = 1;

  constructor(path) {
    const onread = assemblingReads((id, buf, start, end) => {
      const resolve = this.#pending.take(id);
      if (resolve !== undefined) resolve(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
    });
    this.#socket = createConnection({ path, onread });
  }

  static async connect(path) {
    const feedPath = `${path}.${process.pid}-${++feeds}.feed`;
    const server = createServer();
    const fed = new Promise((resolve) => server.once('connection', resolve));
    await new Promise((resolve, reject) => server.once('error', reject).listen(feedPath, resolve));
    const client = new FloorClient(path);
    await new Promise((resolve, reject) => {
      client.#socket.once('connect', resolve);
      client.#socket.once('error', reject);
    });
    client.#socket.write(feedHello(feedPath));
    const feed = await fed;
    server.close(); // one peer per feed: the socket file goes, the connection stays
    feed.on('data', () => {}); // the peer's header-only hello
    feed.on('error', () => client.close());
    client.#feed = feed;
    client.#out = new TickOut(feed);
    return client;
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
    this.#feed?.destroy();
  }
}
