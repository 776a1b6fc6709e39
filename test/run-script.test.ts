/**
 * `mspass run x.ts` in a user's project: with the TypeScript `npm install -D
 * typescript` gives today (7.x, no JavaScript compiler API) as with 5.x, and
 * a Ctrl-C that stops the script and leaves no compiled file behind.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort } from "mspass";
import { CLI, ROOT, alive, mspass, newProject } from "./launch-helpers.js";

const SCRIPT = `
import { TimeSeries } from "mspass";
interface Shape { npts: number }
const shape: Shape = { npts: 7 };
const ts = new TimeSeries({ npts: shape.npts, dt: 0.5, t0: 0 });
console.log("NPTS " + (ts.npts as number));
`;

const SLEEPER = `
import { writeFileSync } from "node:fs";
const me: number = process.pid;
writeFileSync("sleeper.pid", String(me));
process.on("SIGINT", () => { /* a script that ignores Ctrl-C must still be stopped */ });
setInterval(() => undefined, 1000);
`;

let d = "";
beforeAll(async () => {
  d = newProject("mspass-run-", {
    "mspass-desktop.yaml": `ports:\n  database: ${await findFreePort()}\n`,
    "x.ts": SCRIPT,
    "sleeper.ts": SLEEPER,
  });
  const up = await mspass(["up"], d);
  expect(up.code, up.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  await mspass(["down"], d);
  rmSync(d, { recursive: true, force: true });
});

const compiledLeftovers = () => readdirSync(d).filter((f) => f.includes(".mspass-run-"));

describe("mspass run x.ts", () => {
  it("runs with TypeScript 7 (no transpileModule) installed in the project", async () => {
    const ts7 = join(ROOT, "node_modules", "typescript7");
    expect(JSON.parse(readFileSync(join(ts7, "package.json"), "utf8")).version).toMatch(/^7\./);
    symlinkSync(ts7, join(d, "node_modules", "typescript"));
    try {
      const r = await mspass(["run", "x.ts"], d);
      expect(r.stderr).not.toContain("ESNext");
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("NPTS 7");
      expect(compiledLeftovers()).toEqual([]);
    } finally {
      rmSync(join(d, "node_modules", "typescript"));
    }
  });

  it("runs with TypeScript 5 installed in the project", async () => {
    symlinkSync(join(ROOT, "node_modules", "typescript"), join(d, "node_modules", "typescript"));
    try {
      const r = await mspass(["run", "x.ts"], d);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("NPTS 7");
    } finally {
      rmSync(join(d, "node_modules", "typescript"));
    }
  });

  it("Ctrl-C stops the script, even one that ignores SIGINT, and removes the compiled file", async () => {
    symlinkSync(join(ROOT, "node_modules", "typescript"), join(d, "node_modules", "typescript"));
    try {
      const child = spawn(process.execPath, [CLI, "run", "sleeper.ts"], {
        cwd: d,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, MSPASS_DB_ADDRESS: "" },
      });
      let err = "";
      child.stderr.on("data", (b: Buffer) => (err += b.toString()));
      const pidFile = join(d, "sleeper.pid");
      for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(pidFile), err).toBe(true);
      const scriptPid = Number(readFileSync(pidFile, "utf8"));
      expect(compiledLeftovers()).toHaveLength(1);
      child.kill("SIGINT");
      const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
      expect(code).toBe(130);
      for (let i = 0; i < 50 && alive(scriptPid); i++) await new Promise((r) => setTimeout(r, 100));
      expect(alive(scriptPid)).toBe(false);
      expect(compiledLeftovers()).toEqual([]);
    } finally {
      rmSync(join(d, "node_modules", "typescript"));
    }
  }, 60_000);
});
