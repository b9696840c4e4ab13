// The `status` report as a terminal table (pm2-dirty status, pm2-dirty top).
import type { ArbiterStatus } from '../arbiter/status.js';

/** Left-aligned columns, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** `1 restart`, `2 restarts`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

const mb = (bytes: number): string => (bytes > 0 ? `${(bytes / 1048576).toFixed(1)} MB` : '-');

export function formatStatus(s: ArbiterStatus): string {
  const out: string[] = [];
  out.push(`pm2-dirty arbiter pid ${s.pid}, socket ${s.socket}`);
  const reload = s.reloading ? `, reloading ${s.reloading.replaced}/${s.reloading.total}` : '';
  out.push(
    `pool: ${plural(s.live, 'live worker')}, target ${s.target} (minimum ${s.minimum}, maximum ${s.maximum})${reload}; ` +
      `${plural(s.restarts, 'restart')}, ${plural(s.memoryReplacements, 'memory replacement')}`,
  );
  out.push(`breaker: ${s.crashLooping.length === 0 ? 'closed' : `open for ${s.crashLooping.map((k) => `[${k}]`).join(', ')}`}`);
  if (s.autoscale.enabled) out.push(`autoscale: ${s.autoscale.min ?? '?'}..${s.autoscale.max ?? '?'}`);
  out.push(...formatCalls(s.calls));
  out.push('');
  out.push(
    table([
      ['WORKER', 'PID', 'STATE', 'IN FLIGHT', 'SERVED', 'UPTIME', 'RSS', 'APPS'],
      ...s.workers.map((w) => [
        String(w.id),
        String(w.pid ?? '-'),
        w.state,
        String(w.inflight),
        String(w.served),
        duration(w.uptimeMs),
        mb(w.rssBytes),
        w.apps.join(', '),
      ]),
    ]),
  );
  out.push('');
  out.push(table([['APP', 'LIMIT', 'HOLDERS'], ...s.apps.map((a) => [a.name, a.limit === null ? '-' : String(a.limit), String(a.holders)])]));
  return out.join('\n');
}

function formatCalls(c: ArbiterStatus['calls']): string[] {
  const w = c.window;
  const nonZero = (o: Record<string, number>): string =>
    Object.entries(o)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  return [
    `calls now: ${c.inflight} in flight, ${c.queued} queued`,
    `last ${w.seconds} s: ${w.perSecond} calls/s, ${w.errorsPerSecond} errors/s; ` +
      `latency p50 ${w.latencyMs.p50} / p95 ${w.latencyMs.p95} / p99 ${w.latencyMs.p99} ms; ` +
      `queue wait p95 ${w.queueWaitMs.p95} ms; outcomes: ${nonZero(w.outcomes)}`,
    `since start: ${c.total} calls, ${c.errors} errors; outcomes: ${nonZero(c.outcomes)}`,
  ];
}
