/**
 * The `mspass` command run as users run it: a subprocess on dist/cli/main.js
 * (build with `npm run build:ts`). Each test has its own project directory
 * (the subprocess's working directory) and a free port, and stops its server.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MongoClient } from "mongodb";
import { findFreePort } from "mspass";

const CLI = resolve("dist/cli/main.js");
const FERRETDB = resolve(".bin/ferretdb");
const projects: string[] = [];
const servers: Server[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function mspass(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<Run> {
  const full: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const k of ["MSPASS_DB_ADDRESS", "MSPASS_PROJECT_DIR", "MSPASS_DEBUG"])
    if (!(k in env)) delete full[k];
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete full[k];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: full,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}

function newProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "mspass-cli-"));
  projects.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of projects.splice(0)) {
    await mspass(["db", "stop"], dir);
    rmSync(dir, { recursive: true, force: true });
  }
  for (const s of servers.splice(0)) s.close();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]![0] !== "Z";
  } catch {
    return false;
  }
}

/** One line on stderr, "mspass: ...", and no stack trace. */
function expectOneMessage(r: Run, pattern: RegExp): void {
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^mspass: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe("mspass usage", () => {
  it("--help prints the commands and exits 0; no command or an unknown one prints usage and exits 2", async () => {
    const dir = newProject();
    const help = await mspass(["--help"], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: mspass <command>/);
    expect(help.stdout).toMatch(/\n {2}db {2}/);

    const none = await mspass([], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^Usage: mspass <command>/);

    const bad = await mspass(["frobnicate"], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^mspass: unknown command 'frobnicate'\n\nUsage: mspass <command>/);
  });

  it("db --help exits 0; bad subcommands and options exit 2 with the db usage", async () => {
    const dir = newProject();
    const help = await mspass(["db", "--help"], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: mspass db <start\|stop\|status>/);
    for (const [args, msg] of [
      [["db"], /missing subcommand/],
      [["db", "restart"], /unknown db subcommand 'restart'/],
      [["db", "start", "--prot", "1"], /unknown option --prot/],
      [["db", "start", "--port", "http"], /--port must be a port number 0-65535, got 'http'/],
      [["db", "start", "--port", "70000"], /--port must be a port number 0-65535, got '70000'/],
      [["db", "start", "--engine", "mysql"], /--engine must be auto, mongod or ferretdb/],
      [["db", "status", "extra"], /unexpected argument 'extra'/],
    ] as const) {
      const r = await mspass([...args], dir);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).toMatch(/Usage: mspass db/);
    }
    expect(existsSync(join(dir, ".mspass", "db.json"))).toBe(false);
  });
});

