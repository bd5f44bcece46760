// Every `passerelle` subcommand, one registration function per area. To add yours: in src/cli/<area>.ts
// export `register<Area>(program: Command, ctx: CliContext): void` that adds `program.command(...)`
// with actions that throw PasserelleError on failure (or call ctx.setExitCode(ExitCode.NegativeVerdict)
// for a negative verdict) and print with ctx.out(); then add ONE import line and ONE entry below.
import type { Command } from "commander";
import { registerAssertionsCommands } from "./assertions";
import { registerAuditCommands } from "./audit";
import { registerCertsCommands } from "./certs";
import { registerClientsCommands } from "./clients";
import { registerConsentCommands } from "./consent";
import type { CliContext } from "./context";
import { registerDocumentCommands } from "./documents";
import { registerExchangesCommands } from "./exchanges";
import { registerNationalCommands } from "./national";
import { registerOperatorsCommands } from "./operators";
import { registerPartnersCommands } from "./partners";
import { registerSignCommands } from "./sign";
import { registerStartCommand } from "./start";
import { registerTerminologyCommands } from "./terminology";

export type RegisterCommands = (program: Command, ctx: CliContext) => void;

export const COMMANDS: readonly RegisterCommands[] = [
  registerStartCommand,
  registerCertsCommands,
  registerConsentCommands,
  registerTerminologyCommands,
  registerNationalCommands,
  registerDocumentCommands,
  registerPartnersCommands,
  registerExchangesCommands,
  registerAssertionsCommands,
  registerSignCommands,
  registerAuditCommands,
  registerOperatorsCommands,
  registerClientsCommands,
];
