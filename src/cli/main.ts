// Entry of the `passerelle` command (bin/passerelle.mjs). The only CLI module that reads the process.
import { runCli } from "./program";

process.exitCode = await runCli(process.argv, { env: process.env, cwd: process.cwd() });
