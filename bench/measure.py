"""Run one command; print one JSON line: wall time, CPU time, peak memory, exit status.

    python bench/measure.py TIMEOUT LOG CWD COMMAND...

bench.py runs this in a fresh process for every build it measures (it reads this file
once and passes it with ``python -c``, so editing it during a benchmark changes nothing).
The command's output goes to LOG; after TIMEOUT seconds its whole process group is
killed. Memory, two ways: ``tree_peak_mb``, the largest sum of RSS over the process tree
(sampled every SAMPLE_EVERY s; pages shared after fork() count once per process), and
``max_proc_mb``, ru_maxrss of RUSAGE_CHILDREN: the largest single process, exact.
CPU time is user + system of the whole tree (children that were waited for).
"""

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time

SAMPLE_EVERY = 0.05


def tree(root: int) -> list[int]:
    """``root`` and its descendants, from /proc/<pid>/task/<tid>/children."""
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
            except OSError:
                pass
    return pids


def rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def main(argv: list[str]) -> None:
    timeout, log, cwd, cmd = float(argv[0]), argv[1], argv[2], argv[3:]
    peak = 0
    done = threading.Event()
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, sum(rss(p) for p in tree(proc.pid)))
                done.wait(SAMPLE_EVERY)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timed_out = False
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait()
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "max_proc_mb": usage.ru_maxrss / 1024,
        "tree_peak_mb": max(peak / 2**20, usage.ru_maxrss / 1024),
        "rc": rc,
        "timeout": timed_out,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
