// The Markdown report: machine and method, then each scenario's sections, then one goals table
// with PASS/MISS (or FLOOR WRONG when a floor was beaten) and a one-line summary.
import type { Machine } from './machine.js';
import { ratio, type Goal } from './scenario.js';
import type { BenchSettings } from './settings.js';
import { pinNote } from './pin.js';

export function header(host: Machine, loadEnd: string, s: BenchSettings, seconds: number, scenarios: readonly string[]): string[] {
  return [
    '# pm2-dirty benchmark report',
    '',
    `- Date: ${host.date}; whole run ${seconds.toFixed(0)} s; scenarios: ${scenarios.join(', ')}`,
    `- Machine: ${host.cpuModel}, ${host.cpus} vCPUs (${host.usableCpus} usable, affinity ${host.affinity}), ${host.kernel}`,
    `- Node ${host.node}; affinity of the run: ${host.affinity}; ${pinNote}`,
    `- Code measured: ${host.build}`,
    `- Load average (1/5/15 min) at start: ${host.load}; at end: ${loadEnd}`,
    ...busy(host),
    `- Method: transports interleaved, order rotated each repetition. Calls: per repetition 1 in flight = ${s.seqCalls} timed calls after ${s.seqUntimed} untimed; ` +
      `64 in flight = ${s.pipeMs} ms of keeping ${s.inflight} calls outstanding; 1 MiB = ${s.bigCalls} timed calls after ${s.bigWarmup}. ` +
      'Cells are the median over repetitions [min–max of the repetitions]; p99 is the median of the per-repetition p99s.',
    '',
  ];
}

/**
 * A warning line when other work competed for the vCPUs: a 1-minute load above their number at the
 * start (at the end the bench's own processes are in it).
 */
function busy(host: Machine): string[] {
  const load = Number(host.load.split('/')[0]);
  return load > host.usableCpus
    ? [
        `- **Busy machine**: a 1-minute load of ${load.toFixed(1)} on ${host.usableCpus} vCPUs at the start; other jobs competed, so ratios and the per-repetition floor check are unreliable in this run.`,
      ]
    : [];
}

export function goalsSection(goals: readonly Goal[]): string[] {
  const out = [
    '## Goals (computed from this run)',
    '',
    '| goal | measured (ours / reference) | ratio of medians | per-repetition ratio median [min–max] | target | result |',
    '|---|---|---|---|---|---|',
  ];
  const verdict = (g: Goal): string => (g.floorWrong !== undefined ? 'FLOOR WRONG' : g.pass ? 'PASS' : 'MISS');
  for (const g of goals) {
    const shown = g.floorWrong === undefined ? ratio(g.value) : `${g.medianFavoursFloor === true ? `${ratio(g.value)}; ` : ''}${g.floorWrong}`;
    const spread = g.floorWrong !== undefined ? '–' : (g.spread ?? '–');
    out.push(`| ${g.name} | ${g.measured} | ${shown} | ${spread} | ${g.target} | **${verdict(g)}** |`);
  }
  out.push('');
  const wrong = goals.filter((g) => g.floorWrong !== undefined).length;
  out.push(
    `Summary: ${goals.filter((g) => g.pass).length} of ${goals.length} goals met` +
      `${wrong > 0 ? `; ${wrong} floor(s) beaten by the real system, so those floors are wrong` : ''} (${goals.map(verdict).join(', ')}).`,
  );
  out.push('');
  return out;
}