describe("mspass db start | stop | status", () => {
  it("start prints the URI, is idempotent, status reports it, data survive stop and start", async () => {
    const dir = newProject();
    // MONGODB_PORT sets the default port, so `start` without --port never touches 27017.
    const port = await findFreePort();
    const env = { MONGODB_PORT: String(port) };
    const uri = `mongodb://127.0.0.1:${port}/`;

    const stopped = await mspass(["db", "status"], dir, env);
    expect(stopped.code).toBe(3);
    expect(stopped.stdout).toBe(`status: stopped\ndata dir: ${join(dir, ".mspass", "db")}\n`);

    const first = await mspass(["db", "start", "--engine", "ferretdb"], dir, env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`${uri}\n`);
    expect(first.stderr).toMatch(/^mspass: started ferretdb \(pid \d+\)/);

    const status = await mspass(["db", "status"], dir, env);
    expect(status.code).toBe(0);
    const pid = Number(/^pid: (\d+)$/m.exec(status.stdout)?.[1]);
    expect(status.stdout).toBe(
      `status: running\nkind: ferretdb\nuri: ${uri}\npid: ${pid}\ndata dir: ${join(dir, ".mspass", "db")}\n` +
        `log: ${join(dir, ".mspass", "db.log")}\nstarted: ${/^started: (.*)$/m.exec(status.stdout)?.[1]}\n`,
    );
    expect(alive(pid)).toBe(true);

    const second = await mspass(["db", "start"], dir, env);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(`${uri}\n`);
    expect(second.stderr).toMatch(new RegExp(`already running \\(pid ${pid}\\)`));
    const json = JSON.parse((await mspass(["db", "status", "--json"], dir, env)).stdout);
    expect(json).toMatchObject({ state: "running", kind: "ferretdb", uri, pid, port });

    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
    await client.db("mspass").collection("wf_TimeSeries").insertOne({ sta: "ANMO", npts: 100 });
    await client.close();

    const stop = await mspass(["db", "stop"], dir, env);
    expect(stop.code).toBe(0);
    expect(stop.stderr).toMatch(new RegExp(`^mspass: stopped ferretdb \\(pid ${pid}\\); data kept in `));
    expect(alive(pid)).toBe(false);
    expect((await mspass(["db", "status"], dir, env)).code).toBe(3);
    expect((await mspass(["db", "stop"], dir, env)).stderr).toMatch(
      /no database server started by mspass is running/,
    );

    const again = await mspass(["db", "start"], dir, env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`${uri}\n`);
    const client2 = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
    const doc = await client2
      .db("mspass")
      .collection("wf_TimeSeries")
      .findOne({ sta: "ANMO" }, { projection: { _id: 0 } });
    await client2.close();
    expect(doc).toEqual({ sta: "ANMO", npts: 100 });
  });

  it("--port 0 picks a free port; --project-dir and MSPASS_PROJECT_DIR choose where .mspass lives", async () => {
    const cwd = newProject();
    const project = newProject();
    const r = await mspass(
      ["db", "start", "--port", "0", "--project-dir", project, "--engine", "ferretdb"],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const uri = r.stdout.trim();
    expect(uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    expect(Number(new URL(uri).port)).toBeGreaterThan(0);
    expect(existsSync(join(project, ".mspass", "db.json"))).toBe(true);
    expect(existsSync(join(cwd, ".mspass"))).toBe(false);

    const viaEnv = await mspass(["db", "status"], cwd, { MSPASS_PROJECT_DIR: project });
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.stdout).toContain(`uri: ${uri}`);
    expect((await mspass(["db", "status"], cwd)).code).toBe(3);
  });

  it("a port held by a plain TCP server gives one clear message and exit 1", async () => {
    const srv = createServer((s) => s.on("error", () => undefined).resume());
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    const dir = newProject();
    const r = await mspass(["db", "start", "--port", String(port)], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expectOneMessage(
      r,
      new RegExp(
        `^mspass: port ${port} on 127\\.0\\.0\\.1 is in use by something that is not a MongoDB server; pass --port or set MSPASS_DB_ADDRESS$`,
      ),
    );
  });

  it("a data directory that cannot be written gives one clear message and exit 1", async () => {
    const dir = newProject();
    writeFileSync(join(dir, "plain-file"), "");
    const r = await mspass(["db", "start", "--port", "0", "--data-dir", "plain-file/db"], dir);
    expect(r.code).toBe(1);
    expectOneMessage(
      r,
      new RegExp(
        `cannot write the database directory ${join(dir, "plain-file", "db")} \\(ENOTDIR\\); fix its permissions or pass --data-dir DIR$`,
      ),
    );
  });

  it("a stale state file (dead pid) is reported stopped and removed", async () => {
    const dir = newProject();
    mkdirSync(join(dir, ".mspass"));
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => dead.once("exit", r));
    const stateFile = join(dir, ".mspass", "db.json");
    const state = {
      kind: "ferretdb",
      pid: dead.pid,
      port: 1,
      uri: "mongodb://127.0.0.1:1/",
      dataDir: join(dir, ".mspass", "db"),
      logFile: join(dir, ".mspass", "db.log"),
      command: FERRETDB,
      startedAt: new Date().toISOString(),
    };
    writeFileSync(stateFile, JSON.stringify(state));
    const status = await mspass(["db", "status"], dir);
    expect(status.code).toBe(3);
    expect(status.stdout).toMatch(/^status: stopped\n/);
    expect(status.stderr).toMatch(/removed a stale state file/);
    expect(existsSync(stateFile)).toBe(false);

    writeFileSync(stateFile, JSON.stringify(state));
    const stop = await mspass(["db", "stop"], dir);
    expect(stop.code).toBe(0);
    expect(stop.stderr).toMatch(
      new RegExp(`was not running \\(pid ${dead.pid} is gone\\); removed its stale state file`),
    );
    expect(existsSync(stateFile)).toBe(false);
  });
});

describe("mongod on PATH", () => {
  /**
   * A directory with an executable named `mongod` whose body is `body`. The
   * working stand-in execs the real FerretDB server under mongod's command
   * line (--dbpath/--bind_ip/--port), so the mongod code path is exercised
   * against a real MongoDB-API server without MongoDB's binaries.
   */
  function mongodDir(body: string): string {
    const bin = join(newProject(), "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "mongod"), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, "mongod"), 0o755);
    return bin;
  }

  it("is preferred by the auto engine and started with --dbpath .mspass/db --bind_ip 127.0.0.1 --port", async () => {
    const bin = mongodDir(
      [
        'while [ $# -gt 0 ]; do case "$1" in',
        "  --dbpath) d=$2; shift 2;; --bind_ip) h=$2; shift 2;; --port) p=$2; shift 2;;",
        '  *) echo "unexpected mongod argument $1" >&2; exit 2;;',
        "esac; done",
        'echo "mongod stand-in: dbpath=$d bind_ip=$h port=$p"',
        `exec -a "$0" ${FERRETDB} --listen-addr "$h:$p" --data-dir "$d"`,
      ].join("\n"),
    );
    const dir = newProject();
    const port = await findFreePort();
    const env = { PATH: `${bin}${delimiter}${process.env.PATH}` };
    const r = await mspass(["db", "start", "--port", String(port)], dir, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`mongodb://127.0.0.1:${port}/\n`);
    expect(r.stderr).toMatch(/^mspass: started mongod/);
    expect(readFileSync(join(dir, ".mspass", "db.log"), "utf8")).toContain(
      `mongod stand-in: dbpath=${join(dir, ".mspass", "db")} bind_ip=127.0.0.1 port=${port}`,
    );
    const status = await mspass(["db", "status"], dir, env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^kind: mongod$/m);
    // --port 0 with mongod: mspass picks the free port itself.
    const stop = await mspass(["db", "stop"], dir, env);
    expect(stop.stderr).toMatch(/stopped mongod/);
    const zero = await mspass(["db", "start", "--port", "0"], dir, env);
    expect(zero.code, zero.stderr).toBe(0);
    expect(Number(new URL(zero.stdout.trim()).port)).toBeGreaterThan(0);
  });

  it("a server that exits while starting is reported with a pointer to the log", async () => {
    const bin = mongodDir('echo "mongod: cannot open the data files" >&2; exit 100');
    const dir = newProject();
    const r = await mspass(["db", "start", "--port", "0"], dir, {
      PATH: `${bin}${delimiter}${process.env.PATH}`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^mspass: the mongod database server exited while starting \\(status 100\\); see ${join(dir, ".mspass", "db.log")}; its last lines:\n  mongod: cannot open the data files\n$`,
      ),
    );
    expect(existsSync(join(dir, ".mspass", "db.json"))).toBe(false);
  });
});

describe("scripts/build-ferretdb.mjs", () => {
  it("skips an up-to-date binary, and without Go says what to do in one line (exit 1)", async () => {
    const script = resolve("scripts/build-ferretdb.mjs");
    const run = (args: string[], env: NodeJS.ProcessEnv) =>
      new Promise<Run>((res) => {
        const c = spawn(process.execPath, [script, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        c.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        c.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        c.on("close", (code) => res({ code, stdout, stderr }));
      });
    const upToDate = await run([], process.env);
    expect(upToDate.code, upToDate.stderr).toBe(0);
    expect(upToDate.stdout).toMatch(/is up to date/);
    // --force with no Go on PATH: the existing binary is left alone.
    const noGo = await run(["--force"], { ...process.env, PATH: newProject() });
    expect(noGo.code).toBe(1);
    expect(noGo.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(noGo.stderr).toMatch(
      /^build-ferretdb: Go is not installed .*Install Go >= 1\.24 .*npm run build:ferretdb.*MSPASS_DB_ADDRESS/,
    );
    expect(existsSync(FERRETDB)).toBe(true);
  });
});
