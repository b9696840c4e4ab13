#!/usr/bin/env node
// pm2-dirty: the operator's command-line tool. It speaks the arbiter's socket (STATUS, MANAGE, STASH,
// REQUEST) with a timeout on everything; exit codes are in exit.ts and the README.
import { Command, CommanderError, Option } from 'commander';
import { durationMs } from './args.js';
import { registerCall } from './call.js';
import { registerCheck } from './check.js';
import { describeFailure, Exit } from './exit.js';
import { registerPool } from './pool.js';
import { DEFAULT_TIMEOUT_MS, type GlobalOptions } from './session.js';
import { registerStash } from './stash.js';

function buildProgram(): Command {
  const program = new Command('pm2-dirty');
  program
    .description('Operate a pm2-dirty pool over its Unix socket')
    .addOption(new Option('--socket <path>', 'arbiter socket (default: env PM2_DIRTY_SOCKET, else $PM2_HOME/dirty/arbiter.sock)'))
    .addOption(new Option('--timeout <ms>', 'give up on the arbiter after this many ms').argParser(durationMs).default(DEFAULT_TIMEOUT_MS))
    .showHelpAfterError()
    .exitOverride();
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  registerPool(program, globals);
  registerCall(program, globals);
  registerStash(program, globals);
  registerCheck(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : Exit.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0; everything else is a usage error.
      return err.exitCode === 0 ? Exit.OK : Exit.USAGE;
    }
    const { code, text } = describeFailure(err);
    process.stderr.write(`pm2-dirty: ${text}\n`);
    return code;
  }
}

// Set the exit code and let stdout drain (process.exit could cut a piped answer short); a refused
// command has already set it through `refuse`.
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pm2-dirty: ${String(err)}\n`);
    process.exitCode = Exit.FAILED;
  },
);
