/**
 * The LocalScheduler's dispatcher: the priority queue of runnable tasks,
 * batches sent to workers, results paired with the in-flight list, and the
 * task stream the dashboard draws.
 *
 * Why it looks like this:
 * - Tasks go to workers in adaptive batches (about BATCH_TARGET_MS of work
 *   each) and results come back in batches: a message per task would cost a
 *   full postMessage round trip each.
 * - Workers run tasks in the order received, so results are paired with the
 *   worker's in-flight list by position.
 */
import { MsPASSError } from "../../errors.js";
import { deserializeError, type ErrorInfo } from "../error-transport.js";
import { CancelledError, type Task } from "../future.js";
import type { DataRef, MainToWorker, ResultsMessage } from "../protocol.js";
import { PriorityQueue } from "../queue.js";
import { packAll, pack, packContext, unpack } from "../serialize.js";
import { wireArg } from "../task-args.js";
import type { TaskTable } from "../task-table.js";
import type { FnDef } from "../task-ref.js";
import type { StreamSegment } from "../front.js";
import type { WorkerPool, WorkerRec } from "./pool.js";

export const MAX_BATCH = 4096;
const BATCH_TARGET_MS = 4;
export const STREAM_KEEP = 4000;
/** No results for this long (ms) = busy with a slow task: do not queue more behind it. */
const STALL_MS = 25;

export class Dispatcher {
  readonly #queue = new PriorityQueue<Task>();
  readonly #tasks: TaskTable;
  readonly #pool: () => WorkerPool;
  readonly #closing: () => boolean;
  readonly #emit: (event: string, payload: unknown) => void;
  #rr = 0;
  #dispatchQueued = false;
  /** Measured milliseconds per task, by task name (EMA). */
  #avgMs = new Map<string, number>();
  #stream: StreamSegment[] = [];

  constructor(
    tasks: TaskTable,
    pool: () => WorkerPool,
    closing: () => boolean,
    emit: (event: string, payload: unknown) => void,
  ) {
    this.#tasks = tasks;
    this.#pool = pool;
    this.#closing = closing;
    this.#emit = emit;
  }

  /** Queue a waiting task; dispatch once the current synchronous code is done (a map() queues all first). */
  enqueue(t: Task): void {
    this.#tasks.move(t, "queued");
    this.#queue.push(t, t.priority);
    if (!this.#dispatchQueued) {
      this.#dispatchQueued = true;
      queueMicrotask(() => {
        this.#dispatchQueued = false;
        this.dispatch();
      });
    }
  }

  /** Rescheduled tasks go back to the front, in their original order. */
  requeueFront(tasks: Task[]): void {
    for (let i = tasks.length - 1; i >= 0; i--) {
      const t = tasks[i];
      this.#tasks.move(t, "queued");
      this.#queue.unshift(t, t.priority);
    }
  }

