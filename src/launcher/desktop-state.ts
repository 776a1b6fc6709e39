/**
 * `.mspass/desktop.json`: what `mspass up` started, so `down` stops exactly
 * that (and nothing it found already running), and `status`/`run` find the
 * services. Written after every service starts, so a crash mid-launch still
 * leaves a record `down` can clean up from.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { servicePaths } from "../service/paths.js";

export interface ServiceRecord {
  /** "database", "scheduler", "worker-1", ..., "notebook". */
  name: string;
  /** What runs it: ferretdb, mongod, external, local, redis-server, mspass worker, jupyter-lab. */
  kind: string;
  pid?: number;
  command?: string;
  /** Address clients use (mongodb://…, redis://…, http://…). */
  address?: string;
  log?: string;
  /** True only for what `up` itself started: `down` stops these and nothing else. */
  startedByUp: boolean;
  note?: string;
}

export interface DesktopState {
  startedAt: string;
  config?: string;
  workingDirectory: string;
  scheduler: "local" | "redis";
  /** The environment `run` and `shell` give a workflow so it uses these services. */
  env: Record<string, string>;
  services: ServiceRecord[];
}

export function desktopStateFile(workingDirectory: string): string {
  return join(servicePaths(workingDirectory).stateDir, "desktop.json");
}

export function desktopLogDir(workingDirectory: string): string {
  return join(servicePaths(workingDirectory).stateDir, "logs");
}

export function readDesktopState(workingDirectory: string): DesktopState | undefined {
  try {
    return JSON.parse(readFileSync(desktopStateFile(workingDirectory), "utf8")) as DesktopState;
  } catch {
    return undefined;
  }
}

export function writeDesktopState(state: DesktopState): void {
  const file = desktopStateFile(state.workingDirectory);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  // Owner-only: it records addresses and pids of the user's services.
  writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, file);
}

export function removeDesktopState(workingDirectory: string): void {
  rmSync(desktopStateFile(workingDirectory), { force: true });
}
