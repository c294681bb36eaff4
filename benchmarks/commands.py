"""``python -m benchmarks.commands [--repeats R] [--out DIR]``: how long the commands take.

Times, as a user meets them, the ``spectral-ssl`` commands the README quotes: ``--version``,
``--help``, ``verify``, ``report --quick`` and ``report``, each run as its own process (the entry
point of the installed package, in the current environment) into a fresh temporary folder. For each
command: the smallest wall time of ``R`` runs (the machine may be shared) and the CPU time (user +
system, the children's ``getrusage``) of that run, which a busy machine changes much less than the
wall time. The machine (cores, load average at the start) and the installed versions are written
with the table, so the README can quote the numbers with the command that measured them.

Writes ``commands.md`` and ``commands.json`` into ``--out`` (default ``benchmarks/results``).
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ._util import machine

#: The commands of the README, in the order a newcomer meets them; report commands write into a
#: temporary folder.
COMMANDS = (
    ("spectral-ssl --version", ["--version"], 3),
    ("spectral-ssl --help", ["--help"], 3),
    ("spectral-ssl verify", ["verify"], 1),
    ("spectral-ssl report --quick", ["report", "--quick", "--out", "{tmp}/quick"], 1),
    ("spectral-ssl report", ["report", "--out", "{tmp}/full"], 1),
)


def _entry_point():
    """The installed ``spectral-ssl`` script next to this interpreter, else ``python -m spectral_ssl``."""
    script = Path(sys.executable).with_name("spectral-ssl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "spectral_ssl"]


def time_command(arguments, repeats):
    """Smallest wall time of ``repeats`` runs, the CPU seconds of that run and its exit status."""
    best = None
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            argv = _entry_point() + [a.format(tmp=tmp) for a in arguments]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        row = {"wall_s": wall, "cpu_s": cpu, "exit_code": done.returncode,
               "stderr_tail": done.stderr.strip().splitlines()[-1:] if done.returncode else []}
        if best is None or wall < best["wall_s"]:
            best = row
    return best


def markdown(rows, info):
    lines = ["# How long the commands take", "",
             f"`python -m benchmarks.commands` on {info['machine']['cpus']} cores "
             f"({info['machine']['platform']}, {info['machine']['date']}); load average at the start "
             f"{info['load_average']}. Smallest wall time of the runs and the CPU time (user + system) "
             "of that run.", "",
             "| command | runs | wall (s) | CPU (s) | exit code |", "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| `{row['command']}` | {row['repeats']} | {row['wall_s']:.2f} | {row['cpu_s']:.2f} "
                     f"| {row['exit_code']} |")
    installed = ", ".join(f"{k} {v}" for k, v in info["machine"].items()
                          if k not in ("platform", "cpus", "date", "blas_threads"))
    lines += ["", f"Installed: {installed}. BLAS threads: as the environment sets them.", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.commands", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=None,
                        help="runs per command (default: 3 for --version/--help, 1 for the others)")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    parser.add_argument("--skip-full", action="store_true", help="leave out the full report")
    args = parser.parse_args(argv)
    if shutil.which("spectral-ssl") is None and not Path(sys.executable).with_name("spectral-ssl").exists():
        print("note: no spectral-ssl script on PATH; timing python -m spectral_ssl", file=sys.stderr)
    load = os.getloadavg()
    rows = []
    for name, arguments, repeats in COMMANDS:
        if args.skip_full and name == "spectral-ssl report":
            continue
        repeats = args.repeats or repeats
        row = {"command": name, "repeats": repeats, **time_command(arguments, repeats)}
        print(f"{name:32s} wall {row['wall_s']:7.2f} s  CPU {row['cpu_s']:7.2f} s  exit {row['exit_code']}",
              flush=True)
        rows.append(row)
    info = {"machine": machine(), "load_average": " ".join(f"{x:.1f}" for x in load)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "commands.json").write_text(json.dumps({"info": info, "rows": rows}, indent=2) + "\n")
    (out / "commands.md").write_text(markdown(rows, info))
    print(f"wrote {out / 'commands.md'}")
    return 0 if all(row["exit_code"] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
