/**
 * A throw-away S3-compatible server on 127.0.0.1: SeaweedFS's `weed mini`
 * (master + volume + filer + S3 gateway in one process), built by
 * `scripts/build-s3-server.mjs` into `.bin/weed`. For tests, benchmarks and
 * local work; data live in a fresh temporary directory removed by `stop()`.
 * The server runs under a lifeline process (src/service/lifeline.ts): if the
 * script ends without `stop()` — a crash, Ctrl-C, SIGKILL — the server is
 * stopped and the directory removed all the same.
 *
 *     const s3 = await startLocalS3Server({ buckets: ["waveforms"] });
 *     // s3.options: { endpoint, credentials, bucket } ready for S3Worker / setDefaultS3
 *     await s3.stop();
 *
 * Every listener gets its own free loopback port (weed would otherwise use
 * fixed defaults such as 8333/9333 and collide with a second server), the
 * web UIs and WebDAV are off, and so is SeaweedFS's telemetry. Buckets are not
 * created on first upload (SeaweedFS does that for admins by default; AWS
 * answers NoSuchBucket, and so does this server).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MsPASSError } from "../errors.js";
import { packageRoot } from "../service/paths.js";
import { findFreePort, portAnswers } from "../service/ports.js";
import { stopChild } from "../service/processes.js";
import { createS3Client, type S3Options } from "./config.js";
import { maskedCredentials, type S3KeyPair } from "./credentials.js";
import { s3Sdk } from "./sdk.js";

const LIFELINE = fileURLToPath(new URL("../service/lifeline.js", import.meta.url));

export function s3ServerBinary(): string {
  return join(packageRoot(), ".bin", "weed");
}

export interface LocalS3ServerOptions {
  /** Buckets to create once the server answers. */
  buckets?: string[];
  /** Credentials the server accepts (default: a random pair made for this server). */
  credentials?: S3KeyPair;
  /** How long to wait for the S3 port to answer (default 60 s: a cold start on a busy machine is slow). */
  startTimeoutMs?: number;
}

export interface LocalS3Server {
  endpoint: string;
  port: number;
  /** Options for `new S3Worker(...)` / `setDefaultS3(...)`; credentials masked when printed. */
  options: S3Options;
  /** The server process id (for tests that stop it to simulate an outage). */
  pid: number;
  /** The temporary directory of the server's data and configuration (removed when it stops). */
  dataDir: string;
  stop(): Promise<void>;
}

async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  // grpc ports are separate flags here, so any free port will do; a set avoids duplicates.
  while (out.size < n) out.add(await findFreePort());
  return [...out];
}

export async function startLocalS3Server(o: LocalS3ServerOptions = {}): Promise<LocalS3Server> {
  // Before anything is started: without the SDK the server could not be checked or used.
  const { CreateBucketCommand, ListBucketsCommand } = s3Sdk();
  const bin = s3ServerBinary();
  if (!existsSync(bin))
    throw new MsPASSError(
      `${bin} is missing: run 'node ${join(packageRoot(), "scripts", "build-s3-server.mjs")}' (needs Go)`,
      "Fatal",
    );
  const credentials = maskedCredentials(
    o.credentials ?? {
      accessKeyId: `MSPASS${randomBytes(6).toString("hex").toUpperCase()}`,
      secretAccessKey: randomBytes(24).toString("base64url"),
    },
    "startLocalS3Server",
  );
  const dir = mkdtempSync(join(tmpdir(), "mspass-s3-"));
  const config = join(dir, "s3.json");
  writeFileSync(
    config,
    JSON.stringify({
      identities: [
        {
          name: "mspass",
          credentials: [{ accessKey: credentials.accessKeyId, secretKey: credentials.secretAccessKey }],
          actions: ["Admin", "Read", "List", "Tagging", "Write"],
        },
      ],
    }),
    { mode: 0o600 },
  );
  const [s3, master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3Grpc, admin, adminGrpc] =
    await freePorts(10);
  const args = [
    "mini",
    `-dir=${join(dir, "data")}`,
    "-ip=127.0.0.1",
    "-ip.bind=127.0.0.1",
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    "-s3.port.lance=0",
    "-s3.port.iceberg=0",
    "-s3.autoCreateBucket=false",
    `-s3.config=${config}`,
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    "-master.telemetry=false",
    "-master.volumeSizeLimitMB=64",
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    "-webdav=false",
    "-admin.ui=false",
    `-admin.port=${admin}`,
    `-admin.port.grpc=${adminGrpc}`,
    "-admin.port.legacy=0",
  ];
  mkdirSync(join(dir, "data"));
  // The lifeline holds the server; its stdin (kept open here) ends when this process does.
  const child: ChildProcess = spawn(process.execPath, [LIFELINE, dir, bin, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let stdout = "";
  const serverPid = new Promise<number>((res) => {
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes("\n")) res(Number(stdout.split("\n")[0]));
    });
    child.once("exit", () => res(child.pid!));
  });
  const stop = async () => {
    // The lifeline gives the server 10 s before SIGKILL; the 15 s here are for the lifeline itself.
    await stopChild(child, "SIGTERM", 15_000);
    rmSync(dir, { recursive: true, force: true });
  };
  const endpoint = `http://127.0.0.1:${s3}`;
  const options: S3Options = {
    endpoint,
    credentials,
    region: "us-east-1",
    forcePathStyle: true,
    ...(o.buckets?.[0] ? { bucket: o.buckets[0] } : {}),
  };
  const deadline = Date.now() + (o.startTimeoutMs ?? 60_000);
  const client = createS3Client({
    ...options,
    maxAttempts: 1,
    connectTimeoutMs: 1000,
    requestTimeoutMs: 5000,
  });
  try {
    // Ready = the S3 port answers a signed request (the filer behind it may come up later than the port).
    for (;;) {
      if (child.exitCode !== null)
        throw new MsPASSError(
          `the S3 server (${bin} mini) exited with code ${child.exitCode}: ${stderr.trim().split("\n").slice(-5).join(" | ")}`,
          "Fatal",
        );
      if (await portAnswers("127.0.0.1", s3)) {
        try {
          await client.send(new ListBucketsCommand({}));
          break;
        } catch {
          /* not ready yet */
        }
      }
      if (Date.now() > deadline)
        throw new MsPASSError(
          `the S3 server on 127.0.0.1:${s3} did not answer within ${o.startTimeoutMs ?? 60_000} ms`,
          "Fatal",
        );
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const b of o.buckets ?? []) {
      for (;;) {
        try {
          await client.send(new CreateBucketCommand({ Bucket: b }));
          break;
        } catch (err) {
          if (
            (err as { name?: string }).name === "BucketAlreadyOwnedByYou" ||
            (err as { name?: string }).name === "BucketAlreadyExists"
          )
            break;
          if (Date.now() > deadline)
            throw new MsPASSError(
              `the S3 server could not create bucket "${b}": ${(err as Error).name}`,
              "Fatal",
            );
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    client.destroy();
  }
  return { endpoint, port: s3, options, pid: await serverPid, dataDir: dir, stop };
}
