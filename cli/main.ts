// The `tinyrack` command line: one file per command under cli/commands/, each exporting
// `register(program)`. Adding a command is adding a file and a line here.
import { Command, CommanderError } from 'commander';
import * as inspect from './commands/inspect.ts';
import * as infer from './commands/infer.ts';
import * as plan from './commands/plan.ts';
import * as build from './commands/build.ts';
import * as run from './commands/run.ts';
import * as compare from './commands/compare.ts';
import * as agent from './commands/agent.ts';
import * as daemon from './commands/daemon.ts';
import * as request from './commands/request.ts';
import * as suite from './commands/suite.ts';
import * as demo from './commands/demo.ts';
import * as dashboards from './commands/dashboards.ts';

export function buildProgram(): Command {
  const program = new Command('tinyrack')
    .description('Hardware-in-the-loop test bench for TinyML: tile, plan, build, flash, measure, track.')
    .version('0.1.0')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });
  for (const cmd of [inspect, infer, plan, build, run, compare, agent, daemon, request, suite, demo, dashboards]) {
    cmd.register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    // Every failure the user can cause ends here: one clear line, no stack trace, exit 1.
    const e = err as Error;
    process.stderr.write(`tinyrack: ${e.message}\n`);
    if (process.env.TINYRACK_DEBUG) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  }
}
