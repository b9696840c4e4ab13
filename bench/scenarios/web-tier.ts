// The shape real deployments have: 8 client processes (the web tier), each keeping 16 calls in
// flight, against 2 workers; next to the honest floor of the same shape (8 client processes → relay
// → 2 echo processes). Sides alternate per repetition; all 8 clients of a side start together.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_APPS, ROOT, startArbiter, status } from '../lib/arbiter.js';
import { cpuNow, cpuSpent } from '../lib/measure.js';
import { forkReady, within } from '../lib/proc.js';
import { ratioGoal, SeriesBook, type Goal, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { fmt, median, showSpread } from '../lib/stats.js';
import { floor } from '../lib/transports.js';

interface WindowResult {
  readonly calls: number;
  readonly ms: number;
  readonly cpuUs: number;
  readonly error?: string;
}

interface Side {
  readonly key: string;
  readonly clients: readonly ChildProcess[];
  readonly roles: readonly { role: string; pid: number }[];
}

function ask(child: ChildProcess, ms: number): Promise<WindowResult> {
  const answer = new Promise<WindowResult>((resolve, reject) => {
    child.once('message', (m: WindowResult) => (m.error === undefined ? resolve(m) : reject(new Error(`web-tier client: ${m.error}`))));
  });
  child.send({ run: ms });
  return within(answer, ms + 30_000, 'a web-tier client window');
}

/** One window of all clients of a side: calls/s (all clients, until the last answer) and CPU µs per call by role. */
async function window(side: Side, ms: number): Promise<{ cps: number; cpu: Record<string, number> }> {
  const c0 = cpuNow(side.roles.map((r) => r.pid));
  const results = await Promise.all(side.clients.map((c) => ask(c, ms)));
  const spent = cpuSpent(c0, cpuNow(side.roles.map((r) => r.pid)), side.roles);
  const calls = results.reduce((n, r) => n + r.calls, 0);
  const elapsed = Math.max(...results.map((r) => r.ms));
  const cpu: Record<string, number> = { clients: results.reduce((n, r) => n + r.cpuUs, 0) / calls };
  for (const [role, us] of Object.entries(spent)) if (role !== 'harness') cpu[role] = us / calls;
  return { cps: (calls * 1000) / elapsed, cpu };
}

async function run(ctx: ScenarioContext): Promise<{ markdown: string[]; goals: Goal[]; raw: unknown }> {
  const { settings: s, log } = ctx;
  log(`web tier: ${s.webClients} client processes × ${s.webInflight} in flight, ${s.webWorkers} workers`);
  const arbiter = await startArbiter({
    name: 'web',
    dir: ctx.dir,
    config: { apps: [{ name: 'echo', module: BENCH_APPS, export: 'Echo' }], workers: s.webWorkers, concurrency: 1 },
  });
  ctx.closing(arbiter.stop);
  const workerPids = (await status(arbiter)).workers.flatMap((w) => (w.pid === null ? [] : [w.pid]));
  const f = await floor(ctx.dir, s.webWorkers, 'web-floor');
  ctx.closing(f.close);
  const script = join(ROOT, 'bench/helpers/load-client.mjs');
  const clientModule = join(ROOT, 'dist/client/index.js');
  const spawnClients = async (mode: string, path: string): Promise<ChildProcess[]> => {
    const out: ChildProcess[] = [];
    // The web tier's processes run with Node's default flags on both sides: only the middle and the workers differ.
    for (let i = 0; i < s.webClients; i++) out.push(await forkReady(script, [mode, path, String(s.webInflight), clientModule]));
    return out;
  };
  const sides: Side[] = [
    {
      key: 'ours',
      clients: await spawnClients('ours', arbiter.socketPath),
      roles: [{ role: 'arbiter', pid: arbiter.pid }, ...workerPids.map((pid) => ({ role: 'workers', pid }))],
    },
    {
      key: 'floor',
      clients: await spawnClients('floor', f.relayPath),
      roles: f.twoHop.processes().map((p) => ({ role: p.role === 'relay' ? 'relay' : 'workers', pid: p.pid })),
    },
  ];
  // The clients exit when their IPC channel closes (they close their connection first).
  ctx.closing(() => {
    for (const side of sides) for (const c of side.clients) if (c.connected) c.disconnect();
    return Promise.resolve();
  });

  log('web tier: warm-up (untimed)');
  for (const side of sides) for (let i = 0; i < 2; i++) await window(side, s.webMs);
  const book = new SeriesBook<'web'>();
  const cpu = new Map<string, Record<string, number>[]>();
  for (let rep = 0; rep < s.webReps; rep++) {
    for (const side of rep % 2 === 0 ? sides : [...sides].reverse()) {
      const w = await window(side, s.webMs);
      book.add('web', side.key, w.cps);
      cpu.set(side.key, [...(cpu.get(side.key) ?? []), w.cpu]);
      const total = Object.values(w.cpu).reduce((a, b) => a + b, 0);
      log(`web tier rep ${rep + 1}/${s.webReps} ${side.key.padEnd(6)} ${Math.round(w.cps)} calls/s, ${total.toFixed(1)} CPU µs/call`);
    }
  }
  await ctx.closeAll();

  const out: string[] = [];
  const line = (l = ''): void => {
    out.push(l);
  };
  const role = (key: string, r: string): string => {
    const c = cpu.get(key) ?? [];
    return c.some((x) => r in x) ? fmt(median(c.map((x) => x[r] ?? 0)), 1) : '–';
  };
  const total = (key: string): number => median((cpu.get(key) ?? []).map((x) => Object.values(x).reduce((a, b) => a + b, 0)));
  line(`## B. Web tier: ${s.webClients} client processes × ${s.webInflight} calls in flight, ${s.webWorkers} workers (${s.webReps} repetitions)`);
  line();
  line('| transport | calls/s, all clients (× floor) | CPU µs/call: clients | middle (arbiter / relay) | workers (both) | total (× floor) |');
  line('|---|---|---|---|---|---|');
  const fl = book.spread('web', 'floor')?.median ?? Number.NaN;
  const label: Record<string, string> = {
    ours: `**pm2-dirty** (${s.webWorkers} workers, concurrency 1, echo)`,
    floor: `honest floor of the same shape (relay → ${s.webWorkers} echo processes, fewest in flight first)`,
  };
  for (const key of ['ours', 'floor']) {
    const m = book.spread('web', key);
    const vs = key === 'floor' || m === undefined ? '' : ` (${(m.median / fl).toFixed(2)}×)`;
    const cvs = key === 'floor' ? '' : ` (${(total(key) / total('floor')).toFixed(2)}×)`;
    line(
      `| ${label[key] ?? key} | ${showSpread(m, (v) => fmt(v, 0))}${vs} | ${role(key, 'clients')} | ${key === 'ours' ? role(key, 'arbiter') : role(key, 'relay')} | ` +
        `${role(key, 'workers')} | ${fmt(total(key), 1)}${cvs} |`,
    );
  }
  line();
  line(
    `Each window: every client keeps ${s.webInflight} calls outstanding for ${s.webMs} ms, then lets them finish; calls/s = all calls / the longest client's time. ` +
      "Client CPU is each client process's own `process.cpuUsage()` over its window; the others from /proc.",
  );
  line();
  const goals = [
    ratioGoal(book, 'web', 'ours', 'floor', {
      name: `web tier ${s.webClients}×${s.webInflight} in flight, throughput vs floor of the same shape`,
      unit: 'calls/s',
      atLeast: 0.7,
      floorCheck: true,
    }),
  ];
  return { markdown: out, goals, raw: { web: book.toJSON(), cpu: Object.fromEntries(cpu) } };
}

export const webTier: Scenario = { name: 'web-tier', run };
