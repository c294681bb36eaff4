"""Subprocess runner, machine description and report writing for the benchmarks."""

import json
import os
import platform
import resource
import subprocess
import sys
import time

#: Address-space cap of one case (bytes): a case that needs more fails with
#: MemoryError instead of pushing the machine into swap or the OOM killer.
MEMORY_CAP = 12 * 2**30

#: BLAS / OpenMP threads of every case (environment of its subprocess). One:
#: on a shared 2-core machine a second BLAS thread that has to wait for a core
#: made tall-skinny products up to 10 times slower, and the timings erratic. The
#: same setting for spectral_ssl and every peer.
BLAS_THREADS = 1
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def best_of(fn, repeats=3):
    """Smallest wall time of ``repeats`` calls (the machine may be shared) and the last result."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def peak_rss_mib():
    """Peak resident set size of this process so far, in MiB.

    ``VmHWM`` of ``/proc/self/status`` where available: unlike ``ru_maxrss``, it
    starts afresh when a process is exec'ed, so a worker spawned by a large
    parent does not inherit the parent's peak. Elsewhere ``ru_maxrss`` (KiB on Linux).
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _limit_memory():
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    except (ValueError, OSError):
        pass


def run_case(target, params, timeout):
    """Run ``benchmarks.<module>:<function>(**params)`` in a subprocess; return its result dict.

    The function returns a JSON-serialisable dict; ``status`` is added: ``ok``,
    ``timeout``, ``memory`` (MemoryError) or ``error`` (with the message).
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cmd = [sys.executable, "-m", "benchmarks._case", target, json.dumps(params)]
    env = dict(os.environ, **{name: str(BLAS_THREADS) for name in _THREAD_VARIABLES})
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=timeout,
                              preexec_fn=_limit_memory, env=env)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "limit_s": timeout, "elapsed_s": time.perf_counter() - start}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        message = " | ".join(tail)
        status = "memory" if "MemoryError" in message else "error"
        return {"status": status, "message": message[-500:], "elapsed_s": time.perf_counter() - start}
    result = json.loads(lines[-1][len("RESULT "):])
    result.setdefault("status", "ok")
    return result


def machine():
    """The facts a reader needs to compare timings."""
    import numpy
    import scipy
    import sklearn

    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "blas_threads": BLAS_THREADS,
    }
    for name in ("pyamg", "dask", "distributed"):
        try:
            module = __import__(name)
            info[name] = module.__version__
        except ImportError:
            info[name] = None
    try:
        with open("/proc/meminfo") as f:
            total = next(line for line in f if line.startswith("MemTotal"))
        info["memory_gib"] = round(int(total.split()[1]) / 2**20, 1)
    except (OSError, StopIteration):
        pass
    try:
        info["load_average"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        pass
    return info


def parse_graph_case(text):
    """``"blob:100000"`` -> ``("blob", 100000)``; None when it is not ``NAME:INTEGER``."""
    graph, _, n = text.strip().partition(":")
    return (graph, int(n)) if graph and n.isdigit() else None


def fmt(value, digits=3):
    """A table cell: numbers in short form, None as a dash."""
    if value is None:
        return "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt(v, digits) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 1e4 or abs(value) < 1e-2:
            return f"{value:.{digits - 1}e}"
        return f"{value:.{digits}g}"
    return str(value)


def table(rows, columns):
    """Markdown table from dicts; ``columns`` is a list of (key, header)."""
    head = "| " + " | ".join(h for _, h in columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = ["| " + " | ".join(fmt(row.get(k)) for k, _ in columns) + " |" for row in rows]
    return "\n".join([head, rule, *body])
