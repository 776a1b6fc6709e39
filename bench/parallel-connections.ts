/**
 * This process's ESTABLISHED TCP connections to a server port (Linux /proc):
 * socket inodes of /proc/self/fd matched against /proc/self/net/tcp{,6}.
 * `distinct` also counts every connection seen during the sampling, which
 * shows connection churn that a peak hides.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

function socketInodes(): Set<string> {
  const out = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

export function establishedTo(port: number): string[] {
  const mine = socketInodes();
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  // A Set: /proc/net/tcp is read in chunks and can repeat a row when sockets
  // come and go meanwhile, which would overcount.
  const out = new Set<string>();
  for (const file of ["/proc/self/net/tcp", "/proc/self/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      if (f[2]!.split(":")[1] === hex && f[3] === "01" && mine.has(f[9]!)) out.add(f[9]!);
    }
  }
  return [...out];
}

export function sampleConnections(
  port: number,
  everyMs = 10,
): { stop(): { peak: number; samples: number; distinct: number } } {
  let peak = 0;
  let samples = 0;
  const seen = new Set<string>();
  const tick = (): void => {
    const now = establishedTo(port);
    samples++;
    for (const i of now) seen.add(i);
    if (now.length > peak) peak = now.length;
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { peak, samples, distinct: seen.size };
    },
  };
}
