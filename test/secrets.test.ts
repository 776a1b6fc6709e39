/**
 * No credential is ever printed or written in the clear: a planted secret in
 * database_host, MSPASS_DB_ADDRESS, a scheme-less address and a Redis URL is
 * grepped for in every output, log and state file the project writes.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { Client } from "mspass";
import { startRedisServer } from "mspass/testing";
import { CLI, mspass, newProject } from "./launch-helpers.js";

const SECRET = `Pl4nted${process.pid}Secret`;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) {
    await mspass(["down"], d);
    rmSync(d, { recursive: true, force: true });
  }
});

/** Every file under `dir`. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function testPort(): number {
  return Number(new URL(process.env.MSPASS_TEST_DB_URI!).port);
}

describe("credentials are never printed or stored in the clear", () => {
  it("mspass up / status / run with a database_host carrying a password", async () => {
    const port = testPort();
    const d = newProject("mspass-secrets-", {
      "mspass-desktop.yaml": `database_host: mongodb://alice:${SECRET}@127.0.0.1:${port}/\n`,
      // The workflow gets the address (with its password) to connect with, and prints what a user would.
      "wf.mjs": `
        const { Client } = await import("mspass");
        console.log("HAS_PASSWORD " + (process.env.MSPASS_DB_ADDRESS ?? "").includes(${JSON.stringify(SECRET)}));
        try { await Client.connect({ databaseHost: "alice:${SECRET}@127.0.0.1:${port}", scheduler: "none" }); }
        catch (e) { console.log("SCHEMELESS " + e.message); }
      `,
    });
    dirs.push(d);
    const outputs: string[] = [];
    const up = await mspass(["up"], d);
    outputs.push(up.stdout, up.stderr);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`mongodb://***@127.0.0.1:${port}/`);
    for (const args of [["status"], ["status", "--json"], ["run", "wf.mjs"]]) {
      const r = await mspass(args, d);
      outputs.push(r.stdout, r.stderr);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
    }
    const run = outputs.at(-2)!;
    expect(run).toContain("HAS_PASSWORD true");
    expect(run).toMatch(/SCHEMELESS .*databaseHost/);

    const state = join(d, ".mspass", "desktop.json");
    expect(statSync(state).mode & 0o077, "desktop.json is private to its owner").toBe(0);
    // Everything mspass writes in a project lives under .mspass/ (the user's own files hold the secret).
    const written = filesUnder(join(d, ".mspass"));
    expect(written.map((f) => f.slice(d.length))).toContain("/.mspass/desktop.json");
    for (const f of written) outputs.push(readFileSync(f, "utf8"));
    for (const text of outputs) expect(text).not.toContain(SECRET);
  });

  it("console.log(client) and JSON.stringify(client) show neither the address's password nor the environment", async () => {
    const uri = process.env.MSPASS_TEST_DB_URI!;
    const client = await Client.connect({
      scheduler: "none",
      env: {
        MSPASS_DB_ADDRESS: uri,
        MSPASS_SCHEDULER_ADDRESS: `redis://:${SECRET}@127.0.0.1:1`,
        AWS_SECRET_ACCESS_KEY: SECRET,
      },
    });
    try {
      const shown = inspect(client, { depth: 10 }) + JSON.stringify(client) + String(client);
      expect(shown).not.toContain(SECRET);
      expect(shown).not.toContain("AWS_SECRET_ACCESS_KEY");
      expect(shown).toContain(new URL(uri).host);
    } finally {
      await client.close();
    }
  });

  it("mspass worker refuses a password on its command line and reads it from a file", async () => {
    const redis = await startRedisServer({ password: SECRET });
    const d = newProject("mspass-secrets-worker-");
    dirs.push(d);
    try {
      const refused = await mspass(
        ["worker", "--scheduler", `redis://:${SECRET}@127.0.0.1:${redis.port}`],
        d,
      );
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--password-file|MSPASS_SCHEDULER_ADDRESS/);
      expect(refused.stdout + refused.stderr).not.toContain(SECRET);

      const file = join(d, "redis.pw");
      writeFileSync(file, `${SECRET}\n`, { mode: 0o600 });
      const child = spawn(
        process.execPath,
        [CLI, "worker", "--scheduler", `127.0.0.1:${redis.port}`, "--password-file", file, "--nthreads", "1"],
        {
          cwd: d,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      child.stdout.on("data", (b: Buffer) => (out += b.toString()));
      child.stderr.on("data", (b: Buffer) => (out += b.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker not ready: ${out}`)), 60_000);
        child.stdout.on("data", () => {
          if (/^ready /m.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on("exit", (code) => reject(new Error(`worker exited ${code}: ${out}`)));
      });
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, "utf8");
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      expect(cmdline).not.toContain(SECRET);
      expect(out).not.toContain(SECRET);
    } finally {
      await redis.stop();
    }
  });
});
