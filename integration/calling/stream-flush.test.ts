// A sync generator never yields to the event loop by itself: the worker turns the loop (which writes
// the chunks stepped so far) after a millisecond of stepping, so a slow one's first chunk reaches
// the caller while the generator still runs, not with the rest when it is done (it used to wait
// for 64 chunks).
import test from 'ava';
import { ECHO, harness } from './helpers.js';

const h = harness();
test.after.always(() => h.cleanup());

test("a slow sync generator's first chunk arrives before its last one is made", async (t) => {
  const c = (await h.start({ apps: [ECHO], workers: 1 })).client();
  const steps = 10;
  let firstArrived: number | undefined;
  const made: number[] = [];
  // Each chunk is the wall-clock time (shared by the processes) at which the worker yielded it.
  for await (const at of c.stream(ECHO, 'busySteps', steps, 30)) {
    firstArrived ??= Date.now();
    made.push(at as number);
  }
  t.is(made.length, steps);
  const last = made[steps - 1] ?? 0;
  t.true(firstArrived !== undefined && firstArrived < last, `first chunk arrived at ${firstArrived}, the last was made at ${last}`);
});
