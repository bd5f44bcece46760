// A CliContext over a test database, capturing what a command prints.
import type { CliContext, ExitCode } from "../../src/cli/context";
import type { Database } from "../../src/storage/database";

export interface CapturedCli {
  readonly ctx: CliContext;
  readonly lines: string[];
  readonly errors: string[];
}

export function testCliContext(database: () => Database, cwd = process.cwd()): CapturedCli {
  const lines: string[] = [];
  const errors: string[] = [];
  let exitCode: ExitCode = 0;
  const ctx: CliContext = {
    env: {},
    cwd,
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
    config: () => {
      throw new Error("no configuration in this test");
    },
    configReport: () => {
      throw new Error("no configuration in this test");
    },
    logger: () => {
      throw new Error("no logger in this test");
    },
    withDatabase: (fn) => fn(database()),
    setExitCode: (c) => {
      exitCode = c;
    },
    get exitCode() {
      return exitCode;
    },
  };
  return { ctx, lines, errors };
}
