// client.app() at run time, on a fake client: awaiting an action is one call, iterating it at once a
// stream, and a call nobody awaits is still sent.
import test from 'ava';
import { appProxy, type ProxyCalls } from '../../src/client/typed-app.js';
import type { Thumbnailer } from './typed-app.types.js';

/** A fake client that records what the proxy asked for. */
function fakeCalls(): ProxyCalls & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    call: (app, action, args, options) => {
      log.push(`call ${app}.${action}(${JSON.stringify(args)})${options?.timeoutMs !== undefined ? ` within ${options.timeoutMs} ms` : ''}`);
      return Promise.resolve(`${action} done`);
    },
    openStream: (app, action, args) => {
      log.push(`stream ${app}.${action}(${JSON.stringify(args)})`);
      return (async function* () {
        await Promise.resolve();
        yield 1;
        yield 2;
      })();
    },
  };
}

test('runtime: awaiting an action makes one call; iterating it at once streams; not awaiting still sends it', async (t) => {
  const calls = fakeCalls();
  const images = appProxy<typeof Thumbnailer>(calls, 'images');
  t.is(await images.resize(new Uint8Array([1, 2]), 1), 'resize done' as unknown as Uint8Array);
  const items: number[] = [];
  for await (const n of images.tiles(2)) items.push(n);
  t.deepEqual(items, [1, 2]);
  void images.describe(new Uint8Array(3)); // fire and forget: sent in the next microtask
  await Promise.resolve();
  t.deepEqual(calls.log, ['call images.resize([{"0":1,"1":2},1])', 'stream images.tiles([2])', 'call images.describe([{"0":0,"1":0,"2":0}])']);
  t.is((images as unknown as { then?: unknown }).then, undefined, 'the proxy itself is not thenable');
  await t.throwsAsync(
    images.describe(new Uint8Array(1)).then(() => {
      throw new Error('x');
    }),
    { message: 'x' },
  );
});

test("runtime: the proxy's options reach every call", async (t) => {
  const calls = fakeCalls();
  await appProxy<typeof Thumbnailer>(calls, 'images', { timeoutMs: 500 }).describe(new Uint8Array(0));
  t.deepEqual(calls.log, ['call images.describe([{}]) within 500 ms']);
});
