/**
 * What travels through Redis between a RedisScheduler (the client) and the
 * `mspass worker` processes, and the Redis key names both sides use.
 *
 * One BullMQ job carries a BATCH of tasks (a bag partition is one task):
 * fine-grained tasks would otherwise pay a Redis round trip each. Job data
 * and return values are JSON in BullMQ, so the payloads are V8-serialized
 * (the same structured-clone rules as the local scheduler's worker threads:
 * typed arrays, Maps, Dates survive; classes do not) and base64-encoded.
 * Data objects inside them are frames of the data codec (serialize.ts), so
 * their samples are raw bytes in the payload and they arrive as themselves.
 */
import { deserialize, serialize } from "node:v8";
import type { ErrorInfo } from "../error-transport.js";
import type { PluginWire } from "../protocol.js";
import type { FnDef } from "../task-ref.js";

/** One task of a job: its id is the CLIENT's task id, stable across re-runs (idempotent writes key on it). */
export interface WireTask {
  id: number;
  fnId: number;
  args: unknown[];
}

export interface JobPayload {
  /** Every function the tasks need (their own and bag stages'), by the client's ids. */
  defs: FnDef[];
  tasks: WireTask[];
}

export interface JobResult {
  /** Values in task order (undefined where the task threw). */
  vals: unknown[];
  /** [index in tasks, error]. */
  errs: [number, ErrorInfo][];
  /** Which worker process ran it (for the dashboard's task stream). */
  worker: string;
  start: number;
  end: number;
}

/** A worker process's heartbeat record (`<prefix>:worker:<id>`, expires unless renewed). */
export interface WorkerHeartbeat {
  id: string;
  host: string;
  pid: number;
  nthreads: number;
  started: number;
  time: number;
  processing: number;
  done: number;
  erred: number;
  /** Plugin-set version this process has applied, and the error of its last failed setup. */
  pluginVersion: string | null;
  pluginError: ErrorInfo | null;
  memory: { used: number; limit: number } | null;
  /** The process's local address on its connection to Redis (tells hosts apart when hostnames are alike). */
  address: string;
}

export type StoredPlugin = PluginWire;

export function encode(value: unknown): string {
  return serialize(value).toString("base64");
}

export function decode<T>(text: string): T {
  return deserialize(Buffer.from(text, "base64")) as T;
}

/** Key names under one queue (the cluster's name; default "mspass"). */
export function keys(queue: string): {
  plugins: string;
  pluginVersion: string;
  workers: string;
  worker(id: string): string;
} {
  const p = `mspass:${queue}`;
  return {
    plugins: `${p}:plugins`,
    pluginVersion: `${p}:plugins:version`,
    workers: `${p}:workers`,
    worker: (id: string) => `${p}:worker:${id}`,
  };
}

/** BullMQ queue name for a cluster name. */
export function bullQueueName(queue: string): string {
  return `mspass-${queue}`;
}
