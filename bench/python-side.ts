/**
 * Runs the Python side of a side-by-side benchmark: `python script '<spec as
 * JSON>'`, whose last stdout line is {"seconds": ..., "n": ...}. Throws with
 * the tail of stderr when the script fails.
 */
import { spawnSync } from "node:child_process";

export function runPythonSide(python: string, script: string, spec: unknown): { seconds: number; n: number } {
  const r = spawnSync(python, [script, JSON.stringify(spec)], { encoding: "utf8", maxBuffer: 1 << 26 });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as { seconds: number; n: number };
  } catch {
    throw new Error(`${script} failed (status ${r.status}):\n${r.stderr.slice(-3000)}`);
  }
}
