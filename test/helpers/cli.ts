// Runs the `passerelle` command in-process over the real command-line parser, capturing its output.
import { runCli } from "../../src/cli/program";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runPasserelle(args: string[], env: Record<string, string>, cwd: string): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["node", "passerelle", ...args], { env, cwd, io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
  return { code, out: out.join("\n"), err: err.join("\n") };
}
