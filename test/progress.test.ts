import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalScheduler, ProgressBar, fromSequence, progress, task } from "mspass";

const TASKS = new URL("./fixtures/scheduler-tasks.mjs", import.meta.url);
const sleep = task<(ms: number, v?: unknown) => Promise<unknown>>(TASKS, "sleep");
const CHILD = fileURLToPath(new URL("./fixtures/sched/progress-child.mjs", import.meta.url));
const DEFAULT_CHILD = fileURLToPath(new URL("./fixtures/sched/progress-default-child.mjs", import.meta.url));

/** A writable that records what is written; `isTTY` as given. */
function recorder(isTTY: boolean): {
  isTTY: boolean;
  columns: number;
  write(c: string): boolean;
  text: string;
} {
  return {
    isTTY,
    columns: 100,
    text: "",
    write(c: string) {
      this.text += c;
      return true;
    },
  };
}

let s: LocalScheduler;
beforeAll(async () => {
  s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
});
afterAll(async () => {
  await s?.close();
});

describe("progress bar", () => {
  it("draws on a TTY for gather() and ends at 100% on its own line", async () => {
    const tty = recorder(true);
    const out = await s.gather(
      s.map(
        sleep,
        Array.from({ length: 30 }, () => 10),
      ),
      { progress: { stream: tty, intervalMs: 20 } },
    );
    expect(out).toHaveLength(30);
    expect(tty.text).toMatch(/^\r/);
    const frames = tty.text.split("\r").filter(Boolean);
    expect(frames.length).toBeGreaterThan(1); // redrawn while running
    expect(frames.at(-1)).toMatch(/^gather \[#+\] 100% 30\/30 \| \d+\.\ds\x1b\[K\n$/);
    expect(frames.some((f) => /\[#*-+\]/.test(f))).toBe(true); // and seen partly done
  });

  it("is silent without a TTY", async () => {
    const pipe = recorder(false);
    await s.gather(s.map(sleep, [5, 5, 5]), { progress: { stream: pipe } });
    await fromSequence([1, 2])
      .map((x: number) => x)
      .compute({ progress: { stream: pipe } });
    await progress(s.map(sleep, [1]), { stream: pipe });
    expect(pipe.text).toBe("");
    expect(new ProgressBar({ stream: pipe }).enabled).toBe(false);
  });

  it("map() and compute() take the option; progress() counts errors and never rejects", async () => {
    const tty = recorder(true);
    const fs = s.map(sleep, [5, 5, 5, 5], { progress: { stream: tty, label: "stage-1" } });
    await s.gather(fs);
    await new Promise((r) => setTimeout(r, 10));
    expect(tty.text).toMatch(/stage-1 \[#+\] 100% 4\/4/);

    const bag = recorder(true);
    const r = await fromSequence([1, 2, 3, 4, 5, 6], { npartitions: 3 })
      .map((x: number) => x + 1)
      .compute({ progress: { stream: bag } });
    expect(r).toEqual([2, 3, 4, 5, 6, 7]);
    await new Promise((r2) => setTimeout(r2, 10));
    expect(bag.text).toMatch(/map\(lambda\) \[#+\] 100% 3\/3/);

    const mixed = recorder(true);
    await progress([s.submit(sleep, 5), s.submit(task(TASKS, "boom"), "p")], { stream: mixed });
    expect(mixed.text).toMatch(/100% 2\/2 \| 1 erred/);
    expect(() => progress([42 as never])).toThrow(/every item must be a Future/);
  });

  it("uses process.stdout: a bar under a pseudo-terminal, nothing through a pipe", () => {
    const env = { ...process.env, NO_COLOR: "1" };
    const piped = spawnSync(process.execPath, [CHILD], { encoding: "utf8", env, timeout: 30_000 });
    expect(piped.stderr).toBe("");
    expect(piped.stdout).toBe("result 20 2,4,6,8\n");

    // `script` runs the child with a pseudo-TTY as stdout and copies what it writes.
    const quoted = `'${process.execPath}' '${CHILD}'`;
    const tty = spawnSync("script", ["-qec", quoted, "/dev/null"], {
      encoding: "utf8",
      env,
      timeout: 30_000,
    });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/gather \[#{20,}\] 100% 20\/20/);
    expect(tty.stdout).toMatch(/map\(lambda\) \[#+\] 100% 4\/4/);
    expect(tty.stdout).toMatch(/result 20 2,4,6,8/);
  });

  it("draws by default on a terminal (no option), not with progress: false, never through a pipe", () => {
    const env = { ...process.env, NO_COLOR: "1" };
    const piped = spawnSync(process.execPath, [DEFAULT_CHILD], { encoding: "utf8", env, timeout: 30_000 });
    expect(piped.stdout).toBe("result 10 2,4,6,8\n");
    const tty = spawnSync("script", ["-qec", `'${process.execPath}' '${DEFAULT_CHILD}'`, "/dev/null"], {
      encoding: "utf8",
      env,
      timeout: 30_000,
    });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/gather \[#{20,}\] 100% 10\/10/);
    expect(tty.stdout).not.toMatch(/map\(lambda\)/);
    expect(tty.stdout).toMatch(/result 10 2,4,6,8/);
  });
});
