// `npm run bench`: the scenarios below, one after another, each next to its floor or peer, then one
// Markdown report on stdout (progress on stderr). BENCH_ONLY=calls,stash runs a subset.
// A benchmark, not a test: nothing here asserts a timing; PASS/MISS are computed and printed.
// To add rows: write a Scenario (bench/lib/scenario.ts) in bench/scenarios/ and list it here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/arbiter.js';
import { loadNow, machine } from './lib/machine.js';
import { started } from './lib/proc.js';
import { goalsSection, header } from './lib/report.js';
import type { Goal, Scenario, ScenarioContext } from './lib/scenario.js';
import { settings } from './lib/settings.js';
import { calls } from './scenarios/calls.js';
import { scaleUp } from './scenarios/scale-up.js';
import { stash } from './scenarios/stash.js';
import { streams } from './scenarios/streams.js';
import { webTier } from './scenarios/web-tier.js';

const scenarios: readonly Scenario[] = [calls, webTier, stash, scaleUp, streams];

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

const dir = mkdtempSync(join(tmpdir(), 'pdb-'));
const closers: (() => Promise<void>)[] = [];
const closeAll = async (): Promise<void> => {
  for (const close of closers.splice(0).reverse()) await close().catch((err: unknown) => log(`cleanup: ${String(err)}`));
};
let cleaning = false;

async function cleanup(): Promise<void> {
  if (cleaning) return;
  cleaning = true;
  await closeAll();
  // Anything still running was started by this run: stop it by pid.
  for (const child of started) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping the processes this run started`);
    void cleanup().finally(() => process.exit(130));
  });
}

const only = (process.env['BENCH_ONLY'] ?? '').split(',').filter((s) => s !== '');
const chosen = only.length === 0 ? scenarios : scenarios.filter((s) => only.includes(s.name));
const ctx: ScenarioContext = { dir, settings, log, closing: (c) => void closers.push(c), closeAll };
const t0 = Date.now();
const host = machine(ROOT);
try {
  log(`settings ${JSON.stringify(settings)}; scenarios ${chosen.map((s) => s.name).join(', ')}`);
  const sections: string[] = [];
  const goals: Goal[] = [];
  const raw: Record<string, unknown> = {};
  for (const scenario of chosen) {
    const started = Date.now();
    const outcome = await scenario.run(ctx);
    await closeAll();
    sections.push(...outcome.markdown);
    goals.push(...outcome.goals);
    raw[scenario.name] = outcome.raw;
    log(`${scenario.name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  const report = [
    ...header(
      host,
      loadNow(),
      settings,
      (Date.now() - t0) / 1000,
      chosen.map((s) => s.name),
    ),
    ...sections,
    ...goalsSection(goals),
  ];
  process.stdout.write(report.join('\n'));
  const out = process.env['BENCH_JSON'];
  if (out !== undefined && out !== '') writeFileSync(out, JSON.stringify({ host, settings, raw }, null, 2));
} finally {
  await cleanup();
}
