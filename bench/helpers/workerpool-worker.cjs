// workerpool worker (process mode, JSON IPC): echo, and echo of base64 text standing for bytes
// (decoded to a Buffer and re-encoded, as an app taking binary data over JSON would have to).
const workerpool = require('workerpool');

workerpool.worker({
  echo: (value) => value,
  echoB64: (text) => Buffer.from(text, 'base64').toString('base64'),
});
