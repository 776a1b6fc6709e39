/**
 * `mspass shell` used as a person uses it: in a terminal (a real pty from
 * util-linux `script`), typing an awaited query and reading the answer.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { startRepl } from "./launch-repl-driver.js";
import { useTestDatabase } from "./helpers.js";

const CLI = resolve("dist/cli/main.js");
const { uri: DB, db } = await useTestDatabase("launch_shell");
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

describe("mspass shell", () => {
  it("gives a terminal REPL with client, db and the dashboard link; awaited queries answer", async () => {
    expect(spawnSync("script", ["--version"]).status, "util-linux `script` is needed for a pty").toBe(0);
    const dbName = db.name;
    const cmd = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} shell --database ${dbName} --nworkers 2 --dashboard-port 0`;
    const repl = startRepl("script", ["-qfec", cmd, "/dev/null"], {
      cwd: resolve("."),
      env: { ...process.env, MSPASS_DB_ADDRESS: DB, TERM: "dumb" },
      prompt: "mspass> ",
    });
    const plain = () => repl.output().replace(ANSI, "");
    try {
      await repl.waitFor("mspass> ");
      const banner = plain();
      expect(banner).toContain(`(db = ${dbName})`);
      const link = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/status)/.exec(banner)?.[1];
      expect(link).toBeDefined();
      const page = await fetch(link!);
      expect(page.status).toBe(200);

      // Type as a person would: one line, then read the answer.
      repl.child.stdin!.write(
        `const ts = new mspass.TimeSeries({ npts: 8, dt: 0.5, t0: 0 }); ts.data.fill(2); const saved = await db.saveData(ts);\n`,
      );
      repl.child.stdin!.write(`"N=" + (await db.wf_TimeSeries.countDocuments({}))\n`);
      await repl.waitFor(/'N=1'/);
      repl.child.stdin!.write(`"SUM=" + (await client.getScheduler().submit((a, b) => a * b, 6, 7))\n`);
      await repl.waitFor(/'SUM=42'/);
      repl.child.stdin!.write(`"BACK=" + (await db.readData(saved._id)).data.join(",")\n`);
      await repl.waitFor(/'BACK=2,2,2,2,2,2,2,2'/);
      repl.child.stdin!.write(`.exit\n`);
      expect(await repl.exited).toBe(0);
    } finally {
      repl.child.kill();
    }
  });

  it("fails with one clear message when the database is unreachable", () => {
    const r = spawnSync(process.execPath, [CLI, "shell"], {
      env: { ...process.env, MSPASS_DB_ADDRESS: "127.0.0.1:1" },
      encoding: "utf8",
      input: "",
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^mspass: .*127\.0\.0\.1:1/);
  });
});
