// Floor echo worker: listens on a Unix socket (argv[2]) and writes every frame back unchanged.
// Writes are corked per 'data' event so pipelined frames leave in one syscall.
import { createServer } from 'node:net';
import { frameReader, header } from './frames.mjs';

const path = process.argv[2];
const server = createServer((socket) => {
  const push = frameReader((id, payload) => {
    socket.write(header(id, payload.length));
    if (payload.length > 0) socket.write(payload);
  });
  socket.on('data', (chunk) => {
    socket.cork();
    push(chunk);
    socket.uncork();
  });
  socket.on('error', () => socket.destroy());
});
server.listen(path, () => process.send?.('ready'));
process.on('disconnect', () => process.exit(0));
