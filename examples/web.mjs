// Example web app (node:http) calling the dirty pool: /hash, /verify, /stream, /status.
import { createServer } from 'node:http';
import { createClient, isDirtyError } from 'pm2-dirty';

const dirty = createClient({ timeoutMs: 10_000 });
const port = Number(process.env.PORT ?? 3000);

const json = (res, code, body) => {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
};

const routes = {
  async '/hash'(url, res) {
    const password = url.searchParams.get('password') ?? '';
    json(res, 200, { hash: await dirty.execute('hasher', 'hash', password) });
  },
  async '/verify'(url, res) {
    const ok = await dirty.execute('hasher', 'verify', url.searchParams.get('password') ?? '', url.searchParams.get('hash') ?? '');
    json(res, 200, { ok });
  },
  // A result cache in the arbiter's stash, shared by every web process: the expensive call runs once.
  async '/derive'(url, res) {
    const input = url.searchParams.get('input') ?? '';
    const cached = await dirty.stash.get('derive-cache', input);
    if (cached !== undefined) return json(res, 200, { key: cached, cached: true });
    const key = await dirty.execute('hasher', 'derive', input);
    await dirty.stash.put('derive-cache', input, key, { ttlMs: 10 * 60_000 });
    json(res, 200, { key, cached: false });
  },
  async '/stream'(url, res) {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    for await (const token of dirty.stream('tokens', 'generate', url.searchParams.get('prompt') ?? 'hello')) {
      res.write(token);
    }
    res.end('\n');
  },
  async '/status'(_url, res) {
    json(res, 200, await dirty.status());
  },
  async '/hits'(_url, res) {
    json(res, 200, { hits: await dirty.stash.get('web', 'hits', 0) });
  },
};

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = routes[url.pathname];
  dirty.stash.incr('web', 'hits').catch(() => undefined); // an atomic counter shared by all web processes
  if (!route) return json(res, 404, { error: 'not found', routes: Object.keys(routes) });
  route(url, res).catch((err) => {
    if (res.headersSent) return res.end(`\n[error: ${err.message}]\n`);
    json(res, isDirtyError(err) ? 503 : 500, { error: err.name, code: err.code, message: err.message });
  });
});

server.listen(port, () => {
  console.log(`example web app on http://localhost:${port}`);
  process.send?.('ready');
});
const stop = () => server.close(() => dirty.close().finally(() => process.exit(0)));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
