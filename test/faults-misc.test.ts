/**
 * Smaller faults: Node options workers refuse, a document whose storage this
 * process cannot reach, a dfile that escapes its dir, a wrong Redis password.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { testDbUri, useTestDatabase } from "./helpers.js";
import { RedisScheduler, TimeSeries, type TimeSeriesEnsemble } from "mspass";
import { startRedisServer } from "mspass/testing";

const CONNECT = fileURLToPath(new URL("./faults/connect-local.mjs", import.meta.url));

describe("Node options a worker thread refuses", () => {
  it("node --max-old-space-size / --expose-gc / --stack-size script: Client.connect() and a task work", () => {
    const r = spawnSync(
      process.execPath,
      [
        "--max-old-space-size=4096",
        "--expose-gc",
        "--stack-size=2000",
        "--title=mspass-x",
        CONNECT,
        testDbUri(),
      ],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(r.stderr).not.toMatch(/ERR_WORKER_INVALID_EXEC_ARGV/);
    expect(r.stdout).toContain("result 42");
    expect(r.status).toBe(0);
  });
});

describe("a wrong Redis password", () => {
  it("is reported as such, with the password masked", async () => {
    const redis = await startRedisServer({ password: "right-Pw-123" });
    try {
      const err = await RedisScheduler.start({
        address: redis.url.replace("right-Pw-123", "wrong-Pw-456"),
        dashboard: false,
      }).then(
        async (s) => {
          await s.close();
          return undefined;
        },
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(/WRONGPASS|invalid username-password/);
      expect(err?.message).not.toContain("wrong-Pw-456");
    } finally {
      await redis.stop();
    }
  });
});

const { db, rdb } = await useTestDatabase("faults_misc");

describe("a document whose storage this process cannot reach", () => {
  it("one s3_continuous document with no S3 configured gives one dead member, the others read", async () => {
    const good = await db.saveData(
      new TimeSeries({ dt: 0.5, data: new Float64Array([1, 2, 3]), metadata: { grp: "s3" } }),
    );
    const doc = await rdb.collection("wf_TimeSeries").findOne({ _id: good._id });
    const { _id, gridfs_id, ...rest } = doc!;
    await rdb.collection("wf_TimeSeries").insertOne({
      ...rest,
      storage_mode: "s3_continuous",
      year: "2017",
      day_of_year: "005",
      net: "IU",
      sta: "ANMO",
      chan: "BHZ",
      loc: "00",
      format: "mseed",
    });
    const ens = (await db.readData(db.wf_TimeSeries.find({ grp: "s3" }))) as TimeSeriesEnsemble;
    expect(ens.member).toHaveLength(2);
    expect(ens.member.filter((m) => m.live)).toHaveLength(1);
    const dead = ens.member.find((m) => !m.live)!;
    expect(dead.elog.entries.map((e) => e.message).join(" | ")).toMatch(
      /s3_continuous document: .*no S3 settings/,
    );
  });
});
