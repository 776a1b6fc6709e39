/**
 * The user's path, end to end with real processes: this checkout is released
 * to a local npm registry (Verdaccio, 127.0.0.1, throw-away storage; every
 * other package proxied from the npm registry, `mspass*` never), then
 * `npm install mspass` runs in an empty folder with a fresh HOME and npm
 * cache and a PATH holding only node, npm, npx and sh, so nothing can be
 * compiled. `npx mspass demo` must pass with the addon from its platform
 * package and FerretDB from its package, and `npx mspass db stop` stop it.
 *
 * Prints the install's wall time and the MB npm downloaded (its cache).
 * Needs a built checkout (`npm install` / `npm test` builds it) and the npm
 * registry (for mspass's own dependencies).
 */
import { spawn, spawnSync } from "node:child_process";
import { createServer, connect, type Server } from "node:net";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort } from "../dist/service/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "mspass-release-test-"));
const project = join(work, "project");
const home = join(work, "home");
const cache = join(work, "npm-cache");
const toolDir = join(work, "path");
const TOOLS = ["node", "npm", "npx", "sh"];
const COMPILERS = ["cargo", "rustc", "go", "cc", "gcc", "clang", "make"];

/** Verdaccio itself (publishing), and the same through the counting relay (installing). */
let direct = "";
let registry = "";
let verdaccio: ReturnType<typeof spawn> | undefined;
let verdaccioLog = "";
/** The npm client talks to Verdaccio through this TCP relay, which counts the bytes it receives. */
let relay: Server | undefined;
let bytesDown = 0;

/** A PATH with only node, npm, npx and sh (symlinks to the ones running this test). */
function makeToolDir(): void {
  mkdirSync(toolDir, { recursive: true });
  const which = (name: string) =>
    spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  for (const tool of TOOLS) {
    const found = tool === "node" ? process.execPath : which(tool);
    if (!found) throw new Error(`${tool} is not on PATH`);
    symlinkSync(realpathSync(found), join(toolDir, tool));
  }
}

/** The user's environment: nothing of ours but the registry. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: toolDir,
    HOME: home,
    npm_config_cache: cache,
    npm_config_registry: registry,
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
    ...extra,
  };
}

/**
 * Runs a command in the user's project. Asynchronous on purpose: the byte
 * counting relay lives in this process, so its event loop must keep running.
 */
