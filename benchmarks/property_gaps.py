"""The exactness property sweep of issue #13 outside pytest: the largest certificate gap per method and regime.

Runs ``tests/property_strategies.run_case`` (the same cases and the same independent
multi-start L-BFGS reference as ``tests/test_property_exact.py``) on cases drawn with a
numpy Generator, and writes ``benchmarks/results/property_gaps.{md,json}``: per method and
regime the number of examples, how many were refused (documented ValueError), how many
returned ``exact=True``, the largest relative gap
``(loss - best L-BFGS) / max(|best|, 1e-4 * natural scale)`` with the worst example's
parameters, and the counterexamples (NaN/inf, rank rule, certificate), split into known
classes (``property_strategies.KNOWN_CLASSES``) and new ones.

Usage::

    nice -n 10 python -m benchmarks.property_gaps --examples 1000 [--restarts 1] [--seed 0]
        [--only vicreg:linear ...] [--budget-minutes 60]

``--examples`` is per method, spread evenly over its regimes. With ``--budget-minutes`` the
sweep stops drawing new cases when the time is up (round-robin over the regimes, so every
regime gets its share) and the table says how many examples were run.
"""

import argparse
import json
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import property_strategies as ps  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def _summary(records):
    out = {"examples": len(records), "refused": 0, "exact": 0, "certified": 0, "max_gap": None,
           "max_gap_outside_known": None,
           "worst": None, "counterexamples": 0, "known": defaultdict(int), "new": 0,
           "errors": 0, "rank_mismatches": 0, "non_finite": 0, "seconds": 0.0}
    for case, record, seconds in records:
        out["seconds"] += seconds
        if record.get("error"):
            out["errors"] += 1
            out["counterexamples"] += 1
            out["new"] += 1
            continue
        if record["refused"] is not None and not record.get("counterexample"):
            out["refused"] += 1
            continue
        out["exact"] += bool(record.get("exact"))
        out["non_finite"] += record.get("finite") is False
        out["rank_mismatches"] += record.get("rank_ok") is False
        gap = record.get("gap")
        if gap is not None:
            out["certified"] += 1
            if out["max_gap"] is None or gap > out["max_gap"]:
                out["max_gap"] = gap
                out["worst"] = {"case": case, "loss": record["loss"], "best": record["best"],
                                "scale": record["scale"], "known": record.get("known")}
        if gap is not None and not record.get("known"):
            if out["max_gap_outside_known"] is None or gap > out["max_gap_outside_known"]:
                out["max_gap_outside_known"] = gap
        failing = record.get("counterexample") or record.get("rank_ok") is False \
            or record.get("kernel_error", 0.0) > ps.KERNEL_ATOL
        if failing:
            out["counterexamples"] += 1
            if record.get("known"):
                out["known"][record["known"]] += 1
            else:
                out["new"] += 1
    out["known"] = dict(out["known"])
    return out


