/**
 * A throw-away FerretDB for a benchmark run: started from `.bin/ferretdb` on a
 * free loopback port with its own data directory, or the server named by
 * MSPASS_BENCH_DB_URI (then `stop` leaves it alone).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findFreePort } from "mspass";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", ".."); // bench/out → repo

export interface ThrowawayServer {
  uri: string;
  stop(): Promise<void>;
}

export async function startThrowawayServer(label: string): Promise<ThrowawayServer> {
  const given = process.env.MSPASS_BENCH_DB_URI;
  if (given) return { uri: given, stop: async () => {} };
  const port = await findFreePort();
  const dataDir = mkdtempSync(join(tmpdir(), `mspass-bench-${label}-db-`));
  const child = spawn(join(root, ".bin", "ferretdb"), ["--listen-addr", `127.0.0.1:${port}`, "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const uri = await new Promise<string>((res, rej) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("mongodb://"));
      if (line) res(line.trim());
    });
    child.once("exit", (c) => rej(new Error(`FerretDB exited (${c})`)));
  });
  return {
    uri,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await gone;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
