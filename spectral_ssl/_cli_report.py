"""The ``spectral-ssl report`` subcommand: the full report, or the report of your data.

Registered in :data:`spectral_ssl.cli.COMMANDS` as :data:`COMMAND` (one-line help,
description, add-arguments function, run function).
"""

import os
import sys
import warnings

from ._cli_types import braces as _braces
from ._cli_types import choice as _choice
from ._cli_types import integer as _integer
from ._cli_types import real as _real
from ._surfacing import warning_line

PROG = "spectral-ssl"


def add_arguments(parser):
    """Declare the options of ``report``."""
    # the light constants module: importing the report here cost --help 1.9 s
    from ._settings_cli import DEFAULT_INVARIANCE, MIN_SAMPLES_PER_CLASS, QUICK_INVARIANCE, RELATIONS
    from ._settings_cli import REPORT_METHODS as METHODS, USER_DATA_MAX_SAMPLES

    parser.add_argument("--out", metavar="DIR", default="spectral_ssl_report",
                        help="folder for report.html (self-contained: figures embedded), report.md, "
                             "report.csv, report.json and the PNG figures spectra.png, ranks.png, "
                             "simclr_mds.png and claim_*.png (default: %(default)s); an existing "
                             "folder is replaced only when an earlier report wrote it")
    data = parser.add_argument_group(
        "your data", "run the method table, the pairs section and the claims that need only "
                     "labelled features (all but local_vs_global, which keeps its swiss roll) on "
                     "your data instead of digits and the Gaussian mixture; views are Gaussian "
                     "noise (0.1 x each feature's std)")
    data.add_argument("--data", metavar="FILE",
                      help="features: .npy (2-D array, one row per sample) or .csv (one row per "
                           "sample, optional header); with no --labels, a .csv whose header names "
                           "one label column 'label', 'labels', 'target', 'y' or 'class' (any "
                           "case; the other columns are the features); at least 2 classes of at "
                           f"least {MIN_SAMPLES_PER_CLASS} samples each. With --labels, a .csv "
                           "column named like a label column is refused: remove it from the "
                           "features")
    data.add_argument("--labels", metavar="FILE",
                      help="class labels of the --data rows: .npy (1-D array) or .csv/.txt (one "
                           "label per line, optionally after a header line such as 'label' or "
                           "'target')")
    data.add_argument("--n-images", metavar="M", type=_integer(0),
                      help="samples of the method table, a class-stratified subsample (default: "
                           f"all 1797 digits; with --data all rows up to {USER_DATA_MAX_SAMPLES}; "
                           "--quick: 300; 0 = all)")
    parser.add_argument("--no-claims", action="store_true",
                        help="skip the paper's claims (most of the run's time)")
    parser.add_argument("--jobs", metavar="J", type=_integer(1), default=None,
                        help="worker processes for the claims (default: every available core; "
                             "1: no workers)")
    parser.add_argument("--methods", metavar="METHOD", nargs="+", type=_choice(METHODS),
                        default=list(METHODS),
                        help=f"methods to run, among {', '.join(METHODS)} (default: all); the "
                             "SimCLR-vs-MDS section runs with simclr")
    parser.add_argument("--n-components", metavar="K", type=_integer(1), default=16,
                        help="dimension K of the representation (default: %(default)s)")
    parser.add_argument("--invariance", metavar="RATIO", type=_real(0, inclusive=False), nargs="+",
                        help="invariance/variance ratios, with variance = covariance = 1 "
                             f"(default: {' '.join(f'{r:g}' for r in DEFAULT_INVARIANCE)}; "
                             f"--quick: {' '.join(f'{r:g}' for r in QUICK_INVARIANCE)}); a row with the "
                             "reference weights (25, 1, 25) is always added")
    parser.add_argument("--restarts", metavar="R", type=_integer(1),
                        help="random restarts of each certificate, and starts of the SimCLR solver "
                             "(default: 3; --quick: 2)")
    parser.add_argument("--quick", action="store_true",
                        help="small settings for a smoke run (300 images, certificates on 60 "
                             "images with 2 restarts, two ratios, numerical methods on 60 images, a "
                             "swiss roll of 150 points, the claims with claims.run_all's fast "
                             "settings): about 20-30 s")
    parser.add_argument("--seed", metavar="S", type=_integer(0), default=0,
                        help="seed of the split, the subsamples, the views, the swiss roll and the "
                             "certificates (default: %(default)s)")
    parser.add_argument("--relation", type=_choice(RELATIONS), metavar=_braces(RELATIONS),
                        default="views+knn",
                        help="relation graph: 'views' = augmentation pairs only (degenerate for the "
                             "non-parametric regime: every pair-indicator direction has eigenvalue 0), "
                             "'views+knn' = pairs plus a symmetrised kNN graph among the views "
                             "(default: %(default)s)")
    parser.add_argument("--n-neighbors", metavar="k", type=_integer(1), default=10,
                        help="k of the kNN part of the relation (default: %(default)s)")
    parser.add_argument("--kernel-images", metavar="M", type=_integer(0),
                        help="training images for the kernel regime, O(M^3) (default: 600; "
                             "--quick: all; 0 = all)")
    parser.add_argument("--certify-images", metavar="M", type=_integer(0),
                        help="images of the problems the certificates minimise numerically "
                             "(default: 100; --quick: 60; 0 = the full problems, slow)")
    parser.add_argument("--numerical-images", metavar="M", type=_integer(0),
                        help="images of the problems solved numerically: SimCLR, and Barlow Twins "
                             "non-parametric when K exceeds the components of G (default: 200; "
                             "--quick: 60; 0 = all, slow)")
    parser.add_argument("--mds-samples", metavar="M", type=_integer(100),
                        help="points of the swiss roll of the SimCLR-vs-MDS section (default: 300; "
                             "--quick: 150)")
    parser.add_argument("--probe", type=_choice(("logistic", "ridge")), metavar="{logistic,ridge}",
                        default="logistic",
                        help="classifier of the linear probe (default: %(default)s)")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--verbose", action="store_true",
                          help="progress lines on stderr even when it is not a terminal")
    progress.add_argument("--quiet", action="store_true",
                          help="no progress lines on stderr (default: shown when stderr is a "
                               "terminal and SPECTRAL_SSL_PROGRESS is not 0)")
    parser.set_defaults(report_parser=parser)


