/**
 * The guardian process of a server started for ONE script (the local S3
 * server): `node lifeline.js <dir> <bin> [args...]` runs `<bin>` in `<dir>`
 * and, once its parent is gone, stops it and removes `<dir>`.
 *
 * Its stdin is a pipe from the parent: the kernel closes it whatever ends
 * the parent (a crash, an uncaught exception, SIGKILL), so the end of
 * stdin is the one signal that cannot be missed. SIGTERM (the parent's
 * `stop()`) and SIGINT (Ctrl-C reaches the whole foreground group) do the
 * same. If the server exits by itself, the lifeline exits with its code.
 * The first line on stdout is the server's pid.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";

/** How long the server gets to exit after SIGTERM before SIGKILL. */
const TERM_GRACE_MS = 10_000;

const [dir, bin, ...args] = process.argv.slice(2);
if (dir === undefined || bin === undefined) {
  process.stderr.write("usage: lifeline.js <dir> <bin> [args...]\n");
  process.exit(2);
}
const server = spawn(bin, args, { stdio: ["ignore", "ignore", "inherit"], cwd: dir });
server.once("spawn", () => process.stdout.write(`${server.pid}\n`));
server.once("error", (err) => {
  process.stderr.write(`${err.message}\n`);
  rmSync(dir, { recursive: true, force: true });
  process.exit(127);
});

let ending = false;
function end(): void {
  if (ending) return;
  ending = true;
  if (server.exitCode !== null || server.signalCode !== null) finish(0);
  const kill = setTimeout(() => server.kill("SIGKILL"), TERM_GRACE_MS);
  server.once("exit", () => {
    clearTimeout(kill);
    finish(0);
  });
  server.kill("SIGTERM");
}

function finish(code: number): never {
  rmSync(dir!, { recursive: true, force: true });
  process.exit(code);
}

server.once("exit", (code, signal) => {
  if (!ending) finish(code ?? (signal === null ? 1 : 128));
});
process.stdin.on("end", end);
process.stdin.on("close", end);
process.stdin.on("error", end);
process.stdin.resume();
process.on("SIGTERM", end);
process.on("SIGINT", end);
