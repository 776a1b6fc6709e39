/**
 * Gives the whole suite one real MongoDB-API server.
 *
 * If MSPASS_TEST_DB_URI is set (as `npm test` / .ci/run do) it is used as is.
 * Otherwise a FerretDB (built by `npm run build:ferretdb` into .bin/) is
 * started on a free loopback port with a throw-away data directory, and
 * stopped when the suite ends.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

let child: ChildProcess | undefined;
let dataDir: string | undefined;

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export async function setup(): Promise<void> {
  if (process.env.MSPASS_TEST_DB_URI) return;
  const bin = resolve(".bin/ferretdb");
  if (!existsSync(bin)) {
    throw new Error(`no test database: set MSPASS_TEST_DB_URI or build FerretDB with 'npm run build:ferretdb' (${bin} missing)`);
  }
  const port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), "mspass-test-db-"));
  // stderr is inherited, not piped: an unread pipe fills up and blocks the
  // server. The runner logs only errors by default.
  child = spawn(bin, ["--listen-addr", `127.0.0.1:${port}`, "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const uri = await new Promise<string>((res, rej) => {
    let out = "";
    child!.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("mongodb://"));
      if (line) res(line.trim());
    });
    child!.on("exit", (code) => rej(new Error(`test FerretDB exited with code ${code}`)));
    setTimeout(() => rej(new Error("test FerretDB did not start within 30 s")), 30_000).unref();
  });
  process.env.MSPASS_TEST_DB_URI = uri;
}

export async function teardown(): Promise<void> {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
