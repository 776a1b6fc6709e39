/**
 * `mspass up | status | run | down` as a user runs them, in throw-away project
 * directories: real database server, real processes, checked for leftovers.
 */
import { readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MongoClient } from "mongodb";
import { findFreePort } from "mspass";
import { alive, leftoversAfter, mspass, newProject } from "./launch-helpers.js";

const dirs: string[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const d of dirs.splice(0)) {
    await mspass(["down"], d);
    await mspass(["db", "stop"], d);
    rmSync(d, { recursive: true, force: true });
  }
  for (const s of servers.splice(0)) s.close();
});

function project(files: Record<string, string>): string {
  const d = newProject("mspass-up-", files);
  dirs.push(d);
  return d;
}

interface StateFile {
  env: Record<string, string>;
  services: { name: string; pid?: number; startedByUp: boolean; address?: string }[];
}
const state = (d: string): StateFile =>
  JSON.parse(readFileSync(join(d, ".mspass", "desktop.json"), "utf8")) as StateFile;

const WORKFLOW_TS = `
import { Client, TimeSeries } from "mspass";
const client = await Client.connect({ nworkers: 2, dashboardPort: 0 });
const db = client.getDatabase("launch_desktop");
const ts = new TimeSeries({ npts: 4, dt: 1, t0: 0 });
ts.data.fill(5);
await db.saveData(ts);
const doubled: number = await client.getScheduler()!.submit((x: number) => x * 2, 21);
console.log("RESULT " + doubled + " " + (await db.wf_TimeSeries.countDocuments({})));
await client.close();
process.exitCode = Number(process.argv[2] ?? 0);
`;

describe("mspass up / status / run / down (local scheduler)", () => {
  it("starts the database, runs .ts and .mjs workflows against it, and down stops it leaving nothing", async () => {
    const port = await findFreePort();
    const d = project({
      "mspass-desktop.yaml": `engine_startup_delay_time: 60\nstatus_monitor_time_interval: 2\ndocker_compose_yaml_file: DesktopCluster.yaml\nports:\n  database: ${port}\n`,
      "wf.ts": WORKFLOW_TS,
      "wf.mjs": `const { Client } = await import("mspass"); const c = await Client.connect({ scheduler: "none" }); console.log("MJS " + await c.getDatabase("launch_desktop").wf_TimeSeries.countDocuments({})); await c.close();`,
    });
    const up = await mspass(["up"], d);
    expect(up.stderr).toContain("ignored (Docker-only) keys: docker_compose_yaml_file");
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`database: ferretdb mongodb://127.0.0.1:${port}/`);
    const st = state(d);
    const db = st.services.find((s) => s.name === "database")!;
    expect(db.startedByUp).toBe(true);
    expect(alive(db.pid!)).toBe(true);

    const status = await mspass(["status"], d);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/database\s+running\s+ferretdb/);
    expect(status.stdout).toMatch(/scheduler\s+in-process\s+local/);

    // A second up finds everything up and starts nothing.
    const again = await mspass(["up"], d);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("already up");

    const run = await mspass(["run", "wf.ts", "7"], d);
    expect(run.stdout, run.stderr).toContain("RESULT 42 1");
    expect(run.code).toBe(7); // the script's exit status
    const mjs = await mspass(["run", "wf.mjs"], d);
    expect(mjs.stdout, mjs.stderr).toContain("MJS 1");
    expect(mjs.code).toBe(0);
    // The data went to the server `up` started.
    const mc = await MongoClient.connect(`mongodb://127.0.0.1:${port}/`);
    expect(await mc.db("launch_desktop").collection("wf_TimeSeries").countDocuments({})).toBe(1);
    await mc.close();

    const down = await mspass(["down"], d);
    expect(down.code).toBe(0);
    expect(down.stderr).toContain("stopped database");
    expect(alive(db.pid!)).toBe(false);
    expect(await leftoversAfter(d)).toEqual([]);
    const after = await mspass(["status"], d);
    expect(after.code).toBe(3);
    const late = await mspass(["run", "wf.mjs"], d);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain("run 'mspass up' first");
  });

  it("down leaves a database server it did not start running", async () => {
    const port = await findFreePort();
    const d = project({ "mspass-desktop.yaml": `ports: { database: ${port} }\n` });
    const started = await mspass(["db", "start", "--port", String(port)], d);
    expect(started.code, started.stderr).toBe(0);
    const pid = Number(JSON.parse((await mspass(["db", "status", "--json"], d)).stdout).pid);
    expect((await mspass(["up"], d)).code).toBe(0);
    expect(state(d).services.find((s) => s.name === "database")!.startedByUp).toBe(false);
    const down = await mspass(["down"], d);
    expect(down.stderr).toContain("left database running");
    expect(alive(pid)).toBe(true);
    expect((await mspass(["db", "stop"], d)).code).toBe(0);
    expect(alive(pid)).toBe(false);
  });

  it("reads the configuration from ./data/yaml and $MSPASS_HOME, and names a bad key", async () => {
    const port = await findFreePort();
    const d = project({ "data/yaml/mspass-desktop.yaml": `ports: { database: ${port} }\nworkerz: 3\n` });
    const bad = await mspass(["up"], d);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown key 'workerz' in .*data\/yaml\/mspass-desktop\.yaml/);
    const home = project({ "mspass-desktop.yaml": `scheduler: dask\n` });
    const viaHome = await mspass(["up"], project({}), { MSPASS_HOME: home });
    expect(viaHome.code).toBe(1);
    expect(viaHome.stderr).toContain(
      "'scheduler' in " + join(home, "mspass-desktop.yaml") + " must be one of local, redis",
    );
  });
});

