/**
 * Two worker threads that load the addon and connect to the same URI share
 * ONE Rust `mongodb::Client` with the main thread: the core's process-wide
 * counter goes up by exactly one for that URI, and the workers read the very
 * same counter (the `.node` library and its statics are loaded once).
 */
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { DatabaseClient } from "mspass";
import { useTestDatabase } from "./helpers.js";

const { uri: base, db } = await useTestDatabase("mspass_test_worker_share");
// A URI no other test in this process uses, so its pool is created here.
const uri = `${base}${base.includes("?") ? "&" : "?"}appName=worker-share-${process.pid}`;
const dbName = db.name;

interface Report {
  tag: string;
  threadId: number;
  found: { tag: string; i: number; threadId: number }[];
  stats: { clientsCreated: number; poolCount: number; openCursors: number };
}

function runWorker(tag: string): Promise<Report> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./fixtures/worker-share.mjs", import.meta.url), {
      workerData: { uri, dbName, collName: "shared", tag },
    });
    let report: Report | undefined;
    w.once("message", (m: Report) => (report = m));
    w.once("error", reject);
    w.once("exit", (code) =>
      report && code === 0 ? resolve(report) : reject(new Error(`worker ${tag} exited with ${code}`)),
    );
  });
}

afterAll(() => DatabaseClient.shutdown(uri));

describe("worker threads share the process-wide pool", () => {
  it("creates one mongodb::Client for a URI used by two workers at once", async () => {
    const before = DatabaseClient.stats();
    const [a, b] = await Promise.all([runWorker("a"), runWorker("b")]);
    const after = DatabaseClient.stats();

    // Both workers did real work through the pool.
    expect(a.found).toEqual([
      { tag: "a", i: 0, threadId: a.threadId },
      { tag: "a", i: 1, threadId: a.threadId },
    ]);
    expect(b.found.map((d) => d.i)).toEqual([0, 1]);
    expect(a.threadId).not.toBe(b.threadId);

    // Exactly one client was created for the two concurrent connects.
    expect(after.clientsCreated - before.clientsCreated).toBe(1);
    // The workers see the main thread's counter: one addon instance per process.
    expect(a.stats.clientsCreated).toBe(after.clientsCreated);
    expect(b.stats.clientsCreated).toBe(after.clientsCreated);

    // The main thread attaches to the same pool without creating another.
    const main = await DatabaseClient.connect(uri);
    expect(await main.getDatabase(dbName).collection("shared").countDocuments({})).toBe(4);
    expect(DatabaseClient.stats().clientsCreated).toBe(after.clientsCreated);
    await main.close();
  });
});
