// `npm start`: the gateway, exactly as `passerelle start`. Configuration comes from the environment
// (and PASSERELLE_CONFIG), read once here and passed down (DESIGN.md: only main reads the environment).
import { runCli } from "./cli/program";

process.exitCode = await runCli([process.argv[0] ?? "node", "passerelle", "start"], { env: process.env, cwd: process.cwd() });
