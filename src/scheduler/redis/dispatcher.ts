/**
 * The RedisScheduler's dispatch: queued tasks are cut into BullMQ jobs
 * (about queued / (2 × worker threads) tasks each, at most MAX_JOB_TASKS;
 * a job per task would pay a Redis round trip and BullMQ's Lua scripts per
 * task), added with addBulk, and settled from the jobs' results (task by
 * task: errors come back inside the result and are retried here). Jobs in
 * flight are kept, encoded, to be re-added under the same id after Redis
 * restarts empty; a job that failed as a whole (its worker processes died
 * more often than BullMQ's maxStalledCount) charges each task one retry.
 */
import { randomBytes } from "node:crypto";
import { serialize } from "node:v8";
import type { Queue } from "bullmq";
import { MsPASSError, maskCredentials } from "../../errors.js";
import { deserializeError } from "../error-transport.js";
import type { Task } from "../future.js";
import { WorkerDiedError } from "../local/pool.js";
import { PriorityQueue } from "../queue.js";
import { packAll, packContext, unpack } from "../serialize.js";
import { wireArg } from "../task-args.js";
import type { TaskTable } from "../task-table.js";
import type { FnDef } from "../task-ref.js";
import type { JobStream } from "./state.js";
import { decode, encode, type JobPayload, type JobResult, type WireTask } from "./wire.js";
import type { WorkerRoster } from "./workers.js";

export const MAX_JOB_TASKS = 1024;

interface JobRec {
  id: string;
  tasks: Task[];
  /** Encoded JobPayload, kept to re-add the job after a Redis restart. */
  data: string;
  added: number;
  /** Times a worker process started it (BullMQ "active" events). */
  starts: number;
}

/** What the dispatcher uses of its scheduler. */
export interface DispatchContext {
  readonly tasks: TaskTable;
  readonly roster: WorkerRoster;
  readonly stream: JobStream;
  /** The Redis server, credentials masked (for error messages). */
  readonly address: string;
  queue(): Queue;
  closing(): boolean;
  /** An addBulk failed: Redis is away (jobs stay here and are re-added, or fail at redisTimeoutMs). */
  redisFailed(err: Error): void;
  emit(event: string, payload: unknown): void;
}

export class JobDispatcher {
  readonly #c: DispatchContext;
  readonly #clientId = randomBytes(6).toString("hex");
  #nextJob = 1;
  readonly #pending = new PriorityQueue<Task>();
  #dispatchQueued = false;
  readonly #jobs = new Map<string, JobRec>();

  constructor(c: DispatchContext) {
    this.#c = c;
  }

  /** Jobs added and not yet settled. */
  get inFlight(): number {
    return this.#jobs.size;
  }

  enqueue(t: Task): void {
    this.#c.tasks.move(t, "queued");
    this.#pending.push(t, t.priority);
    if (!this.#dispatchQueued) {
      this.#dispatchQueued = true;
      // A macrotask, not a microtask: a map() of 100,000 items is all queued
      // before the first job is cut, so jobs come out full.
      setImmediate(() => {
        this.#dispatchQueued = false;
        this.#dispatch();
      });
    }
  }

  #dispatch(): void {
    const tasks = this.#c.tasks;
    if (tasks.counts.queued === 0 || this.#c.closing()) return;
    const size = Math.max(
      1,
      Math.min(MAX_JOB_TASKS, Math.ceil(tasks.counts.queued / (2 * this.#c.roster.threads()))),
    );
    const jobs: JobRec[] = [];
    while (tasks.counts.queued > 0) {
      const job = this.#cutJob(size);
      if (job !== null) jobs.push(job);
    }
    if (jobs.length === 0) return;
    void this.#c
      .queue()
      .addBulk(jobs.map((j) => bullJob(j)))
      .catch((err: Error) => this.#c.redisFailed(err));
  }

  /** Take up to `size` queued tasks into one job; null when every taken task failed to encode. */
  #cutJob(size: number): JobRec | null {
    const tasks: Task[] = [];
    let cap = size;
    while (tasks.length < cap) {
      const t = this.#pending.shift();
      if (t === undefined) break;
      if (t.state !== "queued") continue;
      if (t.batchCap < cap) cap = Math.max(t.batchCap, tasks.length + 1);
      tasks.push(t);
    }
    if (tasks.length === 0) return null;
    let data: string;
    let ok = tasks;
    try {
      data = encode({ defs: defsOf(tasks), tasks: tasks.map(wire) } satisfies JobPayload);
    } catch {
      // Find the tasks whose arguments cannot be sent; the others go on.
      ok = [];
      for (const t of tasks) {
        try {
          serialize(wire(t).args);
          ok.push(t);
        } catch (e) {
          this.#c.tasks.settle(
            t,
            "error",
            undefined,
            new MsPASSError(
              `task ${t.key}: its arguments cannot be sent to a worker: ${(e as Error).message}`,
              "Invalid",
            ),
          );
        }
      }
      if (ok.length === 0) return null;
      data = encode({ defs: defsOf(ok), tasks: ok.map(wire) } satisfies JobPayload);
    }
    const id = `${this.#clientId}-${this.#nextJob++}`;
    for (const t of ok) {
      this.#c.tasks.move(t, "processing");
      t.worker = id;
    }
    const rec: JobRec = { id, tasks: ok, data, added: Date.now(), starts: 0 };
    this.#jobs.set(id, rec);
    return rec;
  }

  /** BullMQ "completed": settle the job's tasks from its result (retrying those that threw). */
  completed(jobId: string, returnvalue: unknown): void {
    const j = this.#jobs.get(jobId);
    if (j === undefined) return; // another client's job, or a duplicate completion
    this.#jobs.delete(jobId);
    let r: JobResult;
    try {
      r = decode<JobResult>(typeof returnvalue === "string" ? returnvalue : String(returnvalue));
    } catch (err) {
      this.#failJob(j, `its result could not be decoded: ${(err as Error).message}`);
      return;
    }
    const tasks = this.#c.tasks;
    let ei = 0;
    let erred = 0;
    for (let i = 0; i < j.tasks.length; i++) {
      const t = j.tasks[i];
      const err = ei < r.errs.length && r.errs[ei][0] === i ? r.errs[ei++][1] : undefined;
      if (t.worker !== jobId || t.state !== "processing") continue; // cancelled meanwhile
      if (err !== undefined) {
        erred++;
        if (t.retriesLeft > 0) this.#retry(t);
        else tasks.settle(t, "error", undefined, deserializeError(err));
      } else {
        let value: unknown;
        try {
          value = unpack(r.vals[i]);
        } catch (e) {
          tasks.settle(t, "error", undefined, e as Error);
          continue;
        }
        tasks.settle(t, "finished", value);
      }
    }
    this.#c.stream.push({
      worker: this.#c.roster.numberOf(r.worker),
      name: j.tasks[0]?.group.name ?? "?",
      start: r.start,
      end: r.end,
      n: j.tasks.length,
      erred,
    });
  }