def run(args):
    """Run ``report``; returns the exit code."""
    from pathlib import Path

    from ._display import print_wrapped as say  # the closing lines within 100 columns too
    from ._files import check_output_folder
    from ._validation import argument_error
    from .experiments.method_table import certificate_summary
    from .report import REPORT_FILES, check_labelled_data, run_report

    if args.labels is not None and args.data is None:
        args.report_parser.error("argument --labels: needs --data FILE, the features the labels "
                                 "belong to")  # exits 2 like argparse's own errors
    # Before anything is computed: a folder holding the user's own files is never replaced,
    # nor one holding an input (an earlier report's report.csv given as --data)
    check_output_folder(args.out, option="--out", allowed=REPORT_FILES)
    for option, name in (("--data", args.data), ("--labels", args.labels)):
        if name is not None and os.path.commonpath(
                [os.path.abspath(name), os.path.abspath(args.out)]) == os.path.abspath(args.out):
            raise argument_error(f"--out: {args.out!r} holds the {option} file {name!r}, which the "
                                 f"new report would replace; write the report elsewhere or move "
                                 f"the input out.", argument="--out")
    data, data_name = None, "data"
    if args.data is not None:
        from .io import load_labelled_data

        # Read and check the file before anything is computed: a bad file fails in a second.
        X, y = load_labelled_data(args.data, args.labels, argument="--data", labels_argument="--labels")
        data, data_name = check_labelled_data(X, y, argument="--data"), Path(args.data).stem
    try:
        shown = ReportWarnings()
        with warnings.catch_warnings():  # restores warnings.showwarning on the way out
            warnings.showwarning = shown  # the progress display hands each warning on after its step line
            report = run_report(
                args.out, n_components=args.n_components, invariance=args.invariance,
                restarts=args.restarts, quick=args.quick, seed=args.seed, relation=args.relation,
                n_neighbors=args.n_neighbors, n_images=args.n_images, kernel_images=args.kernel_images,
                certify_images=args.certify_images, numerical_images=args.numerical_images,
                mds_samples=args.mds_samples, methods=args.methods, probe=args.probe, data=data,
                data_name=data_name, claims=not args.no_claims, n_jobs=args.jobs,
                progress=False if args.quiet else (True if args.verbose else None),
            )
    except ValueError as error:  # the folder changed while the report ran, K too large, ...: name the option
        argument = getattr(error, "argument", None)
        if argument is None or not (argument == "out_dir" or hasattr(args, argument)):
            raise
        option = "--out" if argument == "out_dir" else "--" + argument.replace("_", "-")
        from ._validation import renamed_argument_error  # numpy: imported only when needed
        raise renamed_argument_error(error, option) from None
    except OSError as error:  # no permission, disk full
        raise OSError(f"--out: cannot write the report into {args.out!r} "
                      f"({error.strerror or error}); the folder is left as it was.") from None
    print(report.text())
    print()
    shown.summary()
    say(f"written to {args.out} in {report.elapsed:.1f} s: report.html, report.md, report.csv, "
        f"report.json and {len(report.figures)} figures (PNG)")
    if report.claims or report.claims_not_run:
        supported = sum(result.supported for result in report.claims)
        say(f"claims: {supported} of {len(report.claims)} supported (rules and numbers in "
            f"report.html)" + "".join(f"; {item['name']} not run on {item['dataset']}: "
                                      f"{item['reason']}" for item in report.claims_not_run))
    summary = certificate_summary(report.rows)
    if "numerical" in summary:
        numerical = summary["numerical"]
        say(f"numerical optima (exact=False): {numerical['passed']} of {numerical['count']} not "
            f"beaten by the certificate's restarts")
    if "whitened" in summary:
        whitened = summary["whitened"]
        say(f"Barlow Twins CCA (exact under whitening): the unconstrained loss is lower by up to "
            f"{whitened['largest_relative_gap']:.2g} (relative) in "
            f"{whitened['count'] - whitened['passed']} of {whitened['count']} rows")
    exact = summary.get("exact", {"count": 0, "passed": 0, "failed": []})
    if exact["failed"]:
        cases = "; ".join(f"{row['method']} {row['regime']} ({row['hyperparameters']})"
                          for row in exact["failed"])
        print(f"{PROG} report: error: {len(exact['failed'])} of {exact['count']} certificates of exact "
              f"closed forms failed (a restart found a lower loss than the closed form): {cases}",
              file=sys.stderr)
        return 1
    say(f"certificates: {exact['count']} of {exact['count']} exact closed forms passed")
    return 0


