/**
 * The frontend as users start it: `Client.connect()` from `node -e`, from a
 * script piped on stdin and from the REPL, each a real child process against
 * the suite's real database. Regression for issue 11: the worker threads
 * inherited `--input-type=module` and died while booting, and with every
 * worker unref'd the process exited 13 with no message.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { findFreePort } from "mspass";
import { startRepl } from "./launch-repl-driver.js";
import { workerExecArgv } from "../dist/scheduler/worker-exec-argv.js";

const ROOT = resolve(".");
const DB = process.env.MSPASS_TEST_DB_URI!;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function node(args: string[], stdin?: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((res, rej) => {
    // cwd = the package root, so `import("mspass")` resolves as in a user's project.
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, MSPASS_DB_ADDRESS: DB, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", rej);
    child.on("close", (code) => res({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

// Connect, run a task on a worker thread, query the database, close.
const WORKFLOW = `
const { Client } = await import("mspass");
const client = await Client.connect({ nworkers: 2, dashboardPort: 0, databaseName: "launch_frontend" });
const sum = await client.getScheduler().submit((a, b) => a + b, 20, 22);
const n = await client.getDatabase().wf_TimeSeries.countDocuments({});
console.log("RESULT " + JSON.stringify({ sum, n }));
await client.close();
`;

describe("Client.connect() from a frontend that is not a file", () => {
  it("works from node --input-type=module -e", async () => {
    const r = await node(["--input-type=module", "-e", WORKFLOW]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain('RESULT {"sum":42,"n":0}');
    expect(r.code).toBe(0);
  });

  it("works from a module piped on stdin", async () => {
    const r = await node(["--input-type=module"], WORKFLOW);
    expect(r.stdout).toContain('RESULT {"sum":42,"n":0}');
    expect(r.code).toBe(0);
  });

  it("works from the REPL (top-level await), typed line by line", async () => {
    const repl = startRepl(process.execPath, ["-i"], {
      cwd: ROOT,
      env: { ...process.env, MSPASS_DB_ADDRESS: DB },
      prompt: "> ",
    });
    try {
      await repl.waitFor(/> $/);
      for (const line of WORKFLOW.trim().split("\n")) await repl.type(line);
      expect(repl.output()).toContain('RESULT {"sum":42,"n":0}');
      expect(repl.output()).not.toMatch(/Uncaught/);
      repl.child.stdin!.end(".exit\n");
      expect(await repl.exited).toBe(0);
    } finally {
      repl.child.kill();
    }
  });

  it("fails with a message, not a silent exit, when the database cannot be reached", async () => {
    const port = await findFreePort();
    const r = await node(
      [
        "--input-type=module",
        "-e",
        `const {Client}=await import("mspass"); await Client.connect({ serverSelectionTimeoutMS: 500 });`,
      ],
      undefined,
      { MSPASS_DB_ADDRESS: `127.0.0.1:${port}` },
    );
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(13);
    expect(r.stderr).toMatch(/MsPASSError/);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
  });
});

describe("workerExecArgv", () => {
  it("drops the options that belong to the main program only and keeps the rest", () => {
    expect(workerExecArgv(["--input-type=module", "-e", "code", "--max-old-space-size=512"])).toEqual([
      "--max-old-space-size=512",
    ]);
    expect(workerExecArgv(["--input-type", "module", "-p", "x", "-i"])).toEqual([]);
    expect(workerExecArgv(["-pe", "1+1", "--import", "tsx", "-r", "dotenv/config"])).toEqual([
      "--import",
      "tsx",
      "-r",
      "dotenv/config",
    ]);
    expect(workerExecArgv(["--eval=code", "--conditions=dev"])).toEqual(["--conditions=dev"]);
  });
});
