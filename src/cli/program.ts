// The `passerelle` program: commander with usage errors turned into exit code 2, subcommands taken
// from the registry in commands.ts.
import { Command, CommanderError } from "commander";
import { packageVersion } from "../app/gateway";
import { ErrorCode } from "../shared/errors";
import { COMMANDS } from "./commands";
import { ExitCode, createCliContext, describeFailure, type CliContext, type CliIo } from "./context";

export function buildProgram(ctx: CliContext): Command {
  const program = new Command("passerelle")
    .description("Passerelle: the national contact point for eHealth (NCPeH) gateway for MyHealth@EU")
    .version(packageVersion(), "-V, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out(s.replace(/\n$/, "")),
      writeErr: (s) => ctx.err(s.replace(/\n$/, "")),
      outputError: () => undefined, // printed by runCli as `error CODE: message`
    });
  // Settings above are inherited by subcommands created from here on (commander copies them).
  for (const register of COMMANDS) register(program, ctx);
  return program;
}

export interface RunCliOptions {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  io?: CliIo;
}

/** Runs one command line (argv as process.argv: node, script, ...args) and returns the exit code. */
export async function runCli(argv: readonly string[], options: RunCliOptions): Promise<ExitCode> {
  const ctx = createCliContext(options);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv]);
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return ExitCode.Ok;
      if (e.code !== "commander.help") ctx.err(`error ${ErrorCode.InputInvalid}: ${e.message.replace(/^error: /, "")}`);
      return ExitCode.Usage;
    }
    const failure = describeFailure(e);
    ctx.err(failure.line);
    return failure.exitCode;
  }
}
