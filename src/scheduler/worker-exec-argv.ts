/**
 * The Node options a scheduler worker thread inherits from this process.
 *
 * A Worker inherits `process.execArgv` by default. When the frontend is not a
 * file — `node -e`, `node -p`, a script piped on stdin, the REPL (`-i`) — that
 * list holds options that only make sense for the main program
 * (`--input-type=module`, `-e <code>`, ...). A worker started with them dies at
 * once ("--input-type can only be used with string input via --eval, --print,
 * or STDIN"), so every worker failed to boot and `Client.connect()` never
 * settled. Keep everything else (loaders such as `--import tsx`, memory flags,
 * `--conditions`, ...): tasks may need them.
 */
import { Worker } from "node:worker_threads";

/** Options that take the following argument as their value. */
const WITH_VALUE = new Set(["-e", "--eval", "-p", "--print", "--input-type"]);
/** Options that stand alone. */
const ALONE = new Set(["-i", "--interactive", "-c", "--check", "-"]);

export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    if (WITH_VALUE.has(a)) {
      // `--input-type module` and `-e code`: drop the value too.
      i++;
      continue;
    }
    if (ALONE.has(a)) continue;
    const eq = a.indexOf("=");
    if (eq > 0 && WITH_VALUE.has(a.slice(0, eq))) continue;
    if (a === "-pe" || a === "-ep") {
      // `node -pe code`: the code follows.
      i++;
      continue;
    }
    kept.push(a);
  }
  return kept;
}

let accepted: string[] | undefined;

/**
 * `workerExecArgv()` less what a worker thread refuses. V8 options
 * (`--max-old-space-size`, `--expose-gc`, `--stack-size`, ...) and Node's
 * per-process options (`--title`, `--v8-pool-size`, ...) are valid for
 * `node script.mjs` but make `new Worker` throw ERR_WORKER_INVALID_EXEC_ARGV;
 * they act process-wide already (a worker's heap is bounded by
 * `resourceLimits` instead). Node has no list of them, so each option is
 * tried once on a throw-away worker (only when the whole list is refused),
 * and the answer kept for the life of the process.
 */
export function workerThreadExecArgv(): string[] {
  if (accepted !== undefined) return accepted;
  const all = workerExecArgv();
  if (all.length === 0 || workerAccepts(all)) return (accepted = all);
  // One option and its separate value (`--import tsx`) are tried together.
  const units: string[][] = [];
  for (const a of all) {
    if (a.startsWith("-") || units.length === 0) units.push([a]);
    else units[units.length - 1]!.push(a);
  }
  return (accepted = units.filter(workerAccepts).flat());
}

function workerAccepts(execArgv: string[]): boolean {
  try {
    void new Worker("", { eval: true, execArgv, stdout: true, stderr: true }).terminate();
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_WORKER_INVALID_EXEC_ARGV") return false;
    throw err;
  }
}
