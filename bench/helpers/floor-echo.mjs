// Floor echo worker: listens on a Unix socket (argv[2]) and answers every frame with the same
// payload under the same id, all answers of one tick in one write (floor-frames.mjs).
// Whoever connects here (the relay, or a client of the one-hop floor) sends a hello with the path of
// its feed socket (floor-frames.mjs, feeds): this process connects to that feed, says which echo it is
// (argv[3]), reads the requests there, straight into one buffer each when they span reads, and answers
// on the connection the hello came on. So every reader reads on a socket it connected itself, which
// is where net offers `onread`: a 1 MiB request costs one buffer, not 17 fresh 64 KiB read buffers
// written back as 17 pieces. Requests sent on that first connection itself are answered too.
import { createServer } from 'node:net';
import { feedFrom, frameReader, helloPath, PayloadPool, TickOut } from './floor-frames.mjs';

const [path, index = '0'] = process.argv.slice(2);
const pool = new PayloadPool(); // a request's buffer is used again once its echo is written

const server = createServer((socket) => {
  const out = new TickOut(socket);
  const echo = (id, buf, start, end, pieces) => out.frame(id, buf, start, end, pieces ?? null, pool.doneWith(buf));
  socket.on(
    'data',
    frameReader((id, buf, start, end, pieces) => {
      if (id !== 0) echo(id, buf, start, end, pieces);
      else feedFrom(helloPath(buf, start, end, pieces), Number(index), echo, pool.take).on('error', () => socket.destroy());
    }),
  );
  socket.on('error', () => socket.destroy());
});
server.listen(path, () => process.send?.('ready'));
process.on('disconnect', () => process.exit(0));
