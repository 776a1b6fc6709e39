/**
 * The MsPASS Client against the real test server: address forms, environment
 * precedence, failures, caching and switching database clients.
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, LocalScheduler, findFreePort, stopDatabaseServer, databaseServerStatus } from "mspass";
import { parseDatabaseAddress } from "../dist/client/address.js";
import { resolveOptions } from "../dist/client/options.js";
import { expectMsPASSError as expectError } from "./helpers.js";

const uri = process.env.MSPASS_TEST_DB_URI!;
const testPort = Number(new URL(uri).port);

/** Client errors are Fatal unless a test says otherwise. */
const expectMsPASSError = (p: Promise<unknown> | (() => unknown), pattern: RegExp, severity = "Fatal") =>
  expectError(p, pattern, severity);

describe("address forms", () => {
  it("accepts host, host:port, [ipv6]:port, mongodb:// and mongodb+srv://", () => {
    expect(parseDatabaseAddress("dbhost").uri).toBe("mongodb://dbhost:27017/");
    expect(parseDatabaseAddress("dbhost", 28000).uri).toBe("mongodb://dbhost:28000/");
    expect(parseDatabaseAddress("dbhost:29000", 28000).uri).toBe("mongodb://dbhost:29000/");
    expect(parseDatabaseAddress("[::1]:29000").uri).toBe("mongodb://[::1]:29000/");
    expect(parseDatabaseAddress("[::1]", 28000).uri).toBe("mongodb://[::1]:28000/");
    expect(parseDatabaseAddress("::1").uri).toBe("mongodb://[::1]:27017/");
    expect(parseDatabaseAddress("mongodb://h1:1,h2:2/db?replicaSet=rs").uri).toBe(
      "mongodb://h1:1,h2:2/db?replicaSet=rs",
    );
    expect(parseDatabaseAddress("mongodb://h1/db", 28000).uri).toBe("mongodb://h1:28000/db");
    expect(parseDatabaseAddress("mongodb+srv://cluster.example.org/db").uri).toBe(
      "mongodb+srv://cluster.example.org/db",
    );
  });

  it("rejects malformed addresses at once, naming the argument", () => {
    expect(() => parseDatabaseAddress("host:99999")).toThrow(/port in databaseHost.*65535/);
    expect(() => parseDatabaseAddress("host:abc")).toThrow(/port in databaseHost/);
    expect(() => parseDatabaseAddress("bad host!")).toThrow(/databaseHost.*not a valid host name/);
    expect(() => parseDatabaseAddress("[::1")).toThrow(/unclosed/);
    expect(() => parseDatabaseAddress("mongodb://")).toThrow(/malformed URI/);
    expect(() => parseDatabaseAddress("mongodb+srv://a.example:27017/")).toThrow(/no port/);
    expect(() => parseDatabaseAddress("http://x")).toThrow(/unsupported scheme/);
    expect(() => parseDatabaseAddress(42)).toThrow(/databaseHost must be a string/);
  });

  it("never shows credentials in errors or in the display form", () => {
    const a = parseDatabaseAddress("mongodb://alice:s3cret@h1:1/db");
    expect(a.display).toBe("mongodb://***@h1:1/db");
    expect(() => parseDatabaseAddress("mongodb://alice:s3cret@/db")).toThrow(/^(?!.*s3cret)/s);
  });
});

describe("environment precedence", () => {
  it("argument beats MSPASS_DB_ADDRESS; MONGODB_PORT only fills a missing port", () => {
    const env = { MSPASS_DB_ADDRESS: "envhost", MONGODB_PORT: "28001", MSPASS_SCHEDULER: "none" };
    const fromEnv = resolveOptions({ env });
    expect(fromEnv.databaseHost).toBe("envhost");
    expect(fromEnv.databaseHostSource).toBe("MSPASS_DB_ADDRESS");
    expect(fromEnv.mongodbPort).toBe(28001);
    expect(fromEnv.scheduler).toBe("none");
    const fromArg = resolveOptions({ env, databaseHost: "arghost:1", scheduler: "local" });
    expect(fromArg.databaseHost).toBe("arghost:1");
    expect(fromArg.scheduler).toBe("local");
    expect(resolveOptions({ env: {} }).databaseHostSource).toBe("default");
    expect(resolveOptions({ env: {} }).scheduler).toBe("local");
    expect(resolveOptions({ env: { MSPASS_SCHEDULER_ADDRESS: "sched:8786" } }).schedulerHost).toBe(
      "sched:8786",
    );
  });

  it("connects through MSPASS_DB_ADDRESS and through MONGODB_PORT", async () => {
    const viaEnv = await Client.connect({ env: { MSPASS_DB_ADDRESS: uri, MSPASS_SCHEDULER: "none" } });
    expect(await viaEnv.getDatabase("mspass_client_env").collection("x").countDocuments({})).toBe(0);
    await viaEnv.close();
    const viaPort = await Client.connect({
      env: { MSPASS_DB_ADDRESS: "127.0.0.1", MONGODB_PORT: String(testPort) },
      scheduler: "none",
    });
    expect(viaPort.getDatabaseClient().address).toBe(`mongodb://127.0.0.1:${testPort}/`);
    await viaPort.close();
  });

  it("bad environment values fail naming the variable", async () => {
    await expectMsPASSError(() => resolveOptions({ env: { MONGODB_PORT: "70000" } }), /MONGODB_PORT/);
    await expectMsPASSError(
      () => resolveOptions({ env: { MSPASS_SCHEDULER: "dask" } }),
      /MSPASS_SCHEDULER.*"dask"/,
    );
  });
});

