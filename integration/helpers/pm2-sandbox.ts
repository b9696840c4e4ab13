// A real pm2 daemon in a throw-away PM2_HOME for one test file: every CLI call carries that
// PM2_HOME, trigger replies and jlist are parsed, config and ecosystem files are written next to it,
// and cleanup() kills that daemon (`pm2 kill`), then by pid any process the file saw that still runs.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { MAIN, ROOT } from './arbiter.js';
import { workersOf, type ProcInfo } from './procs.js';
import { waitFor } from './wait-for.js';
import type { ArbiterStatus } from '../../src/arbiter/status.js';

export const PM2_BIN = join(ROOT, 'node_modules/.bin/pm2');
export const NAME = 'pm2-dirty';
/** The `apps` entry pm2 uses when pm2-dirty is installed as a module (package.json). */
export const PACKAGE_APP = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { apps: Record<string, unknown>[] }).apps[0]!;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface Pm2Env {
  readonly status: string;
  readonly restart_time: number;
  readonly exit_code?: number;
  readonly pmx_module?: boolean;
  readonly axm_monitor?: Record<string, { readonly value: unknown }>;
  readonly axm_actions?: readonly { readonly action_name: string; readonly arity: number }[];
  readonly [key: string]: unknown;
}

export interface Pm2Process {
  readonly name: string;
  readonly pid: number;
  readonly pm_id: number;
  readonly pm2_env: Pm2Env;
}

/** The `status` action's report: the arbiter's own type, so the tests cannot drift from it. */
export type { ArbiterStatus };

/** The reply of scale-up, scale-down and scale-to. */
export interface ScaleReply {
  readonly ok: boolean;
  readonly target: number;
  readonly previous: number;
  readonly live: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly message: string;
  readonly clampedBy?: 'minimum' | 'maximum';
}

