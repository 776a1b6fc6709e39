/**
 * The two programs mspass can start: a `mongod` found on PATH, else the
 * embedded FerretDB runner (built from tools/ferretdb on first use). This file
 * knows how to find each and how to call it; starting and supervising is in
 * server.ts.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { MsPASSError } from "../errors.js";
import {
  checkoutFerretDBBinary,
  ferretdbBuildScript,
  isSourceCheckout,
  missingFerretDBError,
  prebuiltFerretDBBinary,
} from "./ferretdb-binary.js";
import type { DatabaseServerKind } from "./state.js";

/** `"auto"`: mongod if it is on PATH, else FerretDB. */
export type DatabaseEngine = "auto" | DatabaseServerKind;

export function checkEngine(value: unknown): DatabaseEngine {
  if (value === undefined) return "auto";
  if (value === "auto" || value === "mongod" || value === "ferretdb") return value;
  throw new MsPASSError(
    `engine must be "auto", "mongod" or "ferretdb", got ${JSON.stringify(value)}`,
    "Invalid",
  );
}

/** Absolute path of an executable `name` on env.PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** How to start one server: executable, arguments, and whether it writes `uriFile`. */
export interface LaunchPlan {
  kind: DatabaseServerKind;
  /** Port asked for; 0 only for FerretDB, which reports the port it bound in `uriFile`. */
  port: number;
  command: string;
  args: string[];
  /** FerretDB writes its URI (with the port it bound) to this file when ready. */
  uriFile?: string;
}

export function mongodPlan(command: string, dataDir: string, port: number): LaunchPlan {
  // No --fork: we detach the process ourselves and keep its pid. Output goes
  // to the log file through stdout, so no --logpath.
  return {
    kind: "mongod",
    port,
    command,
    args: ["--dbpath", dataDir, "--bind_ip", "127.0.0.1", "--port", String(port)],
  };
}

export function ferretdbPlan(command: string, dataDir: string, port: number, uriFile: string): LaunchPlan {
  return {
    kind: "ferretdb",
    port,
    command,
    args: [
      "--listen-addr",
      `127.0.0.1:${port}`,
      "--data-dir",
      dataDir,
      "--uri-file",
      uriFile,
      "--log-level",
      "error",
    ],
    uriFile,
  };
}

/**
 * Path of the FerretDB runner (ferretdb-binary.ts: override, platform
 * package, checkout). In a source checkout it is built first (minutes, once)
 * if it is missing or older than its sources: the build script decides and
 * returns at once when the binary is up to date. Fails with its one-line message.
 */
export async function ensureFerretDB(env: NodeJS.ProcessEnv): Promise<string> {
  const prebuilt = prebuiltFerretDBBinary(env);
  if (prebuilt !== undefined) return prebuilt;
  const bin = checkoutFerretDBBinary();
  if (!isSourceCheckout()) {
    if (existsSync(bin)) return bin;
    throw missingFerretDBError();
  }
  const script = ferretdbBuildScript();
  if (!existsSync(bin)) {
    process.stderr.write(
      "mspass: building the embedded FerretDB database server (first use; this takes a few minutes)...\n",
    );
  }
  const { status, output } = await new Promise<{ status: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [script, "--quiet"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", (err) => resolve({ status: null, output: output + err.message }));
    child.on("close", (code) => resolve({ status: code, output }));
  });
  if (status !== 0 || !existsSync(bin)) {
    // The script ends with one "build-ferretdb: <what to do>" line; compiler output precedes it.
    const lines = output.trim().split("\n");
    const message =
      [...lines].reverse().find((l) => l.startsWith("build-ferretdb:")) ?? lines.slice(-5).join(" | ");
    throw new MsPASSError(
      `cannot build the embedded FerretDB server: ${message.replace(/^build-ferretdb:\s*/, "")}`,
      "Fatal",
    );
  }
  return bin;
}
