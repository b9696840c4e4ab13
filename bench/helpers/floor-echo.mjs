// Floor echo worker: listens on a Unix socket (argv[2]) and answers every frame with the same
// payload under the same id, all answers of one tick in one write (floor-frames.mjs).
import { createServer } from 'node:net';
import { frameReader, TickOut } from './floor-frames.mjs';

const path = process.argv[2];
const server = createServer((socket) => {
  const out = new TickOut(socket);
  socket.on(
    'data',
    frameReader((id, buf, start, end, pieces) => out.frame(id, buf, start, end, pieces)),
  );
  socket.on('error', () => socket.destroy());
});
server.listen(path, () => process.send?.('ready'));
process.on('disconnect', () => process.exit(0));
