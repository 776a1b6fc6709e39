/**
 * The database service, in process: resolution order, start/stop/status of
 * the detached server, idempotence, stale state, and the clear errors.
 * Every test uses its own project directory and free ports, and stops what it
 * started. Real FerretDB throughout (the suite's server for "already running").
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MongoClient } from "mongodb";
import {
  databaseServerStatus,
  findFreePort,
  resolveDatabaseService,
  startDatabaseServer,
  stopDatabaseServer,
} from "mspass";
import { expectMsPASSError } from "./helpers.js";

const projects: string[] = [];
const servers: Server[] = [];

function newProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "mspass-service-"));
  projects.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of projects.splice(0)) {
    await stopDatabaseServer({ projectDir: dir });
    rmSync(dir, { recursive: true, force: true });
  }
  for (const s of servers.splice(0)) {
    let open = -1;
    for (let i = 0; i < 20 && open !== 0; i++) {
      open = await new Promise<number>((r) => s.getConnections((_e, n) => r(n)));
      if (open) await new Promise((r) => setTimeout(r, 50));
    }
    s.close();
    expect(open, "connections the probe left open").toBe(0);
  }
});

/** A plain TCP listener that accepts connections and never speaks MongoDB. */
async function plainTcpServer(): Promise<number> {
  const srv = createServer((socket) => socket.on("error", () => undefined).resume());
  // close() waits for open connections: count them, so a probe that leaves
  // its socket open fails the test (a leak into a foreign program) instead of hanging.
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const addr = srv.address();
  if (typeof addr !== "object" || !addr) throw new Error("no address");
  return addr.port;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((r) => child.once("exit", r));
  return child.pid!;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]![0] !== "Z";
  } catch {
    return false;
  }
}

