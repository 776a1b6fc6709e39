// How long after a SIGKILLed `mspass worker` process its running job starts
// again on another worker (the stall-recovery bound), for a given
// --stalled-interval. Real processes: a throw-away redis-server, two
// workers from the built CLI, the client in this process.
//   node bench/faults-stall.mjs [stalledMs=5000] [runs=3]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RedisScheduler, task, taskOptions } from "../dist/index.js";
import { startRedisServer } from "../dist/testing.js";

const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const TASKS = new URL("../test/fixtures/redis-tasks.mjs", import.meta.url);
const stalled = Number(process.argv[2] ?? 5000);
const runs = Number(process.argv[3] ?? 3);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startWorker(url, trace) {
  const child = spawn(process.execPath, [CLI, "worker", "--scheduler", url, "--nthreads", "1", "--stalled-interval", String(stalled)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, REDIS_TEST_TRACE: trace },
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (/^ready /m.test(out)) {
        clearInterval(t);
        resolve(child);
      }
    }, 50);
    child.once("exit", (c) => reject(new Error(`worker exited ${c}: ${out}`)));
  });
}

const tmp = mkdtempSync(join(tmpdir(), "mspass-stall-"));
const redis = await startRedisServer();
const results = [];
try {
  for (let r = 0; r < runs; r++) {
    const trace = join(tmp, `trace-${r}`);
    writeFileSync(trace, "");
    const workers = [await startWorker(redis.url, trace), await startWorker(redis.url, trace)];
    const s = await RedisScheduler.start({ address: redis.url, dashboard: false });
    try {
      const f = s.submit(task(TASKS, "tracedSleep"), 2000, `run${r}`, taskOptions({ retries: 1 }));
      while (readFileSync(trace, "utf8").trim() === "") await sleep(10);
      const pid = Number(readFileSync(trace, "utf8").trim());
      const victim = workers.find((w) => w.pid === pid);
      const killedAt = Date.now();
      victim.kill("SIGKILL");
      while (readFileSync(trace, "utf8").trim().split("\n").length < 2) await sleep(10);
      const restarted = (Date.now() - killedAt) / 1000;
      await f.result();
      results.push(restarted);
      console.log(`run ${r + 1}: restarted ${restarted.toFixed(1)} s after SIGKILL (${(restarted / (stalled / 1000)).toFixed(2)} x the stall interval)`);
    } finally {
      await s.close();
      for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill("SIGTERM");
      await sleep(500);
    }
  }
} finally {
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}
const sorted = [...results].sort((a, b) => a - b);
console.log(`stalled-interval ${stalled} ms, ${runs} runs: min ${sorted[0].toFixed(1)} s, median ${sorted[Math.floor(runs / 2)].toFixed(1)} s, max ${sorted[runs - 1].toFixed(1)} s`);
