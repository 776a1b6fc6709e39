/**
 * Drives a REPL child process as a person would: type one line, wait for the
 * answer and the next prompt, type the next. (Piping every line at once is not
 * what a user does: the REPL reads line 2 while line 1's `await` is pending.)
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface ReplSession {
  child: ChildProcess;
  /** Everything printed so far (stdout + stderr). */
  output(): string;
  /** Wait until the output matches, or fail after `timeoutMs` with what was printed. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Type a line and wait for the prompt that follows its answer. */
  type(line: string, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

export function startRepl(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; prompt: string },
): ReplSession {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((res) => child.on("close", (code) => res(code)));
  let exitedFlag = false;
  void exited.then(() => {
    exitedFlag = true;
    for (const l of listeners) l();
  });

  function waitFor(pattern: RegExp | string, timeoutMs = 60_000, from = 0): Promise<string> {
    return new Promise((res, rej) => {
      const check = () => {
        const tail = out.slice(from);
        const hit = typeof pattern === "string" ? tail.includes(pattern) : pattern.test(tail);
        if (hit) {
          done();
          res(tail);
        } else if (exitedFlag) {
          done();
          rej(new Error(`REPL exited before ${String(pattern)}; output:\n${out}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        rej(new Error(`timed out waiting for ${String(pattern)}; output:\n${out}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  }

  return {
    child,
    output: () => out,
    waitFor: (p, t) => waitFor(p, t),
    async type(line, timeoutMs) {
      const from = out.length;
      child.stdin!.write(line + "\n");
      // The answer ends with a fresh prompt at the end of the output.
      return waitFor(new RegExp(`${escapeRegExp(opts.prompt)}$`), timeoutMs, from);
    },
    exited,
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