/** Environment without the variables that would steer resolution. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.MSPASS_DB_ADDRESS;
  delete env.MSPASS_PROJECT_DIR;
  delete env.MONGODB_PORT;
  return { ...env, ...extra };
}

describe("resolveDatabaseService: the order", () => {
  it("returns the databaseHost argument as given, over MSPASS_DB_ADDRESS, without touching .mspass", async () => {
    const dir = newProject();
    const r = await resolveDatabaseService({
      databaseHost: "db.example.org:27018",
      env: cleanEnv({ MSPASS_DB_ADDRESS: "other:1" }),
      projectDir: dir,
    });
    expect(r).toEqual({ uri: "db.example.org:27018", source: "argument", started: false });
    expect(existsSync(join(dir, ".mspass"))).toBe(false);
  });

  it("uses MSPASS_DB_ADDRESS when no argument is given", async () => {
    const dir = newProject();
    const r = await resolveDatabaseService({
      env: cleanEnv({ MSPASS_DB_ADDRESS: "mongodb://h1:1234/" }),
      projectDir: dir,
    });
    expect(r).toEqual({ uri: "mongodb://h1:1234/", source: "env", started: false });
    expect(existsSync(join(dir, ".mspass"))).toBe(false);
  });

  it("uses a MongoDB server already answering on the default port, starting nothing", async () => {
    const port = Number(new URL(process.env.MSPASS_TEST_DB_URI!).port);
    const dir = newProject();
    const r = await resolveDatabaseService({ env: cleanEnv(), projectDir: dir, defaultPort: port });
    expect(r).toEqual({ uri: `mongodb://127.0.0.1:${port}/`, source: "default-port", started: false });
    expect(existsSync(join(dir, ".mspass", "db.json"))).toBe(false);
  });

  it("takes the default port from MONGODB_PORT", async () => {
    const port = Number(new URL(process.env.MSPASS_TEST_DB_URI!).port);
    const r = await resolveDatabaseService({
      env: cleanEnv({ MONGODB_PORT: String(port) }),
      projectDir: newProject(),
    });
    expect(r.source).toBe("default-port");
    expect(r.uri).toBe(`mongodb://127.0.0.1:${port}/`);
  });

  it("refuses a default port held by something that is not MongoDB, saying what to do", async () => {
    const port = await plainTcpServer();
    const dir = newProject();
    const err = await expectMsPASSError(
      resolveDatabaseService({
        env: cleanEnv(),
        projectDir: dir,
        defaultPort: port,
        serverSelectionTimeoutMS: 1000,
      }),
      new RegExp(
        `^port ${port} on 127\\.0\\.0\\.1 is in use by something that is not a MongoDB server; .*MSPASS_DB_ADDRESS`,
      ),
    );
    expect(err.severity).toBe("Fatal");
    expect(existsSync(join(dir, ".mspass", "db.json"))).toBe(false);
  });

  it("otherwise starts a server on the default port, and finds it again next time", async () => {
    const port = await findFreePort();
    const dir = newProject();
    const env = cleanEnv();
    const first = await resolveDatabaseService({ env, projectDir: dir, defaultPort: port });
    expect(first.started).toBe(true);
    expect(first.source).toBe(existsOnPath("mongod", env) ? "mongod" : "ferretdb");
    expect(first.uri).toBe(`mongodb://127.0.0.1:${port}/`);

    const state = JSON.parse(readFileSync(join(dir, ".mspass", "db.json"), "utf8"));
    expect(state).toMatchObject({
      port,
      uri: first.uri,
      kind: first.source,
      dataDir: join(dir, ".mspass", "db"),
    });
    expect(alive(state.pid)).toBe(true);

    const again = await resolveDatabaseService({ env, projectDir: dir, defaultPort: port });
    expect(again).toEqual({ uri: first.uri, source: first.source, started: false });
    const st = await databaseServerStatus({ projectDir: dir });
    expect(st.server?.pid).toBe(state.pid);
  });
});

function existsOnPath(name: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? "").split(":").some((d) => d && existsSync(join(d, name)));
}

describe("startDatabaseServer / stopDatabaseServer / databaseServerStatus", () => {
  it("is idempotent: a second start returns the same server (same pid and URI)", async () => {
    const dir = newProject();
    const a = await startDatabaseServer({ projectDir: dir, port: 0, engine: "ferretdb" });
    expect(a.started).toBe(true);
    expect(a.port).toBeGreaterThan(0);
    expect(a.uri).toBe(`mongodb://127.0.0.1:${a.port}/`);
    const b = await startDatabaseServer({ projectDir: dir, port: 0, engine: "ferretdb" });
    expect(b.started).toBe(false);
    expect(b.pid).toBe(a.pid);
    expect(b.uri).toBe(a.uri);
    // The same port explicitly is the same server too; another port is a conflict.
    expect((await startDatabaseServer({ projectDir: dir, port: a.port })).pid).toBe(a.pid);
    await expectMsPASSError(
      startDatabaseServer({ projectDir: dir, port: a.port + 1 }),
      /already running .* with port/,
    );
  });

  it("serialises concurrent starts: two at once give one server", async () => {
    const dir = newProject();
    const [a, b] = await Promise.all([
      startDatabaseServer({ projectDir: dir, port: 0, engine: "ferretdb" }),
      startDatabaseServer({ projectDir: dir, port: 0, engine: "ferretdb" }),
    ]);
    expect(a.pid).toBe(b.pid);
    expect([a.started, b.started].sort()).toEqual([false, true]);
  });

  it("keeps data across stop and start, in the data directory given", async () => {
    const dir = newProject();
    const dataDir = join(dir, "elsewhere", "data");
    const a = await startDatabaseServer({ projectDir: dir, port: 0, dataDir, engine: "ferretdb" });
    expect(a.dataDir).toBe(dataDir);
    const client = new MongoClient(a.uri, { serverSelectionTimeoutMS: 5000 });
    await client
      .db("survive")
      .collection("wf")
      .insertMany([
        { sta: "AAK", n: 1 },
        { sta: "BRVK", n: 2 },
      ]);
    await client.close();

    const stopped = await stopDatabaseServer({ projectDir: dir });
    expect(stopped.stopped).toBe(true);
    expect(alive(a.pid)).toBe(false);
    expect(existsSync(join(dir, ".mspass", "db.json"))).toBe(false);
    expect((await databaseServerStatus({ projectDir: dir })).state).toBe("stopped");

    const b = await startDatabaseServer({ projectDir: dir, port: 0, dataDir, engine: "ferretdb" });
    expect(b.started).toBe(true);
    expect(b.pid).not.toBe(a.pid);
    const client2 = new MongoClient(b.uri, { serverSelectionTimeoutMS: 5000 });
    const docs = await client2
      .db("survive")
      .collection("wf")
      .find({}, { projection: { _id: 0 } })
      .sort({ n: 1 })
      .toArray();
    await client2.close();
    expect(docs).toEqual([
      { sta: "AAK", n: 1 },
      { sta: "BRVK", n: 2 },
    ]);
  });

  it("reports running with kind, URI, pid and data directory", async () => {
    const dir = newProject();
    const s = await startDatabaseServer({ projectDir: dir, port: 0, engine: "ferretdb" });
    const st = await databaseServerStatus({ projectDir: dir });
    expect(st.state).toBe("running");
    expect(st.server).toMatchObject({
      kind: "ferretdb",
      uri: s.uri,
      pid: s.pid,
      dataDir: join(dir, ".mspass", "db"),
    });
    expect(st.dataDir).toBe(join(dir, ".mspass", "db"));
  });

  it("stop with nothing running is not an error", async () => {
    const dir = newProject();
    expect(await stopDatabaseServer({ projectDir: dir })).toEqual({ stopped: false, staleCleaned: false });
  });

  it("cleans a state file whose process is dead, and one whose pid now runs another program", async () => {
    const dir = newProject();
    mkdirSync(join(dir, ".mspass"));
    const stateFile = join(dir, ".mspass", "db.json");
    const stale = {
      kind: "ferretdb",
      pid: await deadPid(),
      port: 1,
      uri: "mongodb://127.0.0.1:1/",
      dataDir: join(dir, ".mspass", "db"),
      logFile: join(dir, ".mspass", "db.log"),
      command: resolve(".bin/ferretdb"),
      startedAt: new Date().toISOString(),
    };
    writeFileSync(stateFile, JSON.stringify(stale));
    const st = await databaseServerStatus({ projectDir: dir });
    expect(st).toMatchObject({ state: "stopped", staleCleaned: true });
    expect(existsSync(stateFile)).toBe(false);

    // This test process is alive but is not FerretDB: a reused pid.
    writeFileSync(stateFile, JSON.stringify({ ...stale, pid: process.pid }));
    const stop = await stopDatabaseServer({ projectDir: dir });
    expect(stop).toMatchObject({ stopped: false, staleCleaned: true });
    expect(existsSync(stateFile)).toBe(false);

    // And start replaces stale state with a fresh server.
    writeFileSync(stateFile, JSON.stringify(stale));
    const s = await startDatabaseServer({ projectDir: dir, port: 0, engine: "ferretdb" });
    expect(s.started).toBe(true);
    expect(s.pid).not.toBe(stale.pid);
  });

  it("refuses a port taken by a non-MongoDB program, with the message that says what to do", async () => {
    const port = await plainTcpServer();
    const dir = newProject();
    const err = await expectMsPASSError(
      startDatabaseServer({ projectDir: dir, port, engine: "ferretdb" }),
      new RegExp(
        `^port ${port} on 127\\.0\\.0\\.1 is in use by something that is not a MongoDB server; pass --port or set MSPASS_DB_ADDRESS$`,
      ),
    );
    expect(err.severity).toBe("Fatal");
    expect(existsSync(join(dir, ".mspass", "db.json"))).toBe(false);
  });

  it("refuses to start on a port where a MongoDB server it did not start answers", async () => {
    const port = Number(new URL(process.env.MSPASS_TEST_DB_URI!).port);
    await expectMsPASSError(
      startDatabaseServer({ projectDir: newProject(), port, engine: "ferretdb" }),
      new RegExp(`MongoDB server that mspass did not start already answers on 127\\.0\\.0\\.1:${port}`),
    );
  });

  it("refuses a data directory that cannot be written, naming it", async () => {
    const dir = newProject();
    // A path below a regular file can never be created, even by root.
    writeFileSync(join(dir, "a-file"), "");
    const bad = join(dir, "a-file", "db");
    const err = await expectMsPASSError(
      startDatabaseServer({ projectDir: dir, port: 0, dataDir: bad, engine: "ferretdb" }),
      /^cannot write the database directory .*a-file\/db \(E[A-Z]+\); fix its permissions or pass --data-dir DIR$/,
    );
    expect(err.severity).toBe("Fatal");
    expect(existsSync(join(dir, ".mspass", "db.json"))).toBe(false);
  });

  it("kills a server that does not answer in time and points at its log", async () => {
    const dir = newProject();
    // A `mongod` on PATH that never listens.
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(
      join(bin, "mongod"),
      '#!/bin/bash\necho "mongod stand-in: waiting forever"\nexec -a "$0" sleep 300\n',
    );
    chmodSync(join(bin, "mongod"), 0o755);
    const env = cleanEnv({ PATH: `${bin}:${process.env.PATH}` });
    const started = Date.now();
    const err = await expectMsPASSError(
      startDatabaseServer({ projectDir: dir, port: 0, env, startTimeoutMS: 1500 }),
      new RegExp(
        `^the mongod database server did not answer within 2 s; it was killed\\. See ${join(dir, ".mspass", "db.log")}; its last lines:\n  mongod stand-in: waiting forever$`,
      ),
    );
    expect(err.severity).toBe("Fatal");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(existsSync(join(dir, ".mspass", "db.json"))).toBe(false);
    expect((await databaseServerStatus({ projectDir: dir, env })).state).toBe("stopped");
  });

  it("rejects bad options at once, naming them", async () => {
    const dir = newProject();
    await expectMsPASSError(
      startDatabaseServer({ projectDir: dir, port: 70000 }),
      /^port must be an integer port between 0 and 65535, got 70000/,
    );
    await expectMsPASSError(
      startDatabaseServer({ projectDir: dir, engine: "mysql" as never }),
      /^engine must be "auto", "mongod" or "ferretdb"/,
    );
    await expectMsPASSError(
      resolveDatabaseService({ projectDir: dir, env: cleanEnv({ MONGODB_PORT: "http" }) }),
      /^MONGODB_PORT must be an integer port/,
    );
  });
});
