"""Are the claims' verdicts stable? Every claim on three data sets, each with three outer seeds.

Run from the repository root::

    python -m benchmarks.claims_verdicts [--out DIR] [--seeds 0,1,2] [--datasets mixture,digits,wine]
                                         [--claims aligned_graph,...] [--tiny]
    python -m benchmarks.claims_verdicts --merge A.json,B.json [--out DIR]

(or ``python -m benchmarks --only claims``). For every outer seed ``s`` the data
are drawn again with ``s`` (the mixture and the balanced digits subset; wine is
all of scikit-learn's wine, standardised, its rows shuffled with ``s``) and every
claim of :mod:`spectral_ssl.experiments.claims` runs with ``random_state=s``, so
its own inner seeds (splits, relations, optimiser starts) differ too. The local
vs global claim does not use the data: it runs once per outer seed on its own
swiss rolls. A (claim, data set) pair is *stable* when its verdict is the same on
every outer seed.

Results: ``DIR/claims_verdicts.json`` (every verdict, reading and comparison
with its mean, standard error and interval, the failed design checks, the
settings and the time) and ``DIR/claims_verdicts.md`` (tables), both rewritten
after each claim so that a stopped run keeps what it measured. ``--tiny`` is a
smoke run (2 inner seeds, small sizes; seconds per claim): its verdicts mean
nothing.
"""

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

#: The claims' settings in this benchmark (keyword arguments). The report's full settings
#: (``claims.settings()``) except where stated in ``SETTING_NOTES``.
SETTINGS = {
    "aligned_graph": {"n_seeds": 5, "max_seeds": 20, "relations": ("label", "within_class")},
    "low_data_regime": {"n_seeds": 5, "max_seeds": 20},
    "misaligned_graph": {"n_seeds": 5, "max_seeds": 20, "n_components": (0.5, None), "relations": ("sparse_random_split:4",),
                         "n_train": 128},
    "rank_collapse": {"n_seeds": 5, "n_samples": 128, "n_components": 16},
    "local_vs_global": {"n_seeds": 5, "n_samples": 500, "random_starts": 0},
}

#: Where the benchmark departs from the report's full settings, and why.
SETTING_NOTES = {
    "misaligned_graph": "one relation (a random split into 4 groups; the report adds classes merged in pairs) "
                        "and N = 128 training samples (the report: 256) to fit the time budget; K = D/2 and "
                        "K = D as in the report",
    "rank_collapse": "N = 128 samples and K = 16 (the report: 256 and 32) to fit the time budget; "
                     "the statements are exact, so the size changes the cost, not what is tested",
    "local_vs_global": "SimCLR and Barlow Twins from their informed starts only (random_starts=0; the "
                       "report adds one random start) to fit the time budget",
}

#: ``--tiny``: a smoke run of the machinery (verdicts meaningless).
TINY = {
    "aligned_graph": {"n_seeds": 2, "max_seeds": 3, "relations": ("within_class",), "n_train": 60,
                      "n_test_per_class": 20},
    "low_data_regime": {"n_seeds": 2, "max_seeds": 3, "samples_per_class": (4, 8), "n_test_per_class": 20},
    "misaligned_graph": {"n_seeds": 2, "max_seeds": 3, "n_components": (None,), "relations": ("sparse_random_split:4",),
                         "n_train": 60, "n_test_per_class": 20},
    "rank_collapse": {"n_seeds": 2, "n_samples": 48, "n_components": 6},
    "local_vs_global": {"n_seeds": 2, "n_samples": 500, "random_starts": 0},
}

DATASETS = ("mixture", "digits", "wine")
CLAIM_ORDER = ("aligned_graph", "low_data_regime", "misaligned_graph", "local_vs_global", "rank_collapse")
RUN_ORDER = ("aligned_graph", "misaligned_graph", "low_data_regime", "local_vs_global", "rank_collapse")
MANIFOLD = "local_vs_global"


def load(name, seed, tiny=False):
    """``(X, y, description)`` of one data set drawn with ``seed``."""
    from spectral_ssl.experiments import datasets

    if name == "mixture":
        data = datasets.mixture_dataset(512 if tiny else 2048, random_state=seed)
    elif name == "digits":
        data = datasets.digits(60 if tiny else 174, random_state=seed)
    elif name == "wine":
        data = datasets.wine(random_state=seed)
    else:
        raise ValueError(f"unknown data set {name!r}; choose from {DATASETS}.")
    return data.X, data.y, data.description


