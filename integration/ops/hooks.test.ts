// Lifecycle hooks: called in gunicorn's order, in the right process, and a hook that throws or
// hangs is logged with its name without taking the arbiter or the worker down.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { FIXTURES, startArbiter, type RunningArbiter } from '../helpers/arbiter.js';
import { waitFor } from '../helpers/wait-for.js';

interface Event {
  hook: string;
  pid: number;
  arg: Record<string, unknown>;
}

const running: RunningArbiter[] = [];
const dirs: string[] = [];
test.after.always(async () => {
  await Promise.all(running.map((a) => a.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function configWithHooks(eventsFile: string, extra = ''): string {
  return `import { appendFileSync } from 'node:fs';
const log = (hook, arg) => appendFileSync(${JSON.stringify(eventsFile)}, JSON.stringify({ hook, pid: process.pid, arg }) + '\\n');
export default {
  apps: [${JSON.stringify(`${FIXTURES}:Echo`)}],
  workers: 2,
  hookTimeoutMs: 300,
  onDirtyStarting: (arbiter) => log('onDirtyStarting', arbiter),
  dirtyPostFork: (arbiter, worker) => log('dirtyPostFork', worker),
  dirtyWorkerInit: async (worker) => { log('dirtyWorkerInit', worker); },
  dirtyWorkerExit: (arbiter, worker) => log('dirtyWorkerExit', worker),
  onScale: (event) => log('onScale', event),
  ${extra}
};
`;
}

const readEvents = (file: string): Event[] => {
  try {
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Event);
  } catch {
    return [];
  }
};

test('hooks run in order, in the arbiter or the worker as gunicorn defines them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dh-'));
  dirs.push(dir);
  const file = join(dir, 'events.jsonl');
  const a = await startArbiter({ config: configWithHooks(file) });
  running.push(a);
  const boot = await waitFor(() => {
    const ev = readEvents(file);
    return ev.filter((e) => e.hook === 'dirtyWorkerInit').length === 2 ? ev : false;
  }, 'two dirtyWorkerInit events');
  t.is(boot[0]?.hook, 'onDirtyStarting');
  t.is(boot[0]?.pid, a.pid);
  const forks = boot.filter((e) => e.hook === 'dirtyPostFork');
  const inits = boot.filter((e) => e.hook === 'dirtyWorkerInit');
  t.is(forks.length, 2);
  t.true(
    forks.every((e) => e.pid === a.pid),
    'dirtyPostFork runs in the arbiter',
  );
  const sorted = (xs: unknown[]): number[] => xs.map(Number).sort((x, y) => x - y);
  t.deepEqual(sorted(inits.map((e) => e.pid)), sorted(forks.map((e) => e.arg['pid'])), 'dirtyWorkerInit runs in each forked worker');
  t.true(boot.findIndex((e) => e.hook === 'dirtyWorkerInit') > boot.findIndex((e) => e.hook === 'dirtyPostFork'));

  process.kill(a.pid, 'SIGTTOU');
  const after = await waitFor(() => {
    const ev = readEvents(file);
    return ev.some((e) => e.hook === 'dirtyWorkerExit') ? ev : false;
  }, 'dirtyWorkerExit after SIGTTOU');
  const scale = after.find((e) => e.hook === 'onScale');
  t.like(scale?.arg, { source: 'SIGTTOU', previous: 2, target: 1 });
  t.regex(String(scale?.arg['reason']), /Decreasing dirty workers to 1/);
  t.is(after.find((e) => e.hook === 'dirtyWorkerExit')?.pid, a.pid);
});

test('a hook that throws or hangs is logged with its name and the pool keeps working', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dh-'));
  dirs.push(dir);
  const file = join(dir, 'events.jsonl');
  const src = configWithHooks(file)
    .replace("dirtyPostFork: (arbiter, worker) => log('dirtyPostFork', worker),", "dirtyPostFork: () => { throw new Error('post-fork boom'); },")
    .replace("dirtyWorkerInit: async (worker) => { log('dirtyWorkerInit', worker); },", 'dirtyWorkerInit: () => new Promise(() => {}),')
    .replace("onScale: (event) => log('onScale', event),", "onScale: async () => { throw new Error('scale boom'); },");
  const a = await startArbiter({ config: src });
  running.push(a);
  await a.waitForLog(/hook dirtyPostFork threw: Error: post-fork boom/);
  await a.waitForLog(/hook dirtyWorkerInit did not finish within 300 ms/);
  const c = a.client();
  t.is(await c.execute(`${FIXTURES}:Echo`, 'echo', 'still serving'), 'still serving');
  process.kill(a.pid, 'SIGTTIN');
  await a.waitForLog(/hook onScale threw: Error: scale boom/);
  await waitFor(async () => ((await c.status()) as { live: number }).live === 3, 'the third worker');
  t.is(a.proc.exitCode, null);
});
