// Runs the built CLI (dist/cli/main.js) as a real process and returns its exit code and output.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/arbiter.js';

export const CLI = join(ROOT, 'dist/cli/main.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `pm2-dirty ...args` with `env` added (PM2_DIRTY_SOCKET etc.); never runs longer than 30 s. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}
