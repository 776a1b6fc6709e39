/**
 * Which database server a project uses, and which one its commands touch:
 * the server this project started wins over a stranger on the default port,
 * a copied project directory does not stop the original's server, `mspass up`
 * reuses a server `mspass db start --port N` started, its advice names what
 * `up` takes, and `ports.dashboard` reaches the workflow's dashboard.
 * Real FerretDB servers on free ports, one per project directory.
 */
import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { MongoClient } from "mongodb";
import { Client, findFreePort, startDatabaseServer, stopDatabaseServer } from "mspass";
import { alive, mspass, newProject } from "./launch-helpers.js";

const dirs: string[] = [];
function project(files: Record<string, string> = {}): string {
  const d = newProject("mspass-choice-", files);
  dirs.push(d);
  return d;
}

afterAll(async () => {
  for (const d of dirs) {
    await mspass(["down"], d);
    await stopDatabaseServer({ projectDir: d });
    rmSync(d, { recursive: true, force: true });
  }
});

/** An environment with no database address, whose default port is `port`. */
function envWithDefaultPort(port: number): Record<string, string | undefined> {
  return { PATH: process.env.PATH, HOME: process.env.HOME, MONGODB_PORT: String(port) };
}

async function count(uri: string, db: string, coll: string): Promise<number> {
  const c = await MongoClient.connect(uri);
  try {
    return await c.db(db).collection(coll).countDocuments({});
  } finally {
    await c.close();
  }
}

describe("the server a project uses", () => {
  // A server another project started, holding what is this project's default port.
  const strangerDir = project();
  const stranger = startDatabaseServer({ projectDir: strangerDir, port: 0, env: { PATH: process.env.PATH } });

  it("Client.connect uses the server this project started, not a stranger on the default port", async () => {
    const { port: defaultPort, uri: strangerUri } = await stranger;
    const mine = project();
    const own = await startDatabaseServer({ projectDir: mine, port: 0, env: { PATH: process.env.PATH } });
    const client = await Client.connect({
      projectDir: mine,
      env: envWithDefaultPort(defaultPort),
      scheduler: "none",
    });
    try {
      expect(client.databaseSource).toBe("project");
      await client.getDatabase("choice").collection("marks").insertOne({ x: 1 });
    } finally {
      await client.close();
    }
    expect(await count(own.uri, "choice", "marks")).toBe(1);
    expect(await count(strangerUri, "choice", "marks")).toBe(0);
  });

  it("says so when it uses a server on the default port that this project did not start", async () => {
    const { port: defaultPort } = await stranger;
    const bare = project();
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    let client: Client | undefined;
    try {
      client = await Client.connect({
        projectDir: bare,
        env: envWithDefaultPort(defaultPort),
        scheduler: "none",
      });
      expect(client.databaseSource).toBe("default-port");
      const said = write.mock.calls.map((c) => String(c[0])).join("");
      expect(said).toContain(`127.0.0.1:${defaultPort}`);
      expect(said).toMatch(/not started by this project.*MSPASS_DB_ADDRESS/);
    } finally {
      write.mockRestore();
      await client?.close();
    }
    expect(existsSync(join(bare, ".mspass", "db.json"))).toBe(false);
  });

  it("'mspass db stop' in a copy of a project directory leaves the original's server running", async () => {
    const original = await stranger;
    const copy = project();
    cpSync(join(strangerDir, ".mspass"), join(copy, ".mspass"), { recursive: true });
    const r = await mspass(["db", "stop"], copy);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(strangerDir);
    expect(r.stderr).toMatch(/left running/);
    expect(alive(original.pid)).toBe(true);
    const st = await mspass(["db", "status"], strangerDir);
    expect(st.stdout).toContain("status: running");
    // The copied record is gone from the copy, so nothing there points at the other server.
    expect(existsSync(join(copy, ".mspass", "db.json"))).toBe(false);
  });
});

describe("mspass up and the database", () => {
  it("reuses the server 'mspass db start --port N' started in the directory, and down leaves it", async () => {
    const d = project();
    const port = await findFreePort();
    const started = await mspass(["db", "start", "--port", String(port)], d);
    expect(started.code, started.stderr).toBe(0);
    const up = await mspass(["up"], d);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`database: ferretdb mongodb://127.0.0.1:${port}/`);
    const down = await mspass(["down"], d);
    expect(down.code).toBe(0);
    const st = await mspass(["db", "status"], d);
    expect(st.stdout).toContain("status: running");
  });

  it("when a server it did not start holds its port, the advice names what 'up' takes", async () => {
    const other = project();
    const theirs = await startDatabaseServer({ projectDir: other, port: 0, env: { PATH: process.env.PATH } });
    const d = project({ "mspass-desktop.yaml": `ports:\n  database: ${theirs.port}\n` });
    const up = await mspass(["up"], d);
    expect(up.code).not.toBe(0);
    expect(up.stderr).toContain("ports.database");
    expect(up.stderr).not.toContain("--port");
  });

  it("gives the workflow the dashboard port from ports.dashboard", async () => {
    const dbPort = await findFreePort();
    const dashboard = await findFreePort();
    const d = project({
      "mspass-desktop.yaml": `ports:\n  database: ${dbPort}\n  dashboard: ${dashboard}\n`,
      "wf.mjs": `const { Client } = await import("mspass"); const c = await Client.connect({ nworkers: 1 }); console.log("LINK " + c.getScheduler().dashboardLink); await c.close();`,
    });
    const up = await mspass(["up"], d);
    expect(up.code, up.stderr).toBe(0);
    const run = await mspass(["run", "wf.mjs"], d);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`LINK http://127.0.0.1:${dashboard}/`);
    expect(
      JSON.parse(readFileSync(join(d, ".mspass", "desktop.json"), "utf8")).env.MSPASS_DASHBOARD_PORT,
    ).toBe(String(dashboard));
  });
});
