"""Pinned numbers of the quick report's method table (``run_report(quick=True, claims=False)``).

``compute_pins()`` returns, for every row whose optimum is a proven closed form (``exact``), its
loss, rank and probe accuracy, keyed by the row's case; ``tests/test_pinned_quick_report.py``
compares them with ``tests/data/pinned_quick_report.json`` (losses at a relative 1e-8, ranks and
accuracies exactly), so that a restructure of the methods or the report cannot move a reported
number unnoticed. Numerical optima (``exact=False``: SimCLR, Barlow Twins' loss as written) are
left out: L-BFGS-B's path depends on round-off, which the number of BLAS threads changes.

When a change of output is intended, regenerate the file from the repository root::

    PYTHONPATH=$PWD python -m tests.pin_quick_report

and say in the commit message which numbers moved and why.
"""

import json
import pathlib
import warnings

PIN_FILE = pathlib.Path(__file__).resolve().parent / "data" / "pinned_quick_report.json"

#: The fields that name a row of the method table (its key in the pin file).
KEY_FIELDS = ("section", "method", "regime", "n_images", "invariance_ratio", "temperature", "off_diagonal", "case")


def compute_pins():
    """``{case: {"loss", "rank", "probe_accuracy"}}`` of the exact rows of the quick method table."""
    from spectral_ssl.report import run_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # collapse warnings are part of the report, not of the pins
        report = run_report(quick=True, claims=False, write=False, progress=False)
    pins = {}
    for row in report.rows:
        if row.get("skipped") or not row.get("exact"):
            continue
        key = " | ".join(str(row.get(field)) for field in KEY_FIELDS)
        if key in pins:
            raise ValueError(f"two exact rows share the case {key!r}; pin them under distinct keys.")
        accuracy = row.get("probe_accuracy")
        pins[key] = {"loss": float(row["loss"]), "rank": int(row["rank"]),
                     "probe_accuracy": None if accuracy is None else float(accuracy)}
    return pins


def main():
    PIN_FILE.write_text(json.dumps(compute_pins(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {PIN_FILE}")


if __name__ == "__main__":
    main()
