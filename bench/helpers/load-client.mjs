// One web-tier process of the "8 clients × 16 in flight" scenario: argv[2] is 'ours' or 'floor',
// argv[3] the socket, argv[4] the calls to keep in flight, argv[5] (ours) the built client module.
// On { run: ms } over IPC it keeps that many 64-byte echo calls outstanding for `ms`, lets the last
// ones finish, and answers { calls, ms, cpuUs } (its own CPU time over the window).
// WARMUP_CALLS (default 30000): calls made before it reports ready.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { FloorClient } from './floor-client.mjs';

const [mode, socketPath, inflightText, clientModule] = process.argv.slice(2);
const inflight = Number(inflightText);
let call;
let close;
if (mode === 'ours') {
  const { createClient } = await import(pathToFileURL(clientModule).href);
  const client = createClient({ socketPath, timeoutMs: 30_000 });
  const text = 'x'.repeat(64);
  call = () => client.execute('echo', 'echo', text);
  close = () => client.close();
} else {
  const client = await FloorClient.connect(socketPath);
  const bytes = Buffer.alloc(64, 0x78);
  call = () => client.call(bytes);
  close = () => client.close();
}

function window(ms) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + ms;
  let done = 0;
  let active = 0;
  return new Promise((resolve, reject) => {
    const launch = () => {
      active++;
      call().then(() => {
        done++;
        active--;
        if (performance.now() < deadline) launch();
        else if (active === 0) {
          const c = process.cpuUsage(c0);
          resolve({ calls: done, ms: performance.now() - t0, cpuUs: c.user + c.system });
        }
      }, reject);
    };
    for (let i = 0; i < inflight; i++) launch();
  });
}

process.on('message', (m) => {
  if (m && typeof m.run === 'number') {
    window(m.run).then(
      (r) => process.send(r),
      (err) => process.send({ error: String(err) }),
    );
  }
});
process.on('disconnect', () => {
  Promise.resolve(close()).finally(() => process.exit(0));
});
// Before 'ready' (the parent starts the clients one by one): one call proves the connection, then
// WARMUP_CALLS calls in windows so that this process's code is optimized before any timed window
// (8 cold clients sharing 2 vCPUs otherwise ran the first seconds several times slower).
await call();
for (let done = 0; done < Number(process.env.WARMUP_CALLS ?? 30_000);) done += (await window(100)).calls;
process.send('ready');
