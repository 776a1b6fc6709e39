/**
 * CPU time of processes and of the whole machine, from /proc (Linux), so a
 * benchmark can say WHERE the cores went (e.g. which process bounds an I/O
 * task's throughput) rather than only how fast it ran.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const TICKS_PER_S = 100; // USER_HZ: 100 on every Linux we run on (getconf CLK_TCK)

/** User + system CPU seconds a process has used so far (0 if it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the ")" closing the command name: state is 3rd, utime 14th, stime 15th.
    const rest = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** Busy and total CPU seconds of the machine, all cores, since boot. */
export function machineCpu(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!; // idle + iowait
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / TICKS_PER_S, total: total / TICKS_PER_S };
}

/** The pid of the process listening on a local TCP port (via `ss`), or undefined. */
export function pidListeningOn(port: number): number | undefined {
  try {
    const out = execFileSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" });
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
