/**
 * `mspass hpc` on a pretend SLURM cluster: each node is a network namespace on
 * this machine (`ip netns add` + a veth into one bridge; addresses of the
 * test's own making, removed always), and the test provides stand-ins for
 * `srun` (srun --nodelist=X cmd → ip netns exec X cmd) and `scontrol show
 * hostnames`. The launcher runs inside the first node, as an sbatch script
 * does. Needs root (CI and this machine run as root).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, leftoversAfter, newProject, type Run } from "./launch-helpers.js";

const canNetns = process.getuid?.() === 0 && spawnSync("ip", ["-V"]).status === 0;
const tag = `m${(process.pid % 10_000).toString(36)}${Math.floor(Math.random() * 36 ** 2).toString(36)}`;
const subnet = `10.${200 + (process.pid % 50)}.${Math.floor(Math.random() * 250)}`;
const NODES = [1, 2, 3].map((i) => `${tag}n${i}`);
const ADDR = Object.fromEntries(NODES.map((n, i) => [n, `${subnet}.${i + 1}`]));
const BRIDGE = `${tag}br`;
let bin: string;
let dir: string;

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function pidsIn(ns: string): number[] {
  const r = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" });
  return r.stdout.split(/\s+/).filter(Boolean).map(Number);
}

function cleanupNetwork(): void {
  for (const ns of NODES) {
    for (const pid of pidsIn(ns)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    spawnSync("ip", ["netns", "del", ns]);
  }
  spawnSync("ip", ["link", "del", BRIDGE]);
}

beforeAll(() => {
  if (!canNetns) return;
  ip("link", "add", BRIDGE, "type", "bridge");
  ip("link", "set", BRIDGE, "up");
  NODES.forEach((ns, i) => {
    ip("netns", "add", ns);
    ip("link", "add", `${tag}v${i}`, "type", "veth", "peer", "name", `${tag}p${i}`);
    ip("link", "set", `${tag}v${i}`, "master", BRIDGE);
    ip("link", "set", `${tag}v${i}`, "up");
    ip("link", "set", `${tag}p${i}`, "netns", ns);
    ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
    ip("netns", "exec", ns, "ip", "addr", "add", `${ADDR[ns]}/24`, "dev", `${tag}p${i}`);
    ip("netns", "exec", ns, "ip", "link", "set", `${tag}p${i}`, "up");
  });
  bin = mkdtempSync(join(tmpdir(), "mspass-fake-slurm-"));
  // srun: take --nodelist and --chdir, ignore the other options, run the command in that node.
  writeFileSync(
    join(bin, "srun"),
    `#!/bin/sh
node=""; dir="."
while [ $# -gt 0 ]; do
  case "$1" in
    --nodelist=*|-w=*) node="\${1#*=}" ;;
    --chdir=*) dir="\${1#*=}" ;;
    --*) ;;
    *) break ;;
  esac
  shift
done
echo "srun(stand-in) on $node: $*" >&2
cd "$dir" && exec ip netns exec "$node" "$@"
`,
  );
  // scontrol show hostnames: the list this test sets, spelled out by hand.
  writeFileSync(
    join(bin, "scontrol"),
    `#!/bin/sh
[ "$1 $2" = "show hostnames" ] || { echo "stand-in scontrol: only 'show hostnames'" >&2; exit 1; }
case "$3" in
  "${tag}n[1-3]") echo ${NODES.join(" ")} ;;
  "${tag}n[1-3,9]") echo ${NODES.join(" ")} ${tag}n9 ;;
  *) echo "stand-in scontrol: unknown list $3" >&2; exit 1 ;;
esac
`,
  );
  chmodSync(join(bin, "srun"), 0o755);
  chmodSync(join(bin, "scontrol"), 0o755);
  dir = newProject("mspass-hpc-", {
    "tasks.mjs": `import { networkInterfaces } from "node:os";
export function where() {
  return Object.values(networkInterfaces()).flat().find((a) => a.family === "IPv4" && !a.internal)?.address;
}`,
    "wf.mjs": `import { Client, TimeSeries, task } from "mspass";
const client = await Client.connect();
const s = client.getScheduler();
const where = task(new URL("./tasks.mjs", import.meta.url), "where");
const places = new Set(await s.gather(await Promise.all(Array.from({ length: 40 }, () => s.submit(where)))));
const db = client.getDatabase("hpc_test");
const ts = new TimeSeries({ npts: 5, dt: 1, t0: 0 });
ts.data.fill(4);
await db.saveData(ts);
console.log("HPC " + JSON.stringify({ places: [...places].sort(), n: await db.wf_TimeSeries.countDocuments({}), db: process.env.MSPASS_DB_ADDRESS }));
await client.close();`,
  });
}, 60_000);

afterAll(() => {
  if (!canNetns) return;
  cleanupNetwork();
  rmSync(bin, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

function config(extra = ""): string {
  const file = join(dir, "mspass-hpc.yaml");
  writeFileSync(
    file,
    `working_directory: ${dir}
log_directory: logs
database_directory: db
worker_directory: work
workers_per_node: 2
primary_node_workers: 0
container: mspass.sif          # MsPASS key, ignored here
startup_timeout: 90
HPC_cluster:
  primary_host: auto
  database_host: auto
  scheduler_host: auto
  worker_hosts: auto
  job_scheduler: slurm
  container_run_command: apptainer run
  host_addresses: { ${NODES.map((n) => `${n}: ${ADDR[n]}`).join(", ")} }
ports: { database: 27817, scheduler: 6819 }
${extra}`,
  );
  return file;
}

/** Run `mspass hpc ...` inside the first node, as the batch script does. */
function hpc(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((res) => {
    const full: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      SLURM_JOB_NODELIST: `${tag}n[1-3]`,
      ...env,
    };
    for (const k of ["MSPASS_DB_ADDRESS", "MSPASS_SCHEDULER", "MSPASS_SCHEDULER_ADDRESS"]) delete full[k];
    const r = spawnSync("ip", ["netns", "exec", NODES[0]!, process.execPath, CLI, "hpc", ...args], {
      cwd: dir,
      env: full,
      encoding: "utf8",
      timeout: 240_000,
    });
    res({ code: r.status, stdout: r.stdout, stderr: r.stderr });
  });
}