  /**
   * BullMQ "active": a worker process started the job. Counting starts (not
   * stalls) gives exact attempts: a start after the first is a re-run, after
   * BullMQ found the previous worker process dead or cut off (stalled-job
   * recovery).
   */
  active(jobId: string): void {
    const j = this.#jobs.get(jobId);
    if (j === undefined) return;
    const rerun = j.starts++ > 0;
    for (const t of j.tasks) {
      if (t.worker !== jobId || t.state !== "processing") continue;
      t.attempts++;
      if (rerun) {
        t.reruns++;
        this.#c.stream.reruns++;
      }
    }
    if (rerun) this.#c.emit("job-rerun", { jobId });
  }

  /** BullMQ "failed". */
  failed(jobId: string, reason: string): void {
    const j = this.#jobs.get(jobId);
    if (j === undefined) return;
    this.#jobs.delete(jobId);
    this.#failJob(j, maskCredentials(reason));
  }

  #retry(t: Task): void {
    t.retriesLeft--;
    t.worker = null;
    this.#c.tasks.move(t, "waiting");
    this.enqueue(t);
  }

  /** The job as a whole failed (its worker processes died or lost Redis too often): charge each task one retry. */
  #failJob(j: JobRec, reason: string): void {
    for (const t of j.tasks) {
      if (t.worker !== j.id || t.state !== "processing") continue;
      if (t.retriesLeft > 0) this.#retry(t);
      else {
        this.#c.tasks.settle(
          t,
          "error",
          undefined,
          new WorkerDiedError(
            `task ${t.key} (job ${j.id} on ${this.#c.address}) failed: ${reason}; no retries left after ${t.attempts} attempt(s)`,
          ),
        );
      }
    }
    this.#c.emit("job-failed", { jobId: j.id, reason });
  }

  /**
   * Fail every task in flight or queued with `err` and forget their jobs;
   * returns the ids of the jobs forgotten (for the caller to withdraw from
   * Redis when it should).
   */
  failAll(err: Error): string[] {
    const tasks = this.#c.tasks;
    const ids: string[] = [];
    for (const j of [...this.#jobs.values()]) {
      this.#jobs.delete(j.id);
      ids.push(j.id);
      for (const t of j.tasks)
        if (t.worker === j.id && t.state === "processing") tasks.settle(t, "error", undefined, err);
    }
    for (const t of this.#pending.drain()) if (t.state === "queued") tasks.settle(t, "error", undefined, err);
    return ids;
  }

  /** Add every job in flight again, under its own id (after Redis came back, possibly empty). */
  async readd(): Promise<void> {
    const jobs = [...this.#jobs.values()];
    for (let i = 0; i < jobs.length; i += 500) {
      await this.#c.queue().addBulk(jobs.slice(i, i + 500).map((j) => bullJob(j)));
    }
  }
}

function wire(t: Task): WireTask {
  const args = t.deps === null ? t.args.slice() : t.args.map((a) => wireArg(a));
  packAll(args, packContext("bytes")); // data objects travel as codec frames
  return { id: t.id, fnId: t.fnId, args };
}

function defsOf(ts: Task[]): FnDef[] {
  const m = new Map<number, FnDef>();
  for (const t of ts) {
    if (t.def !== null) m.set(t.def.id, t.def);
    if (t.needs !== null) for (const d of t.needs) m.set(d.id, d);
  }
  return [...m.values()];
}

function bullJob(j: JobRec): {
  name: string;
  data: { p: string };
  opts: { jobId: string; removeOnComplete: boolean; removeOnFail: boolean; attempts: number };
} {
  return {
    name: "tasks",
    data: { p: j.data },
    opts: { jobId: j.id, removeOnComplete: true, removeOnFail: true, attempts: 1 },
  };
}
