/**
 * Smaller faults: Node options workers refuse, a document whose storage this
 * process cannot reach, a dfile that escapes its dir, a wrong Redis password.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { testDbUri } from "./helpers.js";

const CONNECT = fileURLToPath(new URL("./faults/connect-local.mjs", import.meta.url));

describe("Node options a worker thread refuses", () => {
  it("node --max-old-space-size / --expose-gc / --stack-size script: Client.connect() and a task work", () => {
    const r = spawnSync(process.execPath, ["--max-old-space-size=4096", "--expose-gc", "--stack-size=2000", "--title=mspass-x", CONNECT, testDbUri()], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stderr).not.toMatch(/ERR_WORKER_INVALID_EXEC_ARGV/);
    expect(r.stdout).toContain("result 42");
    expect(r.status).toBe(0);
  });
});
