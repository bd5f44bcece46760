// Operator accounts: scrypt hashes (per-user salt, parameters stored), the CLI (password on standard
// input: piped, or typed on a terminal without echo), and sessions.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { readPassword } from "../../src/cli/operators";
import { PROJECT_ROOT } from "../../src/config/load";
import { OperatorAccounts } from "../../src/ops/operators/accounts";
import { hashPassword, verifyPassword } from "../../src/ops/operators/password";
import { openDatabase, type Database } from "../../src/storage/database";
import { ALL_MIGRATIONS } from "../../src/storage/migration-registry";
import { runMigrations } from "../../src/storage/migrations";

const SMALL = { N: 1024, r: 8, p: 1 };

describe("operator passwords (scrypt)", () => {
  it("stores the parameters and a per-hash salt; verifies only the right password", async () => {
    const a = await hashPassword("a long enough password", SMALL);
    const b = await hashPassword("a long enough password", SMALL);
    expect(a).to.match(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a.split("$")[4]).not.to.equal(b.split("$")[4]);
    expect(await verifyPassword("a long enough password", a)).to.equal(true);
    expect(await verifyPassword("a long enough passwore", a)).to.equal(false);
    // The stored parameters are the ones used: changing N breaks the match.
    expect(await verifyPassword("a long enough password", a.replace("scrypt$1024$", "scrypt$2048$"))).to.equal(false);
    expect(await verifyPassword("a long enough password", "plaintext")).to.equal(false);
  });
});

describe("passerelle operators (CLI and accounts)", function () {
  this.timeout(60_000);
  let root = "";
  let database: Database;
  const env = () => ({ ...process.env, PASSERELLE_DATA_DIR: join(root, "data"), PASSERELLE_LOG_LEVEL: "silent" });
  const cli = (args: string[], input?: string) =>
    spawnSync(process.execPath, [join(PROJECT_ROOT, "bin/passerelle.mjs"), "operators", ...args], { cwd: root, env: env(), input: input ?? "", encoding: "utf8" });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "passerelle-operators-"));
  });
  after(async () => {
    await database?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("adds from a piped password, lists, refuses a short password, an unknown role, removes", async () => {
    const added = cli(["add", "alice", "--role", "operator"], "correct horse battery\nignored second line\n");
    expect(added.status, added.stderr).to.equal(0);
    expect(added.stdout).to.equal("operator alice added (role operator)\n");
    expect(cli(["add", "bob", "--role", "viewer"], "short\n").stderr).to.include("INPUT_INVALID: password must have at least 12 characters");
    expect(cli(["add", "bob", "--role", "root"], "a long enough password\n").stderr).to.include("role must be one of viewer, operator, admin");
    const list = cli(["list", "--json"]);
    expect(JSON.parse(list.stdout)).to.have.length(1).and.to.have.nested.property("[0].role", "operator");
    expect(list.stdout).not.to.include("scrypt");

    database = await openDatabase({ dataDir: join(root, "data") });
    await runMigrations(database, ALL_MIGRATIONS);
    const accounts = new OperatorAccounts(database);
    expect(await accounts.authenticate("alice", "correct horse battery")).to.deep.include({ name: "alice", role: "operator" });
    expect(await accounts.authenticate("alice", "ignored second line")).to.equal(undefined);
    const { id } = await accounts.openSession("alice");
    expect((await accounts.session(id))?.operator).to.equal("alice");

    const removed = cli(["remove", "alice"]);
    expect(removed.status).to.equal(0);
    expect(await accounts.session(id)).to.equal(undefined);
    expect(cli(["remove", "alice"]).stderr).to.include("NOT_FOUND");
  });

  it("reads a password typed on a terminal in raw mode, without echoing it", async () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true, rawModes: [] as boolean[], setRawMode(mode: boolean) { this.rawModes.push(mode); return this; } });
    const shown: string[] = [];
    const reading = readPassword(tty, (t) => shown.push(t));
    tty.write("secret-passwordX\u007f!\r");
    expect(await reading).to.equal("secret-password!");
    expect(tty.rawModes).to.deep.equal([true, false]);
    expect(shown.join("")).to.equal("Password: \n");
  });
});
