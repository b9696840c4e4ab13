// client.app<typeof App>() against a real arbiter: unary, async and generator actions through the proxy.
import test from 'ava';
import { FIXTURES, startArbiter, stopAfterAll } from '../helpers/arbiter.js';

const running = stopAfterAll(test);

/** The shape of the Echo fixture (integration/fixtures/apps.mjs): an instance type works as well as `typeof Class`. */
interface Echo {
  init(): void;
  echo<T>(value: T): T;
  asyncEcho(value: string): Promise<string>;
  count(n: number): Generator<number>;
  ticks(n: number, ms: number): AsyncGenerator<number>;
  fail(message: string): never;
  _private(): string;
}

test('typed proxy: results, streams and errors of a real app', async (t) => {
  const a = await startArbiter({ config: { apps: [`${FIXTURES}:Echo`], workers: 1 } });
  running.push(a);
  const echo = a.client().app<Echo>(`${FIXTURES}:Echo`);
  const s: string = await echo.asyncEcho('hi');
  t.is(s, 'hi');
  t.deepEqual(await echo.echo({ n: 1 }), { n: 1 });
  const counted: number[] = [];
  for await (const n of echo.count(3)) counted.push(n);
  t.deepEqual(counted, [0, 1, 2]);
  const ticks: number[] = [];
  for await (const n of echo.ticks(2, 1)) ticks.push(n);
  t.deepEqual(ticks, [0, 1]);
  await t.throwsAsync(echo.fail('typed boom'), { message: /typed boom/ });
});