function inProject(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = userEnv(),
  cwd = project,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(toolDir, cmd), args, {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 300_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => {
      if (status !== 0) console.error(`${cmd} ${args.join(" ")} -> ${status}\n${stdout}\n${stderr}`);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Bytes under `dir` (what npm keeps of every document and tarball it fetched). */
function du(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? du(p) : statSync(p).size;
  }
  return total;
}

/** A loopback port relayed to Verdaccio (`target`), counting the bytes that flow back to the client. */
async function startRelay(target: number): Promise<number> {
  relay = createServer((client) => {
    const upstream = connect(target, "127.0.0.1");
    upstream.on("data", (d: Buffer) => (bytesDown += d.length));
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((r) => relay!.listen(0, "127.0.0.1", r));
  return (relay.address() as { port: number }).port;
}

async function startVerdaccio(): Promise<number> {
  const port = await findFreePort();
  const config = join(work, "verdaccio.yaml");
  // JSON is YAML: no template engine needed.
  writeFileSync(
    config,
    JSON.stringify({
      storage: join(work, "storage"),
      auth: { htpasswd: { file: join(work, "htpasswd"), max_users: 1 } },
      max_body_size: "200mb",
      // maxage: a warmed registry answers from its storage, as a CDN would.
      uplinks: { npmjs: { url: "https://registry.npmjs.org/", timeout: "60s", maxage: "60m" } },
      packages: {
        // Ours: only what the release publishes here, never the public registry's.
        "mspass*": { access: "$all", publish: "$authenticated" },
        "**": { access: "$all", publish: "$authenticated", proxy: "npmjs" },
      },
      log: { type: "stdout", format: "pretty", level: "warn" },
    }),
  );
  direct = `http://127.0.0.1:${port}/`;
  verdaccio = spawn(
    process.execPath,
    [
      join(root, "node_modules", "verdaccio", "bin", "verdaccio"),
      "--config",
      config,
      "--listen",
      `127.0.0.1:${port}`,
    ],
    {
      cwd: work,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  verdaccio.stdout!.on("data", (d: Buffer) => (verdaccioLog += d.toString()));
  verdaccio.stderr!.on("data", (d: Buffer) => (verdaccioLog += d.toString()));
  for (let i = 0; i < 1200; i++) {
    if (verdaccio.exitCode !== null)
      throw new Error(`verdaccio exited (${verdaccio.exitCode}):\n${verdaccioLog}`);
    const up = await fetch(`${direct}-/ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return port;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`verdaccio did not answer on ${direct}:\n${verdaccioLog}`);
}

/** A publisher account on the throw-away registry, in an npm user config of its own. */
async function publisherConfig(): Promise<string> {
  const res = await fetch(`${direct}-/user/org.couchdb.user:release`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "release", password: "release-test-only" }),
  });
  const { token } = (await res.json()) as { token?: string };
  if (!res.ok || !token) throw new Error(`cannot create the publisher on ${direct}: HTTP ${res.status}`);
  const file = join(work, "publisher.npmrc");
  writeFileSync(file, `${direct.replace(/^http:/, "")}:_authToken=${token}\n`);
  return file;
}

function gitStatus(): string {
  return spawnSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: root, encoding: "utf8" })
    .stdout;
}

describe.runIf(process.platform === "linux")("npm install mspass from a registry", () => {
  beforeAll(async () => {
    mkdirSync(project, { recursive: true });
    mkdirSync(home, { recursive: true });
    makeToolDir();
    registry = `http://127.0.0.1:${await startRelay(await startVerdaccio())}/`;
  }, 180_000);

  afterAll(async () => {
    if (existsSync(join(project, "node_modules", ".bin", "mspass")))
      await inProject("npx", ["mspass", "db", "stop"]);
    relay?.close();
    if (verdaccio && verdaccio.exitCode === null) {
      verdaccio.kill("SIGTERM");
      await new Promise((r) => verdaccio!.once("exit", r));
    }
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it("the user's PATH holds no compiler or build tool", () => {
    for (const tool of COMPILERS) {
      const r = spawnSync(join(toolDir, "sh"), ["-c", `command -v ${tool}`], {
        env: userEnv(),
        encoding: "utf8",
      });
      expect(r.stdout.trim(), `${tool} must not be visible`).toBe("");
    }
    expect(readdirSync(toolDir).sort()).toEqual([...TOOLS].sort());
  });

  it("`npm run release -- --registry` publishes the root and the platform packages, leaving the checkout clean", async () => {
    const before = gitStatus();
    const npmrc = await publisherConfig();
    const r = spawnSync("npm", ["run", "release", "--", "--registry", direct], {
      cwd: root,
      env: { ...process.env, npm_config_userconfig: npmrc },
      encoding: "utf8",
      timeout: 600_000,
    });
    if (r.status !== 0) console.error(r.stdout, r.stderr, verdaccioLog);
    expect(r.status).toBe(0);
    expect(gitStatus()).toBe(before);
    const published = JSON.parse(
      spawnSync("npm", ["view", "mspass", "--json", "--registry", direct], { encoding: "utf8" }).stdout,
    );
    expect(Object.keys(published.optionalDependencies).sort()).toEqual([
      "mspass-ferretdb-linux-x64",
      "mspass-linux-x64-gnu",
    ]);
    expect(published.scripts ?? {}).toEqual({});
  }, 600_000);

  it("`npm install mspass` takes no compile step, then `npx mspass demo` runs on the prebuilt addon and server", async () => {
    // Warm the registry first (Verdaccio fetches mspass's dependencies from
    // upstream once), with a cache of its own, then time a first install.
    const warm = join(work, "warm");
    mkdirSync(warm);
    const t0 = performance.now();
    expect(
      (
        await inProject(
          "npm",
          ["install", "mspass"],
          userEnv({ npm_config_cache: join(work, "warm-cache") }),
          warm,
        )
      ).status,
    ).toBe(0);
    const coldSeconds = (performance.now() - t0) / 1000;

    bytesDown = 0;
    const t1 = performance.now();
    const install = await inProject("npm", ["install", "mspass"]);
    const seconds = (performance.now() - t1) / 1000;
    expect(install.status).toBe(0);
    console.log(
      `npm install mspass: ${seconds.toFixed(1)} s, ${(bytesDown / 1e6).toFixed(1)} MB downloaded ` +
        `(npm cache afterwards ${(du(cache) / 1e6).toFixed(1)} MB; cold registry ${coldSeconds.toFixed(1)} s); goals <= 30 s, <= 20 MB`,
    );

    const modules = join(project, "node_modules");
    // The root package carries no addon: it comes from the platform package.
    expect(readdirSync(join(modules, "mspass", "native")).filter((f) => f.endsWith(".node"))).toEqual([]);
    expect(existsSync(join(modules, "mspass-linux-x64-gnu", "mspass.linux-x64-gnu.node"))).toBe(true);
    const ferretdb = join(modules, "mspass-ferretdb-linux-x64", "bin", "ferretdb");
    expect(existsSync(ferretdb)).toBe(true);
    expect(readFileSync(join(modules, "mspass-ferretdb-linux-x64", "LICENSE"), "utf8")).toMatch(
      /Apache License/,
    );
    expect(readFileSync(join(modules, "mspass-ferretdb-linux-x64", "NOTICE"), "utf8")).toMatch(/FerretDB/);
    // No package with install scripts among ours (npm records them in its lock).
    const lock = JSON.parse(readFileSync(join(modules, ".package-lock.json"), "utf8")) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    const scripted = Object.entries(lock.packages).filter(
      ([p, v]) => v.hasInstallScript && /node_modules\/mspass/.test(p),
    );
    expect(scripted).toEqual([]);

    // Which addon file a process that imports mspass has mapped.
    const maps =
      "const { readFileSync } = await import('node:fs'); await import('mspass'); process.stdout.write(readFileSync('/proc/self/maps', 'utf8'));";
    const probe = await inProject("node", ["--input-type=module", "-e", maps]);
    expect(probe.status).toBe(0);
    const mapped = [
      ...new Set(
        probe.stdout
          .split("\n")
          .filter((l) => l.endsWith(".node"))
          .map((l) => l.split(/\s+/).at(-1)),
      ),
    ];
    // (Other dependencies may map addons of their own, e.g. bullmq's msgpackr-extract.)
    expect(mapped.filter((p) => p!.includes("/node_modules/mspass"))).toEqual([
      realpathSync(join(modules, "mspass-linux-x64-gnu", "mspass.linux-x64-gnu.node")),
    ]);

    // The AWS SDK is an optional peer: not installed, and asking for S3 says how to get it.
    expect(existsSync(join(modules, "@aws-sdk", "client-s3"))).toBe(false);
    const s3 = await inProject("node", [
      "--input-type=module",
      "-e",
      "const m = await import('mspass'); m.setDefaultS3({ endpoint: 'http://127.0.0.1:9' }); try { m.fetchS3Client(); } catch (e) { console.log(e.message); }",
    ]);
    expect(s3.status).toBe(0);
    expect(s3.stdout).toMatch(/npm install @aws-sdk\/client-s3/);

    // So is BullMQ (the Redis scheduler): the local scheduler runs without it, the Redis one says how to get it.
    expect(existsSync(join(modules, "bullmq"))).toBe(false);
    const redis = await inProject("node", [
      "--input-type=module",
      "-e",
      "const m = await import('mspass'); try { await m.RedisScheduler.start({ address: 'redis://127.0.0.1:9' }); } catch (e) { console.log(e.message); }",
    ]);
    expect(redis.status).toBe(0);
    expect(redis.stdout).toMatch(/npm install bullmq/);

    // The demo on a free port: MONGODB_PORT is where Client.connect() probes and starts the embedded server.
    const demo = await inProject(
      "npx",
      ["mspass", "demo"],
      userEnv({ MONGODB_PORT: String(await findFreePort()) }),
    );
    expect(demo.status, demo.stderr).toBe(0);

    const status = await inProject("npx", ["mspass", "db", "status", "--json"]);
    expect(status.status).toBe(0);
    const { pid, kind } = JSON.parse(status.stdout) as { pid: number; kind: string };
    expect(kind).toBe("ferretdb");
    expect(readlinkSync(`/proc/${pid}/exe`)).toBe(realpathSync(ferretdb));

    const stop = await inProject("npx", ["mspass", "db", "stop"]);
    expect(stop.status).toBe(0);
    expect(
      (await inProject("npx", ["mspass", "db", "status"])).status,
      "status after stop: 3 = stopped",
    ).toBe(3);
  }, 600_000);
});