// eslint-disable-next-line no-control-regex -- pm2 colours its output even into a pipe
const ANSI = /\x1b\[[0-9;]*m/g;
export const plain = (text: string): string => text.replace(ANSI, '');

/** State and start time (clock ticks since boot) of a process, from /proc/<pid>/stat. */
function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', start: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** Running and not a zombie (an orphan reparented to a non-reaping init stays a zombie for a while). */
export function running(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** One `axm:reply` packet seen on pm2's bus. */
export interface BusReply {
  readonly process: { readonly name: string; readonly pm_id: number };
  readonly data: { readonly action_name: string; readonly return: unknown };
}

/** The bits of pm2's programmatic API used here (pm2 ships no type for `custom`). */
interface Pm2Api {
  connect(cb: (err: Error | null) => void): void;
  launchBus(cb: (err: Error | null, bus: { on(event: string, fn: (pkt: BusReply) => void): void }) => void): void;
  disconnect(cb?: (err?: Error | null) => void): void;
  readonly Client: { disconnectBus(cb: (err?: Error | null) => void): void };
}

export class Pm2Sandbox {
  /** Short on purpose: Unix socket paths are limited to 107 bytes. */
  readonly dir = mkdtempSync(join(tmpdir(), 'p2-'));
  readonly home = join(this.dir, 'h');
  readonly socketPath = join(this.dir, 'd.sock');
  readonly env: NodeJS.ProcessEnv;
  /** Processes this file started (pid -> start time, so a reused pid is never mistaken for one). */
  readonly #seen = new Map<number, string>();
  #api: Pm2Api | undefined;
  /** `pm2 trigger` calls made so far (compared with the replies seen on the bus). */
  triggersSent = 0;
  /** `pm2 trigger` CLIs that printed the reply but did not exit (see triggerAll). */
  cliHangs = 0;

  constructor(extraEnv: Record<string, string> = {}) {
    // Only what a test puts in an ecosystem or in `pm2 set` may configure the arbiter;
    // PM2_PROGRAMMATIC is set by `import 'pm2'` (openBus) and would silence the CLI.
    const dropped = new Set(['PM2_DIRTY_CONFIG', 'PM2_DIRTY_SOCKET', 'PM2_PROGRAMMATIC', NAME]);
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !dropped.has(k)));
    this.env = { ...inherited, PM2_HOME: this.home, ...extraEnv };
  }

  /** One pm2 CLI call with this sandbox's PM2_HOME; resolves whatever the exit code. */
  run(args: readonly string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
    const started = Date.now();
    return new Promise((resolve) => {
      execFile(
        PM2_BIN,
        args,
        { env: { ...this.env, ...opts.env }, cwd: this.dir, timeout: opts.timeoutMs ?? 20_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
          resolve({ code, stdout: plain(stdout), stderr: plain(stderr), ms: Date.now() - started });
        },
      );
    });
  }

  /** A pm2 CLI call that must succeed. */
  async pm2(args: readonly string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`pm2 ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /**
   * `pm2 trigger <name> <action> [...params]`: every `[name:id:ns]=<json>` reply line, parsed.
   * pm2 7.0.4's CLI can miss its own exit after printing the reply: it counts replies against the
   * process count from its RPC answer, and a reply handled before that answer leaves it waiting
   * forever (lib/API/Extra.js, CLI.prototype.trigger). The reply is what the arbiter owes, so a CLI
   * still running 3 s after printing it is killed and counted in `cliHangs`.
   */
  triggerAll(action: string, params: readonly string[] = [], name = NAME): Promise<{ replies: unknown[]; result: CliResult }> {
    this.triggersSent++;
    const args = ['trigger', name, action, ...params];
    const started = Date.now();
    const parse = (text: string): unknown[] =>
      text
        .split('\n')
        .map((line) => /^\[([^:\]]+):(\d+):[^\]]*\]=(.*)$/.exec(line.trim()))
        .filter((m): m is RegExpExecArray => m !== null && m[1] === name)
        .map((m) => JSON.parse(m[3]!) as unknown);
    return new Promise((resolve, reject) => {
      const child = spawn(PM2_BIN, args, { env: this.env, cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let lingering: NodeJS.Timeout | undefined;
      const deadline = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        lingering ??=
          parse(plain(stdout)).length > 0
            ? setTimeout(() => {
                this.cliHangs++;
                child.kill('SIGKILL');
              }, 3_000)
            : undefined;
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code, signal) => {
        clearTimeout(deadline);
        clearTimeout(lingering);
        const result: CliResult = { code, stdout: plain(stdout), stderr: plain(stderr), ms: Date.now() - started };
        const replies = parse(result.stdout);
        if (replies.length > 0) resolve({ replies, result });
        else reject(new Error(`pm2 ${args.join(' ')} gave no reply (exit ${code}, signal ${signal}):\n${result.stdout}\n${result.stderr}`));
      });
    });
  }

  /** The single reply of an action (fails if pm2 printed none or several). */
  async trigger<T = unknown>(action: string, params: readonly string[] = [], name = NAME): Promise<T> {
    const { replies, result } = await this.triggerAll(action, params, name);
    if (replies.length !== 1) throw new Error(`expected exactly one reply to ${action}, got ${replies.length}:\n${result.stdout}`);
    return replies[0] as T;
  }

  status(): Promise<ArbiterStatus> {
    return this.trigger<ArbiterStatus>('status');
  }

  async jlist(): Promise<Pm2Process[]> {
    const r = await this.pm2(['jlist']);
    const line = r.stdout.split('\n').find((l) => l.startsWith('[{') || l.trim() === '[]');
    if (line === undefined) throw new Error(`pm2 jlist printed no JSON:\n${r.stdout}`);
    return JSON.parse(line) as Pm2Process[];
  }

  async describe(name = NAME): Promise<Pm2Process | undefined> {
    const p = (await this.jlist()).find((x) => x.name === name);
    if (p && p.pid > 0) this.track(p.pid);
    return p;
  }

  /** Polls jlist until the process satisfies `ok` (default: online). */
  waitProcess(what: string, ok: (p: Pm2Process) => boolean = (p) => p.pm2_env.status === 'online', timeoutMs = 20_000, name = NAME): Promise<Pm2Process> {
    return waitFor(
      async () => {
        const p = await this.describe(name);
        return p !== undefined && ok(p) ? p : false;
      },
      `${name}: ${what}`,
      timeoutMs,
      100,
    );
  }

  /** The arbiter's worker processes (children titled `pm2-dirty: dirty-worker [...]`), remembered for cleanup. */
  workers(arbiterPid: number): ProcInfo[] {
    const w = workersOf(arbiterPid);
    this.track(...w.map((p) => p.pid));
    return w;
  }

  /** Remembers pids to SIGKILL at cleanup should they still run (only processes this file started). */
  track(...pids: number[]): void {
    for (const pid of pids) {
      const start = pid > 0 && !this.#seen.has(pid) ? procStat(pid)?.start : undefined;
      if (start !== undefined) this.#seen.set(pid, start);
    }
  }

  /** Polls until pm2's status and the real processes agree on `n` live workers. */
  async converged(n: number, timeoutMs = 20_000): Promise<ArbiterStatus> {
    return waitFor(
      async () => {
        const s = await this.status();
        const procs = this.workers(s.pid).length;
        return s.target === n && s.live === n && s.workers.length === n && procs === n ? s : false;
      },
      `${n} live workers`,
      timeoutMs,
      100,
    );
  }

  writeConfig(config: Record<string, unknown>, file = 'dirty.config.mjs'): string {
    const path = join(this.dir, file);
    writeFileSync(path, `export default ${JSON.stringify(config, null, 2)};\n`);
    return path;
  }

  /** An ecosystem file with package.json's `apps` entry (script made absolute) plus `env`/overrides. */
  writeEcosystem(env: Record<string, string>, overrides: Record<string, unknown> = {}): string {
    const path = join(this.dir, 'ecosystem.json');
    const app = { ...PACKAGE_APP, name: NAME, script: MAIN, env, ...overrides };
    writeFileSync(path, JSON.stringify({ apps: [app] }, null, 2));
    return path;
  }

  /**
   * Every `axm:reply` on pm2's bus from now on (the CLI stops reading after the first reply, so this
   * is how "replies exactly once" is observed). One bus for the whole file, opened once; closed
   * by cleanup() before the daemon is killed.
   */
  async openBus(): Promise<BusReply[]> {
    if (this.#api) throw new Error('one bus per sandbox');
    process.env['PM2_HOME'] = this.home;
    const mod = (await import('pm2')) as unknown as { default: { custom: new (opts: { pm2_home: string }) => Pm2Api } };
    const api = new mod.default.custom({ pm2_home: this.home });
    this.#api = api;
    await new Promise<void>((resolve, reject) => api.connect((err) => (err ? reject(err) : resolve())));
    const replies: BusReply[] = [];
    await new Promise<void>((resolve, reject) => {
      api.launchBus((err, bus) => {
        if (err) {
          reject(err);
          return;
        }
        bus.on('axm:reply', (pkt) => replies.push(pkt));
        resolve();
      });
    });
    return replies;
  }

  async #closeBus(): Promise<void> {
    const api = this.#api;
    if (!api) return;
    this.#api = undefined;
    const settle = (start: (done: () => void) => void): Promise<void> =>
      Promise.race([new Promise<void>((resolve) => start(resolve)), delay(5_000, undefined, { ref: false })]);
    await settle((done) => api.Client.disconnectBus(() => done()));
    await settle((done) => api.disconnect(() => done()));
  }

  /** pm2's log files of `name` (out and error), read directly. */
  logs(name = NAME): { out: string; err: string } {
    const dir = join(this.home, 'logs');
    const read = (kind: string): string => {
      let text = '';
      for (const f of readdirSync(dir).sort()) if (f.startsWith(`${name}-${kind}`)) text += readFileSync(join(dir, f), 'utf8');
      return text;
    };
    try {
      return { out: read('out'), err: read('error') };
    } catch {
      return { out: '', err: '' };
    }
  }

  /**
   * `pm2 kill` of this PM2_HOME, SIGKILL of any process seen here that survived it, rm -r.
   * Returns notes for the test log (leftover processes, pm2 CLIs that hung after replying).
   */
  async cleanup(): Promise<string[]> {
    const leaks: string[] = [];
    await this.#closeBus().catch(() => undefined);
    let daemon = 0;
    try {
      daemon = Number(readFileSync(join(this.home, 'pm2.pid'), 'utf8').trim());
    } catch {
      // no daemon was ever started
    }
    if (daemon > 0 && running(daemon)) {
      this.track(daemon);
      await this.run(['kill'], { timeoutMs: 60_000 });
    }
    const ours = (pid: number, start: string): boolean => running(pid) && procStat(pid)?.start === start;
    await waitFor(() => [...this.#seen].every(([pid, start]) => !ours(pid, start)), 'the processes of this sandbox to exit', 5_000, 50).catch(() => undefined);
    for (const [pid, start] of this.#seen) {
      if (!ours(pid, start)) continue;
      leaks.push(String(pid));
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // it exited meanwhile
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    const notes = leaks.length > 0 ? [`SIGKILLed leftover processes: ${leaks.join(', ')}`] : [];
    if (this.cliHangs > 0)
      notes.push(`${this.cliHangs} of ${this.triggersSent} \`pm2 trigger\` CLIs printed the reply but did not exit (pm2 CLI race); killed`);
    return notes;
  }
}