  /** Fail every queued task with `err`. */
  failQueued(err: Error): void {
    for (const t of this.#queue.drain())
      if (t.state === "queued") this.#tasks.settle(t, "error", undefined, err);
  }

  /** Settle `t` cancelled; a running one's worker is told (once per microtask, for all cancelled together). */
  cancel(t: Task): void {
    if (t.state === "processing") {
      const w = t.worker as WorkerRec;
      if (w.cancelIds === null) {
        w.cancelIds = [];
        queueMicrotask(() => {
          const ids = w.cancelIds!;
          w.cancelIds = null;
          if (w.status !== "dead") w.thread.postMessage({ t: "cancel", ids } satisfies MainToWorker);
        });
      }
      w.cancelIds.push(t.id);
    }
    this.#tasks.settle(t, "cancelled", undefined, new CancelledError(t.key));
  }

  /** Task-stream segments ending at or after `since` (epoch ms), oldest first, at most STREAM_KEEP. */
  streamSince(since: number): StreamSegment[] {
    const stream: StreamSegment[] = [];
    for (let i = this.#stream.length - 1; i >= 0 && stream.length < STREAM_KEEP; i--) {
      const s = this.#stream[i];
      if (s.end < since) break;
      stream.push(s);
    }
    return stream.reverse();
  }

  /**
   * How many tasks like `t` a worker should hold: about BATCH_TARGET_MS of
   * work. Unknown or slow tasks get 1, so nothing waits behind a long task
   * on one worker while another is idle, and priorities stay meaningful.
   */
  #batchTarget(t: Task | undefined): number {
    const avg = t === undefined ? undefined : this.#avgMs.get(t.group.name);
    if (avg === undefined) return 1; // unknown cost: start small, grow from measurements
    return Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_TARGET_MS / Math.max(avg, 1e-4))));
  }

  dispatch(): void {
    const counts = this.#tasks.counts;
    if (counts.queued === 0 || this.#closing()) return;
    const ready = this.#pool().ready();
    if (ready.length === 0) return;
    let progress = true;
    while (progress && counts.queued > 0) {
      progress = false;
      for (let k = 0; k < ready.length && counts.queued > 0; k++) {
        let head = this.#queue.peek();
        while (head !== undefined && head.state !== "queued") {
          this.#queue.shift(); // drop cancelled entries so the head is real
          head = this.#queue.peek();
        }
        const target = this.#batchTarget(head);
        const w = ready[(this.#rr + k) % ready.length];
        if (w.status !== "ready" || w.inflight.length >= target) continue;
        // A worker that has reported nothing for a while is inside a slow task:
        // tasks sent now would wait behind it instead of going to the next free worker.
        if (w.inflight.length > 0 && performance.now() - w.progressAt > STALL_MS) continue;
        const n = Math.min(target, Math.ceil(counts.queued / ready.length));
        if (this.#sendBatch(w, n) > 0) progress = true;
      }
      this.#rr = (this.#rr + 1) % ready.length;
    }
  }

  #sendBatch(w: WorkerRec, n: number): number {
    const ids: number[] = [];
    const fns: number[] = [];
    const args: unknown[][] = [];
    let refs: number[] | null = null;
    let coded: number[] | null = null;
    let defs: FnDef[] | null = null;
    let data: [number, unknown][] | null = null;
    // Buffers moved with the message: frames built here, and what the callers gave up.
    const transfer = new Set<ArrayBuffer>();
    const tasks: Task[] = [];
    // Scattered data goes by reference; a worker gets the value with the first task that needs it.
    const scattered = (d: Task): DataRef => {
      if (!w.sentData.has(d.dataId)) {
        w.sentData.add(d.dataId);
        (data ??= []).push([d.dataId, pack(d.value, packContext("copy", transfer))]);
      }
      return { __mspassData: d.dataId };
    };
    let cap = n;
    while (ids.length < cap) {
      const t = this.#queue.shift();
      if (t === undefined) break;
      if (t.state !== "queued") continue; // cancelled while queued
      if (t.batchCap < cap) cap = Math.max(t.batchCap, ids.length + 1);
      if (t.def !== null && !w.sentFns.has(t.fnId)) {
        w.sentFns.add(t.fnId);
        (defs ??= []).push(t.def);
      }
      if (t.needs !== null) {
        for (const d of t.needs) {
          if (!w.sentFns.has(d.id)) {
            w.sentFns.add(d.id);
            (defs ??= []).push(d);
          }
        }
      }
      let a = t.args;
      if (t.deps !== null) {
        a = a.map((x) => wireArg(x, scattered));
        if (t.hasScatterRefs) (refs ??= []).push(ids.length);
      } else a = a.slice(); // t.args stay as the caller gave them (a retry packs them again)
      if (packAll(a, packContext("copy", transfer, t.transfer))) (coded ??= []).push(ids.length);
      if (t.transfer !== null) for (const b of t.transfer) transfer.add(b);
      ids.push(t.id);
      fns.push(t.fnId);
      args.push(a);
      tasks.push(t);
    }
    if (ids.length === 0) return 0;
    if (w.inflight.length === 0) w.progressAt = performance.now();
    for (const t of tasks) {
      this.#tasks.move(t, "processing");
      t.worker = w;
      t.attempts++;
      w.inflight.push(t);
    }
    const msg: MainToWorker = { t: "batch", ids, fns, args, refs, coded, defs, data };
    try {
      w.thread.postMessage(msg, transfer.size > 0 ? [...transfer] : undefined);
    } catch (err) {
      this.#rescueBatch(w, tasks, msg, err as Error);
    }
    return ids.length;
  }

  /** A batch failed to clone: fail the tasks whose arguments cannot be sent, resend the others. */
  #rescueBatch(w: WorkerRec, tasks: Task[], msg: Extract<MainToWorker, { t: "batch" }>, err: Error): void {
    const keep: number[] = [];
    for (let i = 0; i < tasks.length; i++) {
      try {
        structuredClone(msg.args[i]);
        keep.push(i);
      } catch (e) {
        this.#tasks.settle(
          tasks[i],
          "error",
          undefined,
          new MsPASSError(
            `task ${tasks[i].key}: its arguments cannot be sent to a worker: ${(e as Error).message}`,
            "Invalid",
          ),
        );
      }
    }
    if (keep.length === tasks.length) {
      for (const t of tasks)
        this.#tasks.settle(
          t,
          "error",
          undefined,
          new MsPASSError(`cannot send task ${t.key} to ${w.name}: ${err.message}`, "Fatal"),
        );
      return;
    }
    const pick = <T>(xs: T[]): T[] => keep.map((i) => xs[i]);
    const kept = (list: number[] | null): number[] | null => {
      const set = new Set(list ?? []);
      const out = keep.flatMap((i, j) => (set.has(i) ? [j] : []));
      return out.length > 0 ? out : null;
    };
    const again: MainToWorker = {
      ...msg,
      ids: pick(msg.ids),
      fns: pick(msg.fns),
      args: pick(msg.args),
      refs: kept(msg.refs),
      coded: kept(msg.coded),
    };
    // Failed tasks stay in the in-flight list as settled entries; the worker never reports them, so drop them.
    const failed = new Set(tasks.filter((_t, i) => !keep.includes(i)));
    const rest = w.inflight.drain().filter((t) => !failed.has(t));
    for (const t of rest) w.inflight.push(t);
    if (keep.length > 0) w.thread.postMessage(again);
  }

  onResults(w: WorkerRec, m: ResultsMessage): void {
    const n = m.ids.length;
    w.progressAt = performance.now();
    if (m.mem !== null) w.mem = m.mem;
    const errs = m.errs;
    let ei = 0;
    const skipped = m.skipped;
    let si = 0;
    const coded = m.coded === null ? null : new Set(m.coded);
    const tasks: (Task | undefined)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const t = w.inflight.shift();
      tasks[i] = t;
      if (t === undefined || t.id !== m.ids[i]) {
        this.#emit(
          "protocol-error",
          new MsPASSError(`internal: ${w.name} reported task ${m.ids[i]} out of order`, "Fatal"),
        );
        continue;
      }
      let err: ErrorInfo | undefined;
      if (errs !== null && ei < errs.length && errs[ei][0] === i) err = errs[ei++][1];
      let skip = false;
      if (skipped !== null && si < skipped.length && skipped[si] === i) {
        si++;
        skip = true;
      }
      if (t.worker !== w || t.state !== "processing") continue; // cancelled meanwhile: result discarded
      if (skip) {
        // The worker skipped it after a cancel that has since been overtaken (cannot normally happen); run it again.
        t.attempts--;
        this.#tasks.move(t, "queued");
        this.#queue.unshift(t, t.priority);
        continue;
      }
      if (err !== undefined) {
        w.erred++;
        if (t.retriesLeft > 0) {
          t.retriesLeft--;
          this.#tasks.move(t, "queued");
          this.#queue.push(t, t.priority);
        } else {
          this.#tasks.settle(t, "error", undefined, deserializeError(err));
        }
      } else {
        w.done++;
        let value = m.vals[i];
        if (coded?.has(i) === true) {
          try {
            value = unpack(value);
          } catch (e) {
            this.#tasks.settle(t, "error", undefined, e as Error);
            continue;
          }
        }
        this.#tasks.settle(t, "finished", value);
      }
    }
    this.#recordStream(w, m, tasks);
    this.dispatch();
  }

  #recordStream(w: WorkerRec, m: ResultsMessage, tasks: (Task | undefined)[]): void {
    const s = m.seg;
    for (let k = 0; k + 3 < s.length; k += 4) {
      const first = tasks[s[k]];
      const n = s[k + 1] - s[k];
      const name = first?.group.name ?? "?";
      const erred = m.errs === null ? 0 : m.errs.filter(([i]) => i >= s[k] && i < s[k + 1]).length;
      this.#stream.push({ worker: w.id, name, start: s[k + 2], end: s[k + 3], n, erred });
      if (n > 0 && first !== undefined) {
        const per = (s[k + 3] - s[k + 2]) / n;
        const prev = this.#avgMs.get(name);
        this.#avgMs.set(name, prev === undefined ? per : 0.7 * prev + 0.3 * per);
      }
    }
    if (this.#stream.length > STREAM_KEEP * 2) this.#stream = this.#stream.slice(-STREAM_KEEP);
  }
}
