/**
 * Terminal progress bar for futures (dask's `progress`). It draws only when
 * the output stream is a TTY and stays silent otherwise (pipes, CI logs).
 */
import { MsPASSError } from "../errors.js";
import { Future, TASK, onSettled } from "./future.js";

/** Where the bar is drawn; defaults to process.stdout. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  stream?: ProgressStream;
  /** Text before the bar (default "tasks"). */
  label?: string;
  /** Redraw period in ms (default 100). */
  intervalMs?: number;
}

/** `true` or options enable a bar on compute()/gather()/map(); unset = on for compute()/gather() when stdout is a TTY. */
export type ProgressOption = boolean | ProgressOptions | undefined;

export class ProgressBar {
  readonly #stream: ProgressStream;
  readonly #label: string;
  readonly #started = performance.now();
  #timer: NodeJS.Timeout | undefined;
  #total = 0;
  #done = 0;
  #erred = 0;
  #drawn = "";
  #closed = false;

  constructor(options: ProgressOptions = {}) {
    this.#stream = options.stream ?? process.stdout;
    this.#label = options.label ?? "tasks";
    if (this.enabled) {
      this.#timer = setInterval(() => this.#draw(), options.intervalMs ?? 100);
      this.#timer.unref(); // a bar must never keep the process alive
    }
  }

  /** False when the stream is not a terminal: nothing is written. */
  get enabled(): boolean {
    return this.#stream.isTTY === true;
  }

  addTotal(n: number): void {
    this.#total += n;
  }

  tick(ok: boolean): void {
    if (ok) this.#done++;
    else this.#erred++;
  }

  /** Follow futures until they settle. */
  track(futures: readonly Future<unknown>[]): void {
    this.addTotal(futures.length);
    for (const f of futures) onSettled(f[TASK], (t) => this.tick(t.state === "finished"));
  }

  #line(): string {
    const total = Math.max(this.#total, 1);
    const finished = this.#done + this.#erred;
    const frac = Math.min(finished / total, 1);
    const secs = ((performance.now() - this.#started) / 1000).toFixed(1);
    const tail = ` ${String(Math.floor(frac * 100)).padStart(3)}% ${finished}/${this.#total}${this.#erred > 0 ? ` | ${this.#erred} erred` : ""} | ${secs}s`;
    const cols = this.#stream.columns || 80; // a pseudo-terminal may report 0
    const width = Math.max(10, Math.min(40, cols - this.#label.length - tail.length - 4));
    const full = Math.round(frac * width);
    return `${this.#label} [${"#".repeat(full)}${"-".repeat(width - full)}]${tail}`;
  }

  #draw(): void {
    if (!this.enabled || this.#closed) return;
    const line = this.#line();
    if (line === this.#drawn) return;
    this.#drawn = line;
    this.#stream.write(`\r${line}\x1b[K`);
  }

  /** Draw the final state and end the line. */
  finish(): void {
    if (this.#closed) return;
    if (this.#timer) clearInterval(this.#timer);
    if (this.enabled) {
      this.#draw();
      this.#stream.write("\n");
    }
    this.#closed = true;
  }
}

/**
 * Normalize a `progress` option into a bar, or null when off. Unset means
 * on when stdout is a terminal (so a script run by hand shows its progress
 * and a log or pipe stays clean).
 */
export function barFor(option: ProgressOption, label: string): ProgressBar | null {
  if (option === undefined) return process.stdout.isTTY ? new ProgressBar({ label }) : null;
  if (option === false) return null;
  if (option === true) return new ProgressBar({ label });
  if (typeof option !== "object" || option === null) {
    throw new MsPASSError(
      `progress must be a boolean or { stream, label, intervalMs }, got ${String(option)}`,
      "Invalid",
    );
  }
  return new ProgressBar({ label, ...option });
}

/**
 * Show a progress bar until all `futures` settle (dask's `progress`);
 * resolves then, whatever their outcome. Silent when stdout is not a TTY.
 */
export function progress(
  futures: Future<unknown> | Iterable<Future<unknown>>,
  options: ProgressOptions = {},
): Promise<void> {
  const list = futures instanceof Future ? [futures] : [...futures];
  for (const f of list) {
    if (!(f instanceof Future)) throw new MsPASSError("progress: every item must be a Future", "Invalid");
  }
  const bar = new ProgressBar(options);
  bar.track(list);
  return new Promise<void>((resolve) => {
    let pending = list.length;
    const end = (): void => {
      bar.finish();
      resolve();
    };
    if (pending === 0) return end();
    for (const f of list) onSettled(f[TASK], () => --pending === 0 && end());
  });
}
