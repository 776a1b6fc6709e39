/**
 * `mspass demo` as a user runs it (a subprocess of the built CLI) against the
 * test server: it exits 0, reports what it did, and a second run first
 * removes the first run's files and data.
 */
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "./helpers.js";

const run = promisify(execFile);
const cli = resolve("dist/cli/main.js");
const { uri, db, dir: cwd } = await useTestDatabase("demo");
const dbName = db.name;

async function demo() {
  return run(process.execPath, [cli, "demo", "--database", dbName, "--scheduler", "none"], {
    cwd,
    env: { ...process.env, MSPASS_DB_ADDRESS: uri },
  });
}

describe("mspass demo", () => {
  it("saves, reads back, checks and reports; a rerun cleans the previous run", async () => {
    const first = await demo();
    expect(first.stdout).toMatch(/^mspass demo\n/);
    expect(first.stdout).toMatch(/25 TimeSeries +-> GridFS/);
    expect(first.stdout).toMatch(/all 55 read-backs match the originals/);
    expect(first.stdout).toMatch(/wf_TimeSeries 50 documents, wf_Seismogram 4, fs\.files 25/);
    const dataDir = join(cwd, ".mspass", "demo-data");
    const files1 = readdirSync(dataDir);
    expect(files1).toHaveLength(2);
    for (const f of files1) expect(f).toMatch(/^[0-9a-f-]{36}-binary$/);

    const second = await demo();
    expect(second.stdout).toMatch(/previous demo data removed, 2 file\(s\)/);
    expect(second.stdout).toMatch(/wf_TimeSeries 50 documents, wf_Seismogram 4, fs\.files 25/);
    const files2 = readdirSync(dataDir);
    expect(files2).toHaveLength(2);
    expect(files2.some((f) => files1.includes(f))).toBe(false);
  });

  it("rejects a bad option with the usage and exit status 2", async () => {
    const err = await run(process.execPath, [cli, "demo", "--scheduler", "dask"], { cwd }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toMatch(/--scheduler must be local or none/);
  });
});
