/**
 * DatabaseClient against the real server and against a closed port:
 * validation, failures (Fatal, masked, within serverSelectionTimeoutMS),
 * one pool per URI, handle lifecycle.
 */
import { createServer } from "node:net";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Collection, Database, DatabaseClient, MsPASSError } from "mspass";
import { expectMsPASSError } from "./helpers.js";

const base = process.env.MSPASS_TEST_DB_URI!;
const withParam = (p: string) => `${base}${base.includes("?") ? "&" : "?"}${p}`;

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe("DatabaseClient.connect failures", () => {
  it("fails Fatal within serverSelectionTimeoutMS on a closed port, naming the masked address", async () => {
    const port = await closedPort();
    const uri = `mongodb://alice:s3cretPW@127.0.0.1:${port}/?directConnection=true`;
    const pools = DatabaseClient.stats().poolCount;
    const t0 = performance.now();
    const err = await expectMsPASSError(
      DatabaseClient.connect(uri, { serverSelectionTimeoutMS: 800 }),
      new RegExp(`cannot connect to the database at mongodb://\\*\\*\\*@127\\.0\\.0\\.1:${port}/`),
      "Fatal",
    );
    const elapsed = performance.now() - t0;
    expect(err.message).not.toContain("s3cretPW");
    expect(err.message).not.toContain("alice");
    expect(inspect(err, { depth: 5 })).not.toContain("s3cretPW");
    expect(elapsed).toBeLessThan(800 + 4000);
    // A failed URI leaves no pool (not even an empty slot) behind.
    expect(DatabaseClient.stats().poolCount).toBe(pools);
    expect(await DatabaseClient.shutdown(uri)).toBe(false);
  });

  it("rejects a malformed or non-MongoDB URI at once, naming the argument, without credentials", async () => {
    let err = await expectMsPASSError(
      DatabaseClient.connect("http://bob:pw123@host/"),
      /uri must be a mongodb:\/\/ or mongodb\+srv:\/\//,
      "Invalid",
    );
    expect(err.message).not.toContain("pw123");

    err = await expectMsPASSError(
      DatabaseClient.connect("mongodb://bob:pw123@"),
      /DatabaseClient\.connect\(uri\)/,
    );
    expect(["Invalid", "Fatal"]).toContain(err.severity);
    expect(err.message).not.toContain("pw123");

    await expectMsPASSError(DatabaseClient.connect(42 as unknown as string), /uri must be/);
  });

  it("validates options, naming the option", async () => {
    await expectMsPASSError(
      DatabaseClient.connect(base, { maxPoolSize: 0 }),
      /options\.maxPoolSize must be a positive integer/,
      "Invalid",
    );
    await expectMsPASSError(
      DatabaseClient.connect(base, { serverSelectionTimeoutMS: -5 }),
      /options\.serverSelectionTimeoutMS/,
    );
  });
});

describe("DatabaseClient handles on the shared pool", () => {
  it("creates one Rust client per URI, however many handles", async () => {
    const uri = withParam(`appName=connect-test-${process.pid}`);
    const before = DatabaseClient.stats();
    const [a, b] = await Promise.all([DatabaseClient.connect(uri), DatabaseClient.connect(uri)]);
    const c = await DatabaseClient.connect(uri);
    const after = DatabaseClient.stats();
    expect(after.clientsCreated - before.clientsCreated).toBe(1);
    expect(after.poolCount - before.poolCount).toBe(1);
    for (const h of [a, b, c]) await h.ping();

    // close() closes the handle only: the pool serves the other handles.
    await a.close();
    await a.close(); // idempotent
    expect(a.closed).toBe(true);
    await expectMsPASSError(a.ping(), /is closed/, "Fatal");
    expect(() => a.getDatabase("x")).toThrow(/is closed/);
    await b.ping();
    expect(DatabaseClient.stats().poolCount).toBe(after.poolCount);

    // Shutting the pool down really removes it; a new connect makes a new one.
    expect(await DatabaseClient.shutdown(uri)).toBe(true);
    expect(DatabaseClient.stats().poolCount).toBe(after.poolCount - 1);
    const d = await DatabaseClient.connect(uri);
    expect(DatabaseClient.stats().clientsCreated).toBe(after.clientsCreated + 1);
    await d.ping();
    expect(await DatabaseClient.shutdown(uri)).toBe(true);
  });

  it("shows only the masked address; the real URI is an internal accessor", async () => {
    // FerretDB without auth ignores credentials, so this URI still connects.
    const url = new URL(base);
    // PLAIN: FerretDB v1 without authentication accepts any PLAIN credentials.
    const uri = `mongodb://user:topSecret@${url.host}/?authMechanism=PLAIN&appName=mask-test-${process.pid}`;
    const client = await DatabaseClient.connect(uri);
    expect(client.address).toBe(
      `mongodb://***@${url.host}/?authMechanism=PLAIN&appName=mask-test-${process.pid}`,
    );
    expect(client.connectionString).toBe(uri);
    expect(JSON.stringify(client)).not.toContain("topSecret");
    expect(inspect(client, { depth: 5 })).not.toContain("topSecret");
    expect(Object.keys(client)).not.toContain("connectionString");
    await DatabaseClient.shutdown(uri);
  });

  it("gives Database handles with collection access", async () => {
    const client = await DatabaseClient.connect(base);
    const db = client.getDatabase("mspass_test_connect_db", { schema: "mspass" });
    expect(db).toBeInstanceOf(Database);
    expect(db.name).toBe("mspass_test_connect_db");
    expect(db.client).toBe(client);
    expect(db.options.schema).toBe("mspass");
    expect(db.collection("site")).toBeInstanceOf(Collection);
    expect(() => client.getDatabase("bad.name")).toThrow(MsPASSError);
    expect(() => client.getDatabase("")).toThrow(/database name/);
  });
});
