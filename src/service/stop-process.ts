/**
 * Stopping a process mspass started detached (so it leads its own process
 * group): SIGTERM to the group, a deadline, then SIGKILL. One function for
 * the database server (service/server.ts) and the launcher's services
 * (launcher/processes.ts); each caller says how it recognises its process
 * as still running.
 */
import { sleep } from "../option-checks.js";

/** After SIGKILL the kernel still needs a moment to reap the group. */
const KILL_GRACE_MS = 5000;

/**
 * Signal the process group `pid` leads (a wrapper script and the program it
 * runs both get the signal); falls back to the pid alone.
 */
export function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // exited in between
    }
  }
}

/** Poll `alive` every 50 ms for up to `ms`; true once it says the process is gone. */
async function goneWithin(alive: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive()) return true;
    await sleep(50);
  }
  return !alive();
}

/**
 * SIGTERM the group, wait up to `timeoutMs` for `alive()` to turn false,
 * then SIGKILL and wait a little more. Resolves true once the process is
 * gone, false if it survived SIGKILL (the caller says what to do by hand).
 */
export async function stopWithDeadline(
  pid: number,
  alive: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  signalGroup(pid, "SIGTERM");
  if (await goneWithin(alive, timeoutMs)) return true;
  signalGroup(pid, "SIGKILL");
  return goneWithin(alive, KILL_GRACE_MS);
}
