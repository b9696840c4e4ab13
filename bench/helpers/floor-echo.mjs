// Floor echo worker: listens on a Unix socket (argv[2]) and answers every frame with the same
// payload under the same id, all answers of one tick in one write (floor-frames.mjs).
// A client (the one-hop floor) sends and reads on the connection it makes. The relay uses two: it
// connects here and sends a hello (a frame with id 0 whose payload is the path of its feed socket);
// this process then connects to that feed, says which echo it is there (id 0, argv[3]), and reads
// the relay's requests from it, answering on the relay's connection. So each side reads on a socket
// it connected itself, which is where net offers `onread`: a 1 MiB request is read straight into one
// buffer of its size (assemblingReads), as the relay reads the answers, instead of as 17 fresh 64 KiB
// read buffers that are then written back as 17 pieces.
import { Buffer } from 'node:buffer';
import { connect, createServer } from 'node:net';
import { assemblingReads, frameReader, TickOut } from './floor-frames.mjs';

const [path, index = '0'] = process.argv.slice(2);

function feed(feedPath, out) {
  const socket = connect({ path: feedPath, onread: assemblingReads((id, buf, start, end) => out.frame(id, buf, start, end, null)) });
  const hello = Buffer.alloc(8);
  hello.writeUInt32BE(Number(index), 4);
  socket.write(hello);
  socket.on('error', () => process.exit(1));
}

const server = createServer((socket) => {
  const out = new TickOut(socket);
  socket.on(
    'data',
    frameReader((id, buf, start, end, pieces) => {
      if (id === 0) feed((pieces === null ? buf.subarray(start, end) : Buffer.concat(pieces)).toString(), out);
      else out.frame(id, buf, start, end, pieces);
    }),
  );
  socket.on('error', () => socket.destroy());
});
server.listen(path, () => process.send?.('ready'));
process.on('disconnect', () => process.exit(0));
