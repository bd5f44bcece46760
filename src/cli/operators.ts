// `passerelle operators add|list|remove`: the accounts of the operator console at /ops (issue 7).
// The password is read from standard input, never from an argument (it would show in `ps` and in the
// shell history): typed without echo on a terminal, or the first line of a pipe.
import type { Command } from "commander";
import type { Readable } from "node:stream";
import { OperatorAccounts } from "../ops/operators/accounts";
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { CliContext } from "./context";

interface TtyInput extends Readable {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** Reads one line: on a TTY in raw mode without echo (Ctrl-C aborts), otherwise the first line of the stream. */
export function readPassword(input: TtyInput, prompt: (text: string) => void): Promise<string> {
  if (input.isTTY && input.setRawMode) {
    const tty = input;
    prompt("Password: ");
    return new Promise((resolve, reject) => {
      let typed = "";
      tty.setRawMode?.(true);
      tty.setEncoding("utf8");
      const done = (err?: Error) => {
        tty.setRawMode?.(false);
        tty.off("data", onData);
        tty.pause();
        prompt("\n");
        if (err) reject(err);
        else resolve(typed);
      };
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === "\r" || ch === "\n") return done();
          if (ch === "\u0003") return done(new PasserelleError(ErrorCode.InputInvalid, "interrupted"));
          if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      tty.on("data", onData);
      tty.resume();
    });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    input.on("data", (c: Buffer | string) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
    input.on("error", reject);
    input.on("end", () => resolve(Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? ""));
  });
}

export function registerOperatorsCommands(program: Command, ctx: CliContext, stdin: TtyInput = process.stdin): void {
  const operators = program.command("operators").description("accounts of the operator console (/ops on the national listener)");

  operators
    .command("add <name>")
    .description("add an operator, or set the role and password of an existing one (password on standard input)")
    .requiredOption("--role <role>", "viewer | operator (may replay) | admin")
    .action(async (name: string, o: { role: string }) => {
      const password = await readPassword(stdin, (t) => process.stderr.write(t));
      const { created } = await ctx.withDatabase((db) => new OperatorAccounts(db).add(name, o.role, password));
      ctx.out(`operator ${name} ${created ? "added" : "updated"} (role ${o.role})`);
    });

  operators
    .command("list")
    .description("list operator accounts")
    .option("--json", "machine-readable output")
    .action(async (o: { json?: boolean }) => {
      const all = await ctx.withDatabase((db) => new OperatorAccounts(db).list());
      if (o.json) return ctx.out(JSON.stringify(all));
      if (all.length === 0) ctx.out("no operators");
      for (const a of all) ctx.out(`${a.name.padEnd(20)} ${a.role.padEnd(8)} since ${a.createdAt}`);
    });

  operators
    .command("remove <name>")
    .description("remove an operator account and end its sessions")
    .action(async (name: string) => {
      await ctx.withDatabase((db) => new OperatorAccounts(db).remove(name));
      ctx.out(`operator ${name} removed`);
    });
}