def _record(result):
    """What the tables need from a ClaimResult (JSON-ready)."""
    readings = []
    for r in result.readings:
        readings.append({"name": r.name, "primary": r.primary, "verdict": r.verdict,
                         "comparisons": [{"label": c.label, "regime": c.regime, "threshold": float(c.threshold),
                                          "verdict": c.verdict, **c.estimate.to_dict()} for c in r.comparisons]})
    return {"verdict": result.verdict, "quick": result.quick, "summary": result.summary,
            "readings": readings, "elapsed_s": float(result.elapsed),
            "failed_design_checks": [d.to_dict() for d in result.design if not d.passed],
            "settings": {k: _json(v) for k, v in result.settings.items()}}


def _json(value):
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value if isinstance(value, (str, int, float, bool, type(None), dict)) else str(value)


def run_one(claim, X, y, seed, settings):
    from spectral_ssl.experiments import claims

    function = getattr(claims, claim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes are in the results (seeds converged)
        if claim == MANIFOLD:
            return function(random_state=seed, **settings)
        return function(X, y, random_state=seed, **settings)


def stability(runs, seeds):
    """Per (claim, data set): verdict per seed, stable or not, and the same per reading."""
    table = []
    for key in sorted({(r["claim"], r["dataset"]) for r in runs},
                      key=lambda k: (CLAIM_ORDER.index(k[0]), DATASETS.index(k[1]) if k[1] in DATASETS else 0)):
        mine = {r["seed"]: r for r in runs if (r["claim"], r["dataset"]) == key}
        verdicts = [mine[s]["verdict"] if s in mine else None for s in seeds]
        done = [v for v in verdicts if v is not None]
        names = [rd["name"] for rd in next(iter(mine.values()))["readings"]]
        reading_verdicts = {n: [next((rd["verdict"] for rd in mine[s]["readings"] if rd["name"] == n), None)
                                if s in mine else None for s in seeds] for n in names}
        table.append({"claim": key[0], "dataset": key[1], "verdicts": verdicts,
                      "complete": len(done) == len(seeds), "stable": len(set(done)) == 1,
                      "readings": {n: {"verdicts": v, "stable": len({x for x in v if x is not None}) <= 1}
                                   for n, v in reading_verdicts.items()}})
    return table


def _interval(c):
    low = "-inf" if c["low"] is None else f"{c['low']:.3f}"
    high = "inf" if c["high"] is None else f"{c['high']:.3f}"
    return f"{c['mean']:+.3f} [{low}, {high}] n={c['n']}"


def markdown(results):
    seeds = results["seeds"]
    out = ["# Claims: are the verdicts stable across seeds?", "",
           f"Every claim of `spectral_ssl.experiments.claims` on {', '.join(results['datasets'])} (the local "
           f"vs global claim on its own swiss rolls), for outer seeds {seeds}: the data are drawn again and "
           "every claim runs with `random_state` = the outer seed, so its inner seeds differ as well. A "
           "(claim, data set) pair is *stable* when its verdict is the same for every outer seed. Intervals: "
           "95 % Student-t over the claim's inner seeds (paired differences where two methods are compared). "
           "`not applicable`: a comparison of two methods whose representations span the same space on every "
           "inner seed (a tie by construction), left out of the verdict; `void`, for a claim or reading: no regime "
           "or comparison passed the design checks; for a comparison: its regime failed a design check, or one "
           "of its optima stopped short of stationarity with directions still collapsing on some inner seed "
           "(its span, hence the probe's accuracy, set by where the optimiser stopped), left out of the "
           "verdict.", ""]
    if results.get("tiny"):
        out += ["**Tiny smoke run: the verdicts below mean nothing.**", ""]
    if results.get("note"):
        out += [results["note"], ""]
    out += [f"Machine: {results['machine']}; started {results['started']}, "
            f"{'finished ' + results['finished'] if results.get('finished') else 'NOT FINISHED (partial results)'}"
            f"; {results['cpu_s'] / 60:.1f} CPU minutes (one BLAS thread), {results['elapsed_s'] / 60:.1f} "
            "minutes of wall time on a shared machine.", "", "Settings (keyword arguments; everything else at the "
            "claim's defaults):", ""]
    for claim in CLAIM_ORDER:
        if claim in results["settings"]:
            note = results["setting_notes"].get(claim)
            out.append(f"- `{claim}`: `{results['settings'][claim]}`" + (f" ({note})" if note else ""))
    out += ["", "## Verdict per outer seed", "",
            "| claim | data set | " + " | ".join(f"seed {s}" for s in seeds) + " | stable | CPU minutes |",
            "|---|---|" + "---|" * len(seeds) + "---|---|"]
    for row in results["stability"]:
        minutes = sum(r["cpu_s"] for r in results["runs"]
                      if (r["claim"], r["dataset"]) == (row["claim"], row["dataset"])) / 60
        stable = ("yes" if row["stable"] else "**no**") if row["complete"] else "incomplete"
        out.append(f"| {row['claim']} | {row['dataset']} | "
                   + " | ".join(v or "-" for v in row["verdicts"]) + f" | {stable} | {minutes:.1f} |")
    n_stable = sum(r["stable"] and r["complete"] for r in results["stability"])
    out += ["", f"{n_stable} of {len(results['stability'])} (claim, data set) pairs stable.", "",
            "## Readings and the intervals behind them", ""]
    for row in results["stability"]:
        out += [f"### {row['claim']} on {row['dataset']}", ""]
        for name, entry in row["readings"].items():
            out.append(f"- {name}: {' / '.join(v or '-' for v in entry['verdicts'])}"
                       + ("" if entry["stable"] else " (**unstable**)"))
        out += ["", "Every comparison of the primary readings (once, with the readings that use it), per seed:", "",
                "| seed | regime | compared | threshold | mean [95% interval] | verdict | readings |",
                "|---|---|---|---|---|---|---|"]
        refused = []
        for seed in seeds:
            run = next((r for r in results["runs"] if (r["claim"], r["dataset"], r["seed"])
                        == (row["claim"], row["dataset"], seed)), None)
            if run is None:
                continue
            unique = {}
            for i, reading in enumerate(r for r in run["readings"] if r["primary"]):
                for c in reading["comparisons"]:
                    unique.setdefault((c["regime"], c["label"]), (c, []))[1].append(str(i + 1))
            for (regime, label), (c, used) in unique.items():
                out.append(f"| {seed} | {regime} | {label} | {c['threshold']:g} | {_interval(c)} | "
                           f"{c['verdict']} | {', '.join(used)} |")
            refused += [(seed, d) for d in run["failed_design_checks"]]
        primary = [r["name"] for r in next(r for r in results["runs"] if (r["claim"], r["dataset"])
                                             == (row["claim"], row["dataset"]))["readings"] if r["primary"]]
        out += ["", "Readings: " + "; ".join(f"{i + 1} = {n}" for i, n in enumerate(primary)) + "."]
        if refused:
            out += ["", "Design checks that refused a regime or a comparison:", ""]
            out += [f"- seed {seed}, {d['regime'] or 'claim'}: {d['name']}: {d['message'].split(' (for example')[0]}"
                    for seed, d in refused]
        out.append("")
    return "\n".join(out) + "\n"


def merge(paths, out, note=""):
    """Write ``out/claims_verdicts.{json,md}`` with the runs of the result files ``paths`` (the seeds of the
    first; the others may rerun some of them).

    A (claim, data set, seed) run in a later file replaces the same run of an earlier one (a claim
    rerun after a change replaces its old runs; claims run in parallel on separate data sets add up);
    the data sets are the union; CPU time is added up over the runs kept, wall time over the files
    that contributed a run; the earliest start and the latest finish.
    """
    parts = []
    for path in paths:
        with open(path) as f:
            parts.append(json.load(f))
    results = dict(parts[0])
    if any(not set(p["seeds"]) <= set(results["seeds"]) for p in parts):
        raise ValueError("the seeds of every result file must be among those of the first")
    kept = {}
    for index, p in enumerate(parts):
        for r in p["runs"]:
            kept[(r["claim"], r["dataset"], r["seed"])] = (index, r)
    contributing = sorted({index for index, _ in kept.values()})
    parts = [parts[i] for i in contributing]
    results["runs"] = [r for _, r in kept.values()]
    datasets = {d for p in parts for d in p["datasets"]}
    results["datasets"] = [d for d in DATASETS if d in datasets] + sorted(datasets - set(DATASETS))
    results["settings"] = {c: s for p in parts for c, s in p["settings"].items()}
    results["setting_notes"] = {c: n for p in parts for c, n in p["setting_notes"].items()}
    results["started"] = min(p["started"] for p in parts)
    results["finished"] = (None if any(p["finished"] is None for p in parts)
                           else max(p["finished"] for p in parts))
    results["cpu_s"] = sum(r["cpu_s"] for r in results["runs"])
    results["elapsed_s"] = sum(p["elapsed_s"] for p in parts)
    results["machine"] = " / ".join(dict.fromkeys(p["machine"] for p in parts)) + (
        f" ({len(parts)} processes in parallel, times added up)" if len(parts) > 1 else "")
    results["note"] = note
    results["stability"] = stability(results["runs"], results["seeds"])
    os.makedirs(out, exist_ok=True)
    stem = os.path.join(out, "claims_verdicts")
    with open(stem + ".json", "w") as f:
        json.dump(results, f, indent=1)
    with open(stem + ".md", "w") as f:
        f.write(markdown(results))
    print(stem + ".md")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.claims_verdicts",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--claims", default=",".join(CLAIM_ORDER))
    parser.add_argument("--tiny", action="store_true", help="smoke run: small sizes, 2 inner seeds")
    parser.add_argument("--render", metavar="JSON", help="only rewrite the .md beside JSON from its results")
    parser.add_argument("--merge", metavar="JSON,JSON",
                        help="combine the runs of several result files (e.g. claims run in parallel) into --out")
    parser.add_argument("--note", default="", help="with --merge: a paragraph printed above the tables")
    args = parser.parse_args(argv)
    if args.merge:
        return merge(args.merge.split(","), args.out, note=args.note)
    if args.render:
        with open(args.render) as f:
            results = json.load(f)
        results["stability"] = stability(results["runs"], results["seeds"])
        with open(os.path.splitext(args.render)[0] + ".md", "w") as f:
            f.write(markdown(results))
        return 0
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    names = [d.strip() for d in args.datasets.split(",") if d.strip()]
    chosen = [c.strip() for c in args.claims.split(",") if c.strip()]
    unknown = sorted(set(chosen) - set(CLAIM_ORDER)) + sorted(set(names) - set(DATASETS))
    if unknown:
        parser.error(f"unknown claim(s) or data set(s): {unknown}")
    settings = TINY if args.tiny else SETTINGS
    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, "claims_verdicts_tiny" if args.tiny else "claims_verdicts")
    from ._util import machine

    m = machine()
    results = {"seeds": seeds, "datasets": names, "tiny": bool(args.tiny),
               "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "finished": None, "machine": f"{m.get('cpus')} cores, Python {m.get('python')}, "
                                            f"numpy {m.get('numpy')}, scipy {m.get('scipy')}, "
                                            f"scikit-learn {m.get('scikit-learn')}, load average "
                                            f"{m.get('load_average')} at start",
               "settings": {c: {k: _json(v) for k, v in settings[c].items()} for c in CLAIM_ORDER if c in chosen},
               "setting_notes": {} if args.tiny else SETTING_NOTES, "elapsed_s": 0.0, "cpu_s": 0.0, "runs": [],
               "stability": []}

    def write():
        results["stability"] = stability(results["runs"], seeds)
        with open(stem + ".json", "w") as f:
            json.dump(results, f, indent=1)
        with open(stem + ".md", "w") as f:
            f.write(markdown(results))

    # Pair by pair, all seeds of a pair before the next pair, the two redesigned claims first and
    # the costly manifold claim last: a run stopped early leaves complete pairs.
    for claim in (c for c in RUN_ORDER if c in chosen):
        for name in ([None] if claim == MANIFOLD else names):
            for seed in seeds:
                X, y, _ = load(name, seed, args.tiny) if name else (None, None, None)
                label = "swiss roll" if name is None else name
                print(f"[{time.strftime('%H:%M:%S')}] seed {seed}: {claim} on {label}", file=sys.stderr, flush=True)
                cpu = time.process_time()
                result = run_one(claim, X, y, seed, settings[claim])
                cpu = time.process_time() - cpu
                results["runs"].append({"claim": claim, "dataset": label, "seed": seed, "cpu_s": cpu,
                                        **_record(result)})
                results["elapsed_s"] += float(result.elapsed)
                results["cpu_s"] += cpu
                write()
    results["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    write()
    print(stem + ".md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
