/**
 * Task functions for bench/scheduler.bench.ts. Workers import the compiled
 * module (bench/out/scheduler-tasks.js) by URL, as users' task modules are.
 */
export function noop(x: number): number {
  return x;
}

export function inc(x: number): number {
  return x + 1;
}
