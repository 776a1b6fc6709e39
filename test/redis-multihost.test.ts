/**
 * Many hosts: host 0 runs Redis, the database (FerretDB) and the client;
 * hosts 1 and 2 run `mspass worker` processes. Each host is a network
 * namespace joined to host 0 by a veth pair, with addresses of this test's
 * own making (10.213.1.0/24 and 10.213.2.0/24, on the veths INSIDE the
 * namespaces only); the servers listen on host 0's address for this test.
 * Mid-job, one of host 1's worker processes is SIGKILLed and host 2's link
 * is cut (`ip link set … down`): their jobs are picked up by the survivor
 * after the stall interval and every datum is written exactly once, also
 * after host 2 comes back and its stale attempt's writes land.
 *
 * Where namespaces cannot be made (not root, no `ip`; or MSPASS_TEST_NO_NETNS=1), the same test runs on
 * loopback: host 2's "cut" is then a SIGSTOP of its worker process (frozen,
 * it stops renewing its locks as a cut-off host does); it says so.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { findFreePort } from "mspass";
import { startRedisServer, type RedisServerHandle } from "mspass/testing";
import { CLI } from "./redis/cluster.js";

const tag = `${process.pid % 10000}`;
const NS = [`mspass-h0-${tag}`, `mspass-h1-${tag}`, `mspass-h2-${tag}`];
const H0 = "10.213.1.1"; // host 0's address; host 2 reaches it through its own link (10.213.2.1) by a route
const N = 36;
const tmp = mkdtempSync(join(tmpdir(), "mspass-multihost-"));
const trace = join(tmp, "trace");
const TASKS = new URL("./fixtures/redis-tasks.mjs", import.meta.url).href;
const CLIENT = fileURLToPath(new URL("./redis/netns-client.mjs", import.meta.url));

function sh(args: string[]): { ok: boolean; err: string } {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: "utf8" });
  return { ok: r.status === 0, err: (r.stderr ?? "") + (r.error?.message ?? "") };
}

let namespaces = false;
function makeHosts(): boolean {
  if (process.env.MSPASS_TEST_NO_NETNS) {
    console.warn("multi-host test: MSPASS_TEST_NO_NETNS is set; falling back to loopback");
    return false;
  }
  if (process.getuid?.() !== 0) {
    console.warn("multi-host test: not root, cannot make network namespaces; falling back to loopback");
    return false;
  }
  const steps: string[][] = [];
  for (const n of NS) steps.push(["ip", "netns", "add", n], ["ip", "-n", n, "link", "set", "lo", "up"]);
  for (const [i, net] of [
    [1, "10.213.1"],
    [2, "10.213.2"],
  ] as const) {
    const a = `v${tag}h0-${i}`;
    const b = `v${tag}h${i}`;
    steps.push(
      ["ip", "-n", NS[0]!, "link", "add", a, "type", "veth", "peer", "name", b, "netns", NS[i]!],
      ["ip", "-n", NS[0]!, "addr", "add", `${net}.1/24`, "dev", a],
      ["ip", "-n", NS[i]!, "addr", "add", `${net}.2/24`, "dev", b],
      ["ip", "-n", NS[0]!, "link", "set", a, "up"],
      ["ip", "-n", NS[i]!, "link", "set", b, "up"],
    );
  }
  steps.push(["ip", "-n", NS[2]!, "route", "add", "10.213.1.0/24", "via", "10.213.2.1"]);
  for (const st of steps) {
    const r = sh(st);
    if (!r.ok) {
      console.warn(
        `multi-host test: cannot make network namespaces (${st.join(" ")}: ${r.err.trim()}); falling back to loopback`,
      );
      cleanupHosts();
      return false;
    }
  }
  return true;
}

function cleanupHosts(): void {
  for (const n of NS) sh(["ip", "netns", "del", n]); // deleting a namespace removes its veths
}

const procs: ChildProcess[] = [];
let redis: RedisServerHandle | undefined;

afterAll(async () => {
  for (const p of procs)
    if (p.exitCode === null && p.signalCode === null) {
      p.kill("SIGCONT");
      p.kill("SIGKILL");
    }
  await redis?.stop();
  if (namespaces) cleanupHosts();
  rmSync(tmp, { recursive: true, force: true });
});

function inHost(i: number): string[] {
  return namespaces ? ["ip", "netns", "exec", NS[i]!] : [];
}

async function startFerret(host: string): Promise<{ uri: string; child: ChildProcess }> {
  // Inside host 0's fresh namespace any port is free; on loopback ask the kernel.
  const port = namespaces ? 27017 : await findFreePort();
  const data = mkdtempSync(join(tmp, "db-"));
  const argv = [
    ...inHost(0),
    resolve(".bin/ferretdb"),
    "--listen-addr",
    `${host}:${port}`,
    "--data-dir",
    data,
  ];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "ignore"] });
  procs.push(child);
  return await new Promise((res, rej) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("mongodb://"));
      if (line) res({ uri: line.trim(), child });
    });
    child.once("exit", (c) => rej(new Error(`FerretDB exited (${c})`)));
    setTimeout(() => rej(new Error("FerretDB did not start")), 30_000).unref();
  });
}

function startWorker(host: number, redisUrl: string): Promise<ChildProcess> {
  const argv = [
    ...inHost(host),
    process.execPath,
    CLI,
    "worker",
    "--scheduler",
    redisUrl,
    "--nthreads",
    "2",
    "--stalled-interval",
    "1500",
    "--heartbeat",
    "250",
  ];
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, REDIS_TEST_TRACE: trace, REDIS_TEST_PAUSE_MS: "80" },
  });
  procs.push(child);
  let out = "";
  child.stderr!.on("data", (d) => (out += d));
  return new Promise((res, rej) => {
    child.stdout!.on("data", (d) => {
      if (String(d).includes("ready ")) res(child);
    });
    child.once("exit", (c) => rej(new Error(`worker on host ${host} exited (${c}): ${out}`)));
  });
}

/** Lines of the child's stdout: `next(prefix)` resolves with the first (unclaimed) line starting with it, even one already seen. */
function lines(child: ChildProcess): (prefix: string) => Promise<string> {
  let buf = "";
  const seen: string[] = [];
  const waiters: { prefix: string; resolve(l: string): void }[] = [];
  const offer = (line: string): void => {
    const w = waiters.findIndex((x) => line.startsWith(x.prefix));
    if (w >= 0) waiters.splice(w, 1)[0]!.resolve(line);
    else seen.push(line);
  };
  child.stdout!.on("data", (d) => {
    buf += d;
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      offer(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  return (prefix) =>
    new Promise((resolve) => {
      const i = seen.findIndex((l) => l.startsWith(prefix));
      if (i >= 0) resolve(seen.splice(i, 1)[0]!);
      else waiters.push({ prefix, resolve });
    });
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it("workers on two hosts: one SIGKILLed, one host cut off mid-job; the job completes, every datum once", async () => {
  namespaces = makeHosts();
  const host = namespaces ? H0 : "127.0.0.1";
  console.log(
    namespaces
      ? `multi-host test: 3 network namespaces (${NS.join(", ")}), servers on ${H0}`
      : "multi-host test: LOOPBACK FALLBACK (no network namespaces here)",
  );
  redis = await startRedisServer({ host, prefix: inHost(0) });
  const db = await startFerret(host);
  const a = await startWorker(1, redis.url);
  await startWorker(1, redis.url);
  const c = await startWorker(2, redis.url); // host 2 reaches host 0's address through its own link (a route)
  writeFileSync(trace, "");
  const argv = [
    ...inHost(0),
    process.execPath,
    CLIENT,
    db.uri,
    redis.url,
    `mspass_test_multihost_${tag}`,
    String(N),
    TASKS,
  ];
  const client = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
  procs.push(client);
  const next = lines(client);
  await next("saved");
  const pids = (): string[] => readFileSync(trace, "utf8").split("\n");
  // Strike once both victims hold partitions.
  await until(
    () => pids().includes(String(a.pid)) && pids().includes(String(c.pid)),
    60_000,
    "both victims to start partitions",
  );
  a.kill("SIGKILL");
  if (namespaces) expect(sh(["ip", "-n", NS[2]!, "link", "set", `v${tag}h2`, "down"]).ok).toBe(true);
  else c.kill("SIGSTOP");
  const done = JSON.parse((await next("done ")).slice(5)) as {
    ok: boolean;
    n: number;
    nulls: number;
    reruns: number;
    hosts: string[];
    error?: string;
  };
  expect(done.error).toBeUndefined();
  expect(done).toMatchObject({ ok: true, n: N, nulls: 0 });
  expect(done.reruns).toBeGreaterThanOrEqual(2); // the killed process's job and the cut-off host's job ran again
  if (namespaces) expect(new Set(done.hosts)).toEqual(new Set(["10.213.1.2", "10.213.2.2"])); // workers of both hosts were seen

  // Host 2 comes back: its stale attempt finishes and its late writes land on the same ids.
  if (namespaces) expect(sh(["ip", "-n", NS[2]!, "link", "set", `v${tag}h2`, "up"]).ok).toBe(true);
  else c.kill("SIGCONT");
  await new Promise((r) => setTimeout(r, 4000));
  client.stdin!.write("verify\n");
  const v = JSON.parse((await next("verified ")).slice(9)) as {
    wf: number;
    distinctK: number;
    files: number;
    chunks: number;
    workers: string[];
  };
  expect(v).toMatchObject({ wf: 2 * N - N, distinctK: N });
  expect(v.files).toBe(2 * N); // N inputs + N outputs, no duplicate
  expect(v.chunks).toBe(2 * N);
  client.stdin!.write("quit\n");
  await new Promise((r) => client.once("exit", r));
}, 180_000);
