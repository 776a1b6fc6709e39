"""dask.distributed baseline for bench/redis.bench.ts (bench-only; not a dependency).

Per-task overhead of N no-op tasks over a LocalCluster of 2 worker PROCESSES
(one thread each): client.map + client.gather, median of ITER runs after one
warm-up of N/100 (dask costs milliseconds per task here: a warm-up of N/10
alone took minutes). Prints one JSON line, with every run's time.

    python3 -m venv bench/out/dask-venv && bench/out/dask-venv/bin/pip install "dask[distributed]"
    bench/out/dask-venv/bin/python bench/dask_noop.py 100000 3
"""
import json
import logging
import statistics
import sys
import time


def noop(x):
    return x


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    iters = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    import dask
    import distributed
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.CRITICAL  # shutdown chatter
    ) as cluster, Client(cluster) as client:
        client.gather(client.map(noop, range(max(1, n // 100)), pure=False))  # warm-up
        times = []
        for _ in range(iters):
            t = time.perf_counter()
            client.gather(client.map(noop, range(n), pure=False))
            times.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(json.dumps({"n": n, "iters": iters, "median_s": med, "us_per_task": med * 1e6 / n, "times_s": times, "dask": dask.__version__, "distributed": distributed.__version__}))


if __name__ == "__main__":
    main()
