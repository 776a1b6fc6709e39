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