describe("mspass up with the Redis scheduler (needs redis-server and `mspass worker`)", () => {
  it("starts redis-server and N mspass worker processes; run's tasks execute in them; down stops all", async () => {
    const [dbPort, redisPort] = [await findFreePort(), await findFreePort()];
    const d = project({
      "mspass-desktop.yaml": `scheduler: redis\nworkers: 2\nnthreads: 1\nengine_startup_delay_time: 60\nports: { database: ${dbPort}, scheduler: ${redisPort} }\n`,
      "tasks.mjs": `export function pid() { return process.pid; }`,
      "wf.mjs": `import { Client, task } from "mspass";
const client = await Client.connect();
const s = client.getScheduler();
const t = task(new URL("./tasks.mjs", import.meta.url), "pid");
const pids = new Set(await s.gather(await Promise.all(Array.from({ length: 30 }, () => s.submit(t)))));
console.log("PIDS " + JSON.stringify({ kind: client.schedulerType, me: process.pid, pids: [...pids] }));
await client.close();`,
    });
    const up = await mspass(["up"], d);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`scheduler: redis-server redis://127.0.0.1:${redisPort}`);
    const st = state(d);
    const workerPids = st.services.filter((s) => s.name.startsWith("worker-")).map((s) => s.pid!);
    expect(workerPids).toHaveLength(2);
    const status = await mspass(["status"], d);
    expect(status.code, status.stdout).toBe(0);
    expect(status.stdout).toMatch(/worker-2\s+running\s+mspass worker/);
    const run = await mspass(["run", "wf.mjs"], d);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(/PIDS (.*)/.exec(run.stdout)![1]!) as { kind: string; me: number; pids: number[] };
    expect(out.kind).toBe("redis");
    // Every task ran in one of the worker processes `up` started, none in the script.
    expect(out.pids.length).toBeGreaterThan(0);
    for (const p of out.pids) expect(workerPids).toContain(p);
    const down = await mspass(["down"], d);
    expect(down.code).toBe(0);
    for (const p of workerPids) expect(alive(p)).toBe(false);
    expect(await leftoversAfter(d)).toEqual([]);
  });
});

describe("mspass up: failures give one clear message and leave nothing running", () => {
  it("a database port taken by another program", async () => {
    const port = await findFreePort();
    const squatter = createServer().listen(port, "127.0.0.1");
    servers.push(squatter);
    await new Promise((r) => squatter.once("listening", r));
    const d = project({ "mspass-desktop.yaml": `ports: { database: ${port} }\n` });
    const up = await mspass(["up"], d);
    expect(up.code).toBe(1);
    expect(up.stderr.trim().split("\n")).toHaveLength(1);
    expect(up.stderr).toMatch(new RegExp(`port ${port}.*(taken|in use)`));
    expect(await leftoversAfter(d)).toEqual([]);
    expect((await mspass(["status"], d)).code).toBe(3);
  });

  it("a missing redis-server: the database it already started is stopped again", async () => {
    const port = await findFreePort();
    const d = project({ "mspass-desktop.yaml": `scheduler: redis\nports: { database: ${port} }\n` });
    const up = await mspass(["up"], d, { PATH: "/nonexistent" });
    expect(up.code).toBe(1);
    expect(up.stderr).toContain("redis-server was not found on PATH");
    expect(await leftoversAfter(d)).toEqual([]);
    expect((await mspass(["db", "status"], d)).code).toBe(3);
  });

  it("a scheduler port taken", async () => {
    // The database port is taken only after the squatter holds its port, so the two can never be the same.
    const redisPort = await findFreePort();
    const squatter = createServer().listen(redisPort, "127.0.0.1");
    servers.push(squatter);
    await new Promise((r) => squatter.once("listening", r));
    const dbPort = await findFreePort();
    const d = project({
      "mspass-desktop.yaml": `scheduler: redis\nports: { database: ${dbPort}, scheduler: ${redisPort} }\n`,
    });
    const up = await mspass(["up"], d);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain(
      `port ${redisPort} on 127.0.0.1 (for the Redis scheduler) is taken by another program`,
    );
    expect(await leftoversAfter(d)).toEqual([]);
  });
});
