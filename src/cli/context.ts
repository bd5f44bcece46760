// What every `passerelle` subcommand receives, and how failures become exit codes.
//   0  success
//   1  a negative verdict (e.g. a signature that does not verify, a document with errors) or a failed operation
//   2  usage or input error (bad option, unreadable file, invalid input or configuration)
// Errors are printed on stderr as `error CODE: message` (CODE: the PasserelleError's stable code).
import { pino } from "pino";
import { loadConfigReport, type ConfigReport } from "../config/load";
import type { Config } from "../config/schema";
import { ErrorCode, isPasserelleError } from "../shared/errors";
import { createLogger, type Logger } from "../shared/logger";
import { openDatabase, type Database } from "../storage/database";
import { ALL_MIGRATIONS } from "../storage/migration-registry";
import { runMigrations } from "../storage/migrations";

export const ExitCode = { Ok: 0, NegativeVerdict: 1, Usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Codes that mean "the caller gave something wrong": exit 2. Everything else exits 1. */
const INPUT_CODES = new Set<string>([
  ErrorCode.InputInvalid,
  ErrorCode.InputTooLarge,
  ErrorCode.ConfigInvalid,
  ErrorCode.NotFound,
  ErrorCode.Conflict,
  ErrorCode.MatriculeInvalid,
]);

export interface CliIo {
  /** One line on stdout. */
  out(line: string): void;
  /** One line on stderr. */
  err(line: string): void;
}

export interface CliContext extends CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The configuration, loaded on first use (throws CONFIG_INVALID listing every problem); warnings go to stderr. */
  config(): Config;
  /** The configuration with its warnings, for a command that reports them itself (e.g. in its log). */
  configReport(): ConfigReport;
  /** A logger on stderr at the configured level (JSON lines). */
  logger(): Logger;
  /** Opens the configured database, applies migrations, runs fn, closes the database. */
  withDatabase<T>(fn: (database: Database) => Promise<T>): Promise<T>;
  /** Sets the exit code of the command (e.g. ExitCode.NegativeVerdict); thrown errors set it too. */
  setExitCode(code: ExitCode): void;
  readonly exitCode: ExitCode;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export function createCliContext(options: { env: Readonly<Record<string, string | undefined>>; cwd: string; io?: CliIo }): CliContext {
  const io = options.io ?? processIo;
  let report: ConfigReport | undefined;
  let logger: Logger | undefined;
  let exitCode: ExitCode = ExitCode.Ok;
  const ctx: CliContext = {
    env: options.env,
    cwd: options.cwd,
    out: (line) => io.out(line),
    err: (line) => io.err(line),
    configReport() {
      report ??= loadConfigReport({ env: options.env, cwd: options.cwd });
      return report;
    },
    config() {
      const first = report === undefined;
      const loaded = ctx.configReport();
      if (first) for (const w of loaded.warnings) io.err(`warning: ${w}`);
      return loaded.config;
    },
    logger() {
      logger ??= createLogger({ level: ctx.config().logLevel, name: "passerelle", destination: pino.destination(2) });
      return logger;
    },
    async withDatabase<T>(fn: (database: Database) => Promise<T>): Promise<T> {
      const cfg = ctx.config();
      const database = await openDatabase({ url: cfg.databaseUrl, dataDir: cfg.dataDir });
      try {
        await runMigrations(database, ALL_MIGRATIONS);
        return await fn(database);
      } finally {
        await database.close();
      }
    },
    setExitCode(code) {
      exitCode = code;
    },
    get exitCode() {
      return exitCode;
    },
  };
  return ctx;
}

/** The line printed for an error and the exit code it gives. */
export function describeFailure(e: unknown): { line: string; exitCode: ExitCode } {
  if (isPasserelleError(e)) {
    return { line: `error ${e.code}: ${e.message}`, exitCode: INPUT_CODES.has(e.code) ? ExitCode.Usage : ExitCode.NegativeVerdict };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { line: `error ${ErrorCode.Internal}: ${message}`, exitCode: ExitCode.NegativeVerdict };
}
