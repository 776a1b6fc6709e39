/**
 * SLURM hostlists: `node[01-03,07],gpu[1-2]-ib,login` expanded as
 * `scontrol show hostnames` does — each bracket a comma list of numbers and
 * ranges, zero padding kept from the range's first number, several brackets
 * in one name giving every combination, duplicates kept in order.
 */
import { execFileSync } from "node:child_process";
import { MsPASSError } from "../errors.js";
import { findProgram } from "./processes.js";

/** Split at commas outside brackets. */
function splitTop(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of list) {
    if (ch === "[") depth++;
    else if (ch === "]") depth--;
    if (depth < 0) throw new MsPASSError(`bad hostlist '${list}': unbalanced ']'`, "Invalid");
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (depth !== 0) throw new MsPASSError(`bad hostlist '${list}': unbalanced '['`, "Invalid");
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

function expandRange(spec: string, list: string): string[] {
  const out: string[] = [];
  for (const item of spec.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item.trim());
    if (!m) throw new MsPASSError(`bad hostlist '${list}': '${item}' is not a number or range`, "Invalid");
    const [lo, hi] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (hi < lo) throw new MsPASSError(`bad hostlist '${list}': range ${item} runs backwards`, "Invalid");
    if (hi - lo > 100_000)
      throw new MsPASSError(`bad hostlist '${list}': range ${item} is too large`, "Invalid");
    const width = m[1]!.length;
    for (let n = lo; n <= hi; n++) out.push(String(n).padStart(width, "0"));
  }
  return out;
}

function expandOne(name: string, list: string): string[] {
  const open = name.indexOf("[");
  if (open < 0) return [name];
  const close = name.indexOf("]", open);
  const head = name.slice(0, open);
  const tails = expandOne(name.slice(close + 1), list);
  const out: string[] = [];
  for (const n of expandRange(name.slice(open + 1, close), list))
    for (const t of tails) out.push(head + n + t);
  return out;
}

export function expandHostlist(list: string): string[] {
  return splitTop(list).flatMap((p) => expandOne(p, list));
}

/**
 * The job's nodes: `scontrol show hostnames` when scontrol is on PATH (the
 * authority), else our own expansion of SLURM_JOB_NODELIST (or SLURM_NODELIST).
 */
export function slurmNodes(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST;
  if (!list) {
    throw new MsPASSError(
      "SLURM_JOB_NODELIST is not set: run inside a SLURM job (sbatch/salloc), or list the hosts in HPC_cluster.worker_hosts",
      "Fatal",
    );
  }
  const scontrol = findProgram("scontrol", env);
  if (scontrol) {
    try {
      const out = execFileSync(scontrol, ["show", "hostnames", list], {
        env,
        encoding: "utf8",
        timeout: 30_000,
      });
      const hosts = out.split(/\s+/).filter(Boolean);
      if (hosts.length) return hosts;
    } catch (err) {
      throw new MsPASSError(`'scontrol show hostnames ${list}' failed: ${(err as Error).message}`, "Fatal");
    }
  }
  return expandHostlist(list);
}
