/**
 * startLocalS3Server's leftovers: a script that crashes without calling
 * `stop()` must not leave the SeaweedFS server running nor its temporary
 * directory behind (the lifeline process stops and removes them).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Poll `check` until it holds or `ms` passes; returns its last value. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  return check();
}

const CRASHING_SCRIPT = `
import { startLocalS3Server } from "mspass/testing";
const s3 = await startLocalS3Server({ buckets: ["crash"] });
console.log(JSON.stringify({ pid: s3.pid, dataDir: s3.dataDir }));
throw new Error("the script crashes before s3.stop()");
`;

describe("startLocalS3Server", () => {
  it("a script that crashes leaves neither the server nor its temporary directory", async () => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", CRASHING_SCRIPT], {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    expect(err).toMatch(/the script crashes before s3.stop\(\)/);
    expect(code).not.toBe(0);
    const { pid, dataDir } = JSON.parse(out.trim().split("\n").at(-1)!) as { pid: number; dataDir: string };
    expect(pid).toBeGreaterThan(0);
    expect(await eventually(() => !alive(pid), 30_000), `server pid ${pid} still running`).toBe(true);
    expect(await eventually(() => !existsSync(dataDir), 30_000), `${dataDir} still there`).toBe(true);
  }, 120_000);
});
