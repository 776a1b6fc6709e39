/**
 * S3Worker against a real S3-compatible server (SeaweedFS `weed mini`,
 * started on 127.0.0.1 by startLocalS3Server): one client per worker, set up
 * again on a restarted worker, and no secret in any printed form or error.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LocalScheduler,
  S3Worker,
  createS3Client,
  fetchS3Client,
  fetchS3Connection,
  task,
  taskOptions,
} from "mspass";
import { startLocalS3Server, type LocalS3Server } from "mspass/testing";
import { expectMsPASSErrorSync } from "./helpers.js";

const TASKS = new URL("./fixtures/s3-tasks.mjs", import.meta.url);
type Probe = { worker: number; nbytes: number; clientsCreated: number };
const probe = task<(bucket: string, key: string) => Probe>(TASKS, "probe");

const BUCKET = "mspass-worker-test";
let server: LocalS3Server;
let secret: string;
let keyId: string;

beforeAll(async () => {
  server = await startLocalS3Server({ buckets: [BUCKET] });
  secret = server.options.credentials!.secretAccessKey;
  keyId = server.options.credentials!.accessKeyId;
  const c = createS3Client(server.options);
  await c.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: "hello.bin", Body: new Uint8Array(1234).fill(7) }),
  );
  c.destroy();
});
afterAll(async () => {
  await server?.stop();
});

function expectNoSecret(text: string): void {
  expect(text).not.toContain(secret);
  expect(text).not.toContain(keyId);
}

describe("S3Worker", () => {
  it("never shows the secret or the access key id when printed, stringified or copied into a message", () => {
    const plugin = new S3Worker(server.options);
    for (const text of [
      inspect(plugin),
      inspect(plugin, { depth: 10, showHidden: true }),
      JSON.stringify(plugin),
      String(plugin),
      `${plugin}`,
      inspect(plugin.options, { depth: 10 }),
      JSON.stringify(plugin.options),
      inspect(plugin.options.s3.credentials),
      JSON.stringify({ nested: plugin.options.s3.credentials }),
      `${plugin.options.s3.credentials}`,
      inspect(fetchS3Connection()),
      JSON.stringify(fetchS3Connection()),
    ]) {
      expectNoSecret(text);
    }
    expect(inspect(plugin)).toContain(server.endpoint);
    expect(inspect(plugin)).toContain("***");
    // The structured copy the workers get still carries the key pair (it must), and only that copy.
    const copy = structuredClone(plugin.options) as { s3: { credentials: { secretAccessKey: string } } };
    expect(copy.s3.credentials.secretAccessKey).toBe(secret);
    // ...and the worker side masks it again.
    expectNoSecret(inspect(new S3Worker(copy as never), { depth: 10 }));
  });

  it("rejects bad options with an MsPASSError naming the option, not its value", () => {
    expect(() => new S3Worker({ endpoint: "not a url" })).toThrow(/endpoint must be a URL/);
    expect(() => new S3Worker({ bogus: 1 } as never)).toThrow(/unknown S3 option "bogus"/);
    const err = expectMsPASSErrorSync(
      () => new S3Worker({ credentials: { accessKeyId: keyId, secretAccessKey: 42 } } as never),
      /credentials\.secretAccessKey must be a non-empty string/,
    );
    expectNoSecret(err.message);
    expect(() => new S3Worker({ endpoint: `http://${keyId}:${secret}@127.0.0.1:1` })).toThrow(
      /must not carry credentials/,
    );
  });

  it("gives each worker ONE client, reused by every task, and a restarted worker a new one", async () => {
    const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
    try {
      await s.registerPlugin(new S3Worker(server.options), { name: "s3_worker" });
      const results = await s.gather(Array.from({ length: 40 }, () => s.submit(probe, BUCKET, "hello.bin")));
      expect(results.every((r) => r.nbytes === 1234)).toBe(true);
      const workers = new Set(results.map((r) => r.worker));
      expect(workers.size).toBe(2); // both workers served tasks
      // 40 tasks, yet each worker thread made exactly one S3 client (the plugin's).
      expect(results.every((r) => r.clientsCreated === 1)).toBe(true);

      const before = s.workers().map((w) => w.id);
      const dir = mkdtempSync(join(tmpdir(), "mspass-s3-restart-"));
      const after = await s.submit(
        task<(d: string, b: string, k: string) => Probe>(TASKS, "exitOnceThenProbe"),
        dir,
        BUCKET,
        "hello.bin",
        taskOptions({ retries: 1 }),
      );
      const fresh = s
        .workers()
        .map((w) => w.id)
        .filter((id) => !before.includes(id));
      expect(fresh).toHaveLength(1);
      // The retry may land on the survivor; ask until the fresh worker answers.
      let onFresh: Probe | undefined = after.worker === fresh[0] ? after : undefined;
      for (let i = 0; i < 50 && onFresh === undefined; i++) {
        const rs = await s.gather(Array.from({ length: 8 }, () => s.submit(probe, BUCKET, "hello.bin")));
        onFresh = rs.find((r) => r.worker === fresh[0]);
      }
      expect(onFresh).toEqual({ worker: fresh[0], nbytes: 1234, clientsCreated: 1 });
      rmSync(dir, { recursive: true, force: true });
    } finally {
      await s.close();
    }
  });

  it("fetchS3Client on the main thread uses the latest S3Worker's settings; with none it says what to do", async () => {
    new S3Worker(server.options);
    const c = fetchS3Client();
    expect(c).toBe(fetchS3Client()); // one per thread
    const s = await LocalScheduler.start({ nworkers: 1, dashboard: false });
    try {
      await expect(s.submit(probe, BUCKET, "hello.bin")).rejects.toThrow(
        /has no S3 client under worker.data key "s3client": register an S3Worker/,
      );
    } finally {
      await s.close();
    }
  });
});