class ReportWarnings:
    """``warnings.showwarning`` while the report runs: the package's warnings as one line each.

    Collapses are counted and said once at the end (:meth:`summary`; the report's rank column
    shows which optimum keeps fewer directions), the package's other warnings are one line
    ``spectral-ssl report: warning: <category>: <message>`` where they occur (after the step
    line that raised them), and any other warning goes to the ``showwarning`` in place before.
    Python's display of each (file, line and source line) made about 40 lines of noise.
    """

    def __init__(self):
        self.outer, self.collapses = warnings.showwarning, 0

    def __call__(self, message, category, filename, lineno, file=None, line=None):
        from .exceptions import CertificateWarning, CollapseWarning, ConvergenceWarning

        if issubclass(category, CollapseWarning):
            self.collapses += 1
        elif issubclass(category, (ConvergenceWarning, CertificateWarning)):
            print(warning_line(f"{PROG} report", category, message), file=sys.stderr)
        else:
            self.outer(message, category, filename, lineno, file, line)

    def summary(self):
        from .exceptions import CollapseWarning

        if self.collapses:
            print(warning_line(f"{PROG} report", CollapseWarning,
                               f"{self.collapses} optima keep fewer directions than asked for (the rank "
                               f"column of report.csv shows which; each is still the optimum of its loss)"),
                  file=sys.stderr)


#: (one-line help, description, add-arguments function, run function)
COMMAND = (
        "the full report: the four methods' optima, certificates, probes and the paper's claims",
        "Compute the optima of VICReg (several invariance/variance ratios and the reference "
        "weights), spectral contrastive, Barlow Twins and SimCLR on scikit-learn's digits, or on "
        "--data (two augmented views per sample), in the non-parametric, linear and kernel regimes "
        "(closed forms where they exist, numerical optima otherwise); certify each against "
        "random-restart L-BFGS; measure a linear probe on held-out samples; compare each optimum's "
        "rank with the number of connected components of its graph (also on the augmentation-pairs "
        "relation alone); compare SimCLR with classical MDS / ISOMAP on a swiss roll; and measure "
        "the paper's five claims (aligned_graph, low_data_regime, misaligned_graph and "
        "rank_collapse on the Gaussian mixture N=256, K=32 and on digits, or on --data; "
        "local_vs_global on a swiss roll), each with its verdict, rule, numbers and figures. Prints "
        "the tables and writes report.html (one self-contained page), report.md, report.csv, "
        "report.json and the figures (PNG) into --out. A claim that is not supported is a finding, "
        "not a failure. Exit code 1 if --data cannot be read or used, or if a certificate of an "
        "exact closed form fails.",
        add_arguments,
        run,
    )