async function nothingLeft(): Promise<void> {
  expect(await leftoversAfter(dir, 15_000)).toEqual([]);
  for (const ns of NODES) expect(pidsIn(ns), `processes left in ${ns}`).toEqual([]);
}

describe.skipIf(!canNetns)("mspass hpc on network-namespace nodes", () => {
  it("run: database + Redis on the primary, a worker on each other node, the workflow, then everything down", async () => {
    const cfg = config();
    const r = await hpc(["run", "--config", cfg, "wf.mjs"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("ignored (container-only) keys: container, HPC_cluster.container_run_command");
    expect(r.stderr).toContain(`nodes: ${NODES.join(", ")}; primary ${NODES[0]}`);
    const out = JSON.parse(/HPC (.*)/.exec(r.stdout)![1]!) as { places: string[]; n: number; db: string };
    // Tasks ran on the two worker nodes (primary_node_workers: 0), nowhere else.
    expect(out.places).toEqual([ADDR[NODES[1]!], ADDR[NODES[2]!]].sort());
    expect(out.n).toBe(1);
    expect(out.db).toBe(`mongodb://${ADDR[NODES[0]!]}:27817/`);
    // Logs per node.
    const logs = readdirSync(join(dir, "logs")).sort();
    expect(logs).toEqual(
      [
        `database-${NODES[0]}.log`,
        `scheduler-${NODES[0]}.log`,
        `worker-${NODES[1]}.log`,
        `worker-${NODES[2]}.log`,
      ].sort(),
    );
    expect(readFileSync(join(dir, "logs", `worker-${NODES[1]}.log`), "utf8")).toMatch(/^ready /m);
    await nothingLeft();
  });

  it("launch, status, shutdown as separate steps", async () => {
    const cfg = config();
    const up = await hpc(["launch", "--config", cfg]);
    expect(up.code, up.stderr).toBe(0);
    const st = await hpc(["status", "--config", cfg]);
    expect(st.code, st.stdout).toBe(0);
    expect(st.stdout).toMatch(new RegExp(`database\\s+${NODES[0]}\\s+running`));
    expect(st.stdout).toMatch(new RegExp(`worker\\s+${NODES[2]}\\s+running`));
    const down = await hpc(["shutdown", "--config", cfg]);
    expect(down.code).toBe(0);
    expect(down.stderr).toContain(`stopped worker on ${NODES[2]}`);
    expect(down.stderr).toContain(`stopped database on ${NODES[0]}`);
    expect((await hpc(["status", "--config", cfg])).code).toBe(3);
    await nothingLeft();
  });

  it("a node that does not come up: one clear message, nothing left running", async () => {
    const cfg = config();
    const r = await hpc(["run", "--config", cfg, "wf.mjs"], { SLURM_JOB_NODELIST: `${tag}n[1-3,9]` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the worker on node ${tag}n9 exited while starting`);
    await nothingLeft();
  });

  it("a missing srun and a port taken each give one clear message", async () => {
    const cfg = config();
    const noSrun = await hpc(["launch", "--config", cfg], { PATH: "/usr/bin:/bin" });
    expect(noSrun.code).toBe(1);
    expect(noSrun.stderr).toContain("srun was not found on PATH");
    // Something else listens on the database port on the primary.
    const squatter = join(dir, "squat.mjs");
    writeFileSync(
      squatter,
      `import { createServer } from "node:net"; createServer().listen(27817, "${ADDR[NODES[0]!]}", () => console.log("listening"));`,
    );
    const child = (await import("node:child_process")).spawn(
      "ip",
      ["netns", "exec", NODES[0]!, process.execPath, squatter],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise((r) => child.stdout.once("data", r));
    try {
      const taken = await hpc(["launch", "--config", cfg]);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain(`port 27817 on ${NODES[0]} (${ADDR[NODES[0]!]}) is taken`);
    } finally {
      child.kill();
      await new Promise((r) => child.once("exit", r));
    }
    await nothingLeft();
  });
});

// Keep the directory helpers honest on machines where the suite above is skipped.
describe("hpc configuration", () => {
  it("rejects a single-node job without primary_node_workers, as MsPASS does", async () => {
    const d = mkdtempSync(join(tmpdir(), "mspass-hpc-cfg-"));
    try {
      mkdirSync(join(d, "x"));
      writeFileSync(join(d, "mspass-hpc.yaml"), "HPC_cluster: { job_scheduler: slurm }\n");
      const r = spawnSync(process.execPath, [CLI, "hpc", "launch"], {
        cwd: d,
        env: { ...process.env, SLURM_JOB_NODELIST: "solo1", PATH: "/usr/bin:/bin" },
        encoding: "utf8",
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("a single-node job needs primary_node_workers > 0");
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
