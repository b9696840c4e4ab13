// A bystander in its own process: calls Echo.echo on $PM2_DIRTY_SOCKET back to back, and on the
// message 'stop' replies with how many calls it made, the longest round trip in ms and any failures.
// Its own event loop does nothing else, so a long round trip means the arbiter kept it waiting.
import { createClient } from 'pm2-dirty';

const [app] = process.argv.slice(2);
const client = createClient({ timeoutMs: 30_000 });
let stopping = false;
let calls = 0;
let maxMs = 0;
const failures = [];

process.on('message', (m) => {
  if (m === 'stop') stopping = true;
});

await client.execute(app, 'echo', 'warm-up');
process.send?.('started');
while (!stopping) {
  const start = performance.now();
  try {
    await client.execute(app, 'echo', calls);
  } catch (err) {
    failures.push(`${err.name}: ${err.message}`);
  }
  maxMs = Math.max(maxMs, performance.now() - start);
  calls++;
  // Let the 'stop' message in between calls.
  await new Promise((resolve) => setImmediate(resolve));
}
process.send?.({ calls, maxMs, failures }, () => {
  void client.close().then(() => process.exit(0));
});
