/**
 * `mspass hpc launch | run | status | shutdown --config mspass-hpc.yaml`:
 * the HPC launcher (src/launcher/hpc.ts), run on the job's primary node
 * (inside the sbatch script).
 */
import { hpcLaunch, hpcRun, hpcShutdown, hpcStatus } from "../launcher/hpc.js";
import { loadHpcConfig } from "../launcher/hpc-config.js";
import { EXIT, parseArgs, UsageError, type CliCommand } from "./args.js";

export const HPC_USAGE = `Usage: mspass hpc <launch|run|status|shutdown> [--config FILE] [SCRIPT ARGS...]

Run from the primary node of a SLURM job (the first node of SLURM_JOB_NODELIST):
  launch     start the database and Redis on the primary and an mspass worker
             on every node (srun, or ssh), wait until all are up
  run SCRIPT run a workflow against them; with nothing launched, launch first
             and shut down after (the whole job in one command)
  status     each service, its node and whether it answers
  shutdown   stop everything launch started

Options:
  --config FILE   configuration (default mspass-hpc.yaml or HPCClusterLauncher.yaml
                  in ., ./data/yaml, ../data/yaml, $MSPASS_HOME)
  -h, --help      show this help`;

const say = (l: string) => void process.stderr.write(`mspass: ${l}\n`);

export const command: CliCommand = {
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined)
      throw new UsageError("missing subcommand: launch, run, status or shutdown", HPC_USAGE);
    if (sub === "--help" || sub === "-h" || sub === "help") {
      process.stdout.write(HPC_USAGE + "\n");
      return EXIT.ok;
    }
    const idx =
      sub === "run" ? rest.findIndex((x, i) => !x.startsWith("-") && rest[i - 1] !== "--config") : -1;
    const own = idx < 0 ? rest : rest.slice(0, idx);
    const a = parseArgs(own, { options: ["config"], flags: ["help"] }, HPC_USAGE);
    if (a.flags.has("help")) {
      process.stdout.write(HPC_USAGE + "\n");
      return EXIT.ok;
    }
    const opts = { config: a.options.get("config"), log: say };
    const cfg = loadHpcConfig(opts);
    if (cfg.ignoredKeys.length) say(`ignored (container-only) keys: ${cfg.ignoredKeys.join(", ")}`);
    switch (sub) {
      case "launch": {
        if (a.positionals.length)
          throw new UsageError(`unexpected argument '${a.positionals[0]}'`, HPC_USAGE);
        const st = await hpcLaunch(opts);
        for (const s of st.services)
          process.stdout.write(
            `${s.name} ${s.host}${s.address ? ` ${s.address}` : ""} (pid ${s.pid}, log ${s.log})\n`,
          );
        return EXIT.ok;
      }
      case "run": {
        if (idx < 0) throw new UsageError("missing the workflow SCRIPT to run", HPC_USAGE);
        return hpcRun(rest[idx]!, rest.slice(idx + 1), { ...opts, autoLaunch: true });
      }
      case "status": {
        const st = await hpcStatus(opts);
        if (!st.state) {
          process.stdout.write("nothing is launched here\n");
          return EXIT.stopped;
        }
        for (const s of st.services)
          process.stdout.write(
            `${s.name.padEnd(10)} ${s.host.padEnd(12)} ${s.health.padEnd(14)}${s.address ?? ""}\n`,
          );
        return st.services.every((s) => s.health === "running") ? EXIT.ok : EXIT.error;
      }
      case "shutdown": {
        const r = await hpcShutdown(opts);
        if (!r.wasUp) say("nothing was launched here");
        for (const s of r.stopped) say(`stopped ${s.name} on ${s.host} (pid ${s.pid})`);
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown hpc subcommand '${sub}'`, HPC_USAGE);
    }
  },
};