describe("Client.connect", () => {
  let client: Client;
  beforeAll(async () => {
    client = await Client.connect({ databaseHost: uri, scheduler: "none", serverSelectionTimeoutMS: 2000 });
  });
  afterAll(async () => {
    await client.close();
  });

  it("gives the database client, cached databases and no scheduler with 'none'", async () => {
    expect(client.getScheduler()).toBeNull();
    expect(client.getDatabaseClient().address).toContain("127.0.0.1");
    const a = client.getDatabase("mspass_client_test");
    expect(client.getDatabase("mspass_client_test")).toBe(a);
    expect(client.getDatabase()).toBe(client.getDatabase("mspass"));
    expect(client.getDatabase("other_db")).not.toBe(a);
    await a.collection("things").insertOne({ k: 1 });
    expect(await a.collection("things").countDocuments({ k: 1 })).toBe(1);
    await a.dropDatabase();
  });

  it("rejects bad arguments at once, naming the argument", async () => {
    await expectMsPASSError(
      Client.connect({ databaseHost: uri, scheduler: "spark" as never }),
      /scheduler must be one of/,
    );
    await expectMsPASSError(
      Client.connect({ databaseHost: 27017 as never }),
      /databaseHost must be a string/,
    );
    await expectMsPASSError(Client.connect({ databaseHost: "h:0" }), /port in databaseHost/);
    await expectMsPASSError(
      Client.connect({ databaseHost: uri, serverSelectionTimeoutMS: -1 }),
      /serverSelectionTimeoutMS/,
    );
    await expectMsPASSError(Client.connect({ databaseHost: uri, databaseName: "a.b" }), /databaseName/);
    await expectMsPASSError(
      Client.connect({ databasehost: uri } as never),
      /unknown Client option 'databasehost'/,
    );
    expect(() => client.getDatabase("bad/name")).toThrow(/getDatabase\(name\)/);
  });

  it("an unreachable database fails within the timeout, Fatal, naming the address, credentials masked", async () => {
    const closed = await closedPort();
    const started = Date.now();
    const err = await expectMsPASSError(
      Client.connect({
        databaseHost: `mongodb://alice:s3cret@127.0.0.1:${closed}/`,
        scheduler: "none",
        serverSelectionTimeoutMS: 1500,
      }),
      new RegExp(`127\\.0\\.0\\.1:${closed}`),
    );
    expect(Date.now() - started).toBeLessThan(1500 + 5000);
    expect(err.message).not.toContain("s3cret");
    expect(err.message).not.toContain("alice");
  });

  it("setDatabaseClient keeps the old client when the new one fails, and switches when it works", async () => {
    const before = client.getDatabaseClient();
    const closed = await closedPort();
    await expectMsPASSError(
      client.setDatabaseClient("127.0.0.1", closed),
      new RegExp(`127\\.0\\.0\\.1:${closed}`),
    );
    expect(client.getDatabaseClient()).toBe(before);
    expect(await client.getDatabase("mspass_client_test2").collection("x").countDocuments({})).toBe(0);
    await client.setDatabaseClient("127.0.0.1", testPort);
    expect(client.getDatabaseClient()).not.toBe(before);
    expect(client.getDatabaseClient().address).toBe(`mongodb://127.0.0.1:${testPort}/`);
    expect(before.closed).toBe(true);
  });

  it("close() is idempotent and later calls fail clearly", async () => {
    const c = await Client.connect({ databaseHost: uri, scheduler: "none" });
    await c.close();
    await c.close();
    expect(() => c.getDatabase()).toThrow(/closed/);
  });
});

describe("the scheduler", () => {
  it("is the local worker-thread scheduler by default, and setScheduler switches kinds", async () => {
    const c = await Client.connect({ databaseHost: uri, nworkers: 2, dashboardPort: 0 });
    try {
      const s = c.getScheduler();
      expect(s).toBeInstanceOf(LocalScheduler);
      expect(c.schedulerType).toBe("local");
      expect(await s!.submit((a: number, b: number) => a * b, 6, 7)).toBe(42);
      expect(s!.dashboardLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/status$/);
      await c.setScheduler("none");
      expect(c.getScheduler()).toBeNull();
      expect(c.schedulerType).toBe("none");
      await expectMsPASSError(c.setScheduler("dask" as never), /"dask" is a Python scheduler|must be one of/);
      expect(c.schedulerType).toBe("none");
    } finally {
      await c.close();
    }
  });
});

describe("the embedded default database", () => {
  it("with no address, connect() starts a server under <projectDir>/.mspass and reuses it next time", async () => {
    const projectDir = mkdtempSync(join(tmpdir(), "mspass-client-default-"));
    const port = await findFreePort();
    const env = { MONGODB_PORT: String(port), PATH: process.env.PATH };
    try {
      const first = await Client.connect({ env, projectDir, scheduler: "none" });
      expect(first.getDatabaseClient().address).toBe(`mongodb://127.0.0.1:${port}/`);
      await first.getDatabase("mspass_default").collection("wf_TimeSeries").insertOne({ npts: 5 });
      await first.close();
      const status = await databaseServerStatus({ projectDir, env });
      expect(status.state).toBe("running");
      const second = await Client.connect({ env, projectDir, scheduler: "none" });
      expect(
        await second.getDatabase("mspass_default").collection("wf_TimeSeries").countDocuments({ npts: 5 }),
      ).toBe(1);
      expect((await databaseServerStatus({ projectDir, env })).server?.pid).toBe(status.server?.pid);
      await second.close();
    } finally {
      await stopDatabaseServer({ projectDir, env });
      rmSync(projectDir, { recursive: true, force: true });
    }
  });
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const srv: Server = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}