def _markdown(summaries, meta, failures):
    lines = ["# Exactness property sweep (issue #13)", "",
             f"{meta['command']}; {meta['date']}; {meta['minutes']:.1f} min; reference: "
             f"{meta['restarts']} random L-BFGS start(s) + the returned optimum + a perturbation of it "
             "(scipy L-BFGS-B on the public loss, maxiter 500); relative gap = "
             "(loss - best) / max(|best|, 1e-4 * natural scale), counterexample above 1e-8 (for "
             "VICReg above 1e-8 plus the float64 rounding floor of the optimum's covariance and "
             "variance terms, property_strategies.rounding_floor).", "",
             "| method | regime | examples | refused | exact=True | certified | largest gap | "
             "largest gap outside known classes | counterexamples | known classes | new | "
             "rank mismatches | NaN/inf | s/example |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (method, regime), s in summaries.items():
        gap = "-" if s["max_gap"] is None else f"{s['max_gap']:.3g}"
        clean = s.get("max_gap_outside_known")
        clean = "-" if clean is None else f"{clean:.3g}"
        known = ", ".join(f"{k}: {v}" for k, v in s["known"].items()) or "-"
        per = s["seconds"] / max(s["examples"], 1)
        lines.append(f"| {method} | {regime} | {s['examples']} | {s['refused']} | {s['exact']} | "
                     f"{s['certified']} | {gap} | {clean} | {s['counterexamples']} | {known} | {s['new']} | "
                     f"{s['rank_mismatches']} | {s['non_finite']} | {per:.2f} |")
    lines += ["", "## Worst example per method and regime", ""]
    for (method, regime), s in summaries.items():
        if s["worst"] is not None:
            lines.append(f"- **{method} / {regime}**: gap {s['max_gap']:.3g} (known class: "
                         f"{s['worst']['known']}), loss {s['worst']['loss']!r}, best "
                         f"{s['worst']['best']!r}; case `{json.dumps(s['worst']['case'])}`")
    lines += ["", "## Known counterexample classes", ""]
    for name, (owner, text) in ps.KNOWN_CLASSES.items():
        lines.append(f"- `{name}` (helper {owner}): {text}")
    if not ps.KNOWN_CLASSES:
        lines.append("None: every former class is fixed (regression tests in tests/test_property_exact.py).")
    if failures:
        lines += ["", "## New (unclassified) counterexamples, first 20", ""]
        for method, regime, case, record in failures[:20]:
            keep = {k: record.get(k) for k in ("loss", "best", "gap", "gap_independent", "rank",
                                                "rank_reference", "finite", "loss_consistent",
                                                "wrong_refusal", "refused", "error")}
            lines.append(f"- {method} / {regime}: `{json.dumps(keep, default=str)}` case "
                         f"`{json.dumps(case)}`")
    return "\n".join(lines) + "\n"


def reclassify(path):
    """Re-run the classifier of known classes on the stored new counterexamples; rewrite the files.

    For classes added after a sweep was started: a counterexample that now matches a known
    class moves from ``new`` to ``known`` in its method/regime's summary.
    """
    path = Path(path)
    payload = json.loads(path.with_suffix(".json").read_text())
    summaries = {(s["method"], s["regime"]): s for s in payload["summaries"]}
    remaining = []
    for item in payload["new_counterexamples"]:
        record = item["record"]
        if not record.get("error"):
            # re-run the case: records of an older sweep may lack fields the classifier uses
            record = ps.run_case(item["case"], restarts=payload["meta"]["restarts"])
        name = None if record.get("error") else record.get("known")
        if name is None:
            remaining.append(item)
            continue
        s = summaries[(item["method"], item["regime"])]
        s["new"] -= 1
        s["known"][name] = s["known"].get(name, 0) + 1
        if s["worst"] is not None and s["worst"]["case"] == item["case"]:
            s["worst"]["known"] = name
    payload["new_counterexamples"] = remaining
    payload["meta"]["reclassified"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    path.with_suffix(".json").write_text(json.dumps(payload, indent=1, default=str))
    failures = [(i["method"], i["regime"], i["case"], i["record"]) for i in remaining]
    for s in summaries.values():
        s.pop("method"), s.pop("regime")
    path.with_suffix(".md").write_text(_markdown(summaries, payload["meta"], failures))
    print(path.with_suffix(".md").read_text())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000, help="per method")
    parser.add_argument("--restarts", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", default=None, help="method:regime pairs")
    parser.add_argument("--budget-minutes", type=float, default=None)
    parser.add_argument("--out", default=str(RESULTS / "property_gaps"))
    parser.add_argument("--reclassify", action="store_true",
                        help="only re-classify the new counterexamples stored in --out.json")
    args = parser.parse_args(argv)
    if args.reclassify:
        reclassify(args.out)
        return 0
    pairs = [(m, r) for m, r in ps.CASES if not args.only or f"{m}:{r}" in args.only]
    regimes_per_method = defaultdict(int)
    for m, _ in pairs:
        regimes_per_method[m] += 1
    target = {(m, r): -(-args.examples // regimes_per_method[m]) for m, r in pairs}
    rngs = {pair: np.random.default_rng([args.seed, i]) for i, pair in enumerate(pairs)}
    records = {pair: [] for pair in pairs}
    failures = []
    start = time.time()
    deadline = None if args.budget_minutes is None else start + 60 * args.budget_minutes
    with threadpool_limits(limits=1):
        while True:
            active = [p for p in pairs if len(records[p]) < target[p]]
            if not active or (deadline is not None and time.time() > deadline):
                break
            for pair in active:
                method, regime = pair
                case = ps.draw_case(method, regime, ps.NumpyDraw(rngs[pair]))
                t0 = time.time()
                try:
                    record = ps.run_case(case, restarts=args.restarts, seed=len(records[pair]))
                except Exception as error:  # an exception is a counterexample (nothing may crash)
                    record = {"error": "".join(traceback.format_exception_only(error)).strip(),
                              "refused": None}
                seconds = time.time() - t0
                records[pair].append((case, record, seconds))
                failing = record.get("error") or record.get("counterexample") \
                    or record.get("rank_ok") is False \
                    or record.get("kernel_error", 0.0) > ps.KERNEL_ATOL
                if failing and not record.get("known"):
                    failures.append((method, regime, case, record))
                    print(f"NEW {method}/{regime}: {json.dumps(record, default=str)[:400]} "
                          f"case {json.dumps(case)}", file=sys.stderr, flush=True)
    summaries = {pair: _summary(records[pair]) for pair in pairs}
    meta = {"command": "python -m benchmarks.property_gaps " + " ".join(argv or sys.argv[1:]),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "minutes": (time.time() - start) / 60, "restarts": args.restarts,
            "examples_per_method_target": args.examples}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    per_method = defaultdict(int)
    for (m, _), s in summaries.items():
        per_method[m] += s["examples"]
    payload = {"meta": meta, "examples_per_method": dict(per_method),
               "summaries": [{"method": m, "regime": r, **s} for (m, r), s in summaries.items()],
               "new_counterexamples": [{"method": m, "regime": r, "case": c, "record": rec}
                                       for m, r, c, rec in failures]}
    out.with_suffix(".json").write_text(json.dumps(payload, indent=1, default=str))
    out.with_suffix(".md").write_text(_markdown(summaries, meta, failures))
    print(out.with_suffix(".md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
