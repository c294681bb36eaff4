"""The ``spectral-ssl`` command line.

One small function per subcommand: ``_add_<name>_arguments(parser)`` declares
its options and ``_run_<name>(args) -> exit code`` runs it; :data:`COMMANDS`
lists them, so a new subcommand is one entry there plus those two functions.

Exit codes: 0 success; 2 usage error (bad or missing arguments, from argparse);
1 failure (invalid input the computation refused, a file that cannot be
written, a certificate that failed); 130 interrupted.
"""

import argparse
import sys

from . import __version__

PROG = "spectral-ssl"


# --------------------------------------------------------------------------- argument types


def _integer(low):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}, got {text!r}")
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


# --------------------------------------------------------------------------- report


def _add_report_arguments(parser):
    from .report import DEFAULT_INVARIANCE, METHODS, QUICK_INVARIANCE, RELATIONS

    parser.add_argument("--out", metavar="DIR", default="spectral_ssl_report",
                        help="folder for report.md, report.csv, report.json and the figures "
                             "spectra.png, ranks.png, simclr_mds.png (default: %(default)s)")
    parser.add_argument("--methods", metavar="METHOD", nargs="+", choices=METHODS,
                        default=list(METHODS),
                        help=f"methods to run, among {', '.join(METHODS)} (default: all); the "
                             "SimCLR-vs-MDS section runs with simclr")
    parser.add_argument("--n-components", metavar="K", type=_integer(1), default=16,
                        help="dimension K of the representation (default: %(default)s)")
    parser.add_argument("--invariance", metavar="RATIO", type=_positive_float, nargs="+",
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
                             "swiss roll of 150 points): about 10-20 s")
    parser.add_argument("--seed", metavar="S", type=_integer(0), default=0,
                        help="seed of the split, the subsamples, the views, the swiss roll and the "
                             "certificates (default: %(default)s)")
    parser.add_argument("--relation", choices=RELATIONS, default="views+knn",
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
    parser.add_argument("--probe", choices=("logistic", "ridge"), default="logistic",
                        help="classifier of the linear probe (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _run_report(args):
    from .report import run_report

    report = run_report(
        args.out, n_components=args.n_components, invariance=args.invariance,
        restarts=args.restarts, quick=args.quick, seed=args.seed, relation=args.relation,
        n_neighbors=args.n_neighbors, kernel_images=args.kernel_images,
        certify_images=args.certify_images, numerical_images=args.numerical_images,
        mds_samples=args.mds_samples, methods=args.methods, probe=args.probe,
        progress=None if args.quiet else sys.stderr,
    )
    print(report.text())
    print(f"\nwritten to {args.out} in {report.elapsed:.1f} s: "
          + ", ".join(sorted(p.rsplit('/', 1)[-1] for p in report.files.values())))
    certified = [row for row in report.rows if row.get("cert_passed") is not None]
    numerical = [row for row in certified if row["solution"] == "numerical"]
    if numerical:
        beaten = sum(not row["cert_passed"] for row in numerical)
        print(f"numerical optima (exact=False): {len(numerical) - beaten} of {len(numerical)} not "
              f"beaten by the certificate's restarts")
    whitened = [row for row in certified if row["solution"] == "whitened"]
    if whitened:
        print(f"Barlow Twins CCA (exact under whitening): the unconstrained loss is lower by up to "
              f"{max(row['cert_relative_gap'] for row in whitened):.2g} (relative) in "
              f"{sum(not row['cert_passed'] for row in whitened)} of {len(whitened)} rows")
    exact = [row for row in certified if row["solution"] == "exact"]
    failed = [row for row in exact if not row["cert_passed"]]
    if failed:
        cases = "; ".join(f"{row['method']} {row['regime']} ({row['hyperparameters']})"
                          for row in failed)
        print(f"{PROG} report: error: {len(failed)} of {len(exact)} certificates of exact closed "
              f"forms failed (a restart found a lower loss than the closed form): {cases}",
              file=sys.stderr)
        return 1
    print(f"certificates: {len(exact)} of {len(exact)} exact closed forms passed")
    return 0


# --------------------------------------------------------------------------- parser and entry point

#: name -> (one-line help, description, add-arguments function, run function)
COMMANDS = {
    "report": (
        "the four methods' optima on digits in three regimes: table, certificates, probe, figures",
        "Compute the optima of VICReg (several invariance/variance ratios and the reference "
        "weights), spectral contrastive, Barlow Twins and SimCLR on scikit-learn's digits (two "
        "augmented views per image) in the non-parametric, linear and kernel regimes (closed forms "
        "where they exist, numerical optima otherwise); certify each against random-restart L-BFGS; "
        "measure a linear probe on held-out images; compare each optimum's rank with the number of "
        "connected components of its graph (also on the augmentation-pairs relation alone); compare "
        "SimCLR with classical MDS / ISOMAP on a swiss roll. Prints the tables and writes them "
        "(Markdown, CSV, JSON) with figures (PNG) into --out. Exit code 1 if a certificate of an "
        "exact closed form fails.",
        _add_report_arguments,
        _run_report,
    ),
}


def build_parser():
    """The argument parser with one subparser per entry of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="spectral_ssl: closed-form optima of self-supervised learning losses "
                    "(VICReg, SimCLR, Barlow Twins, spectral contrastive) as spectral embedding "
                    "methods, certified against numerical minimisation.",
        epilog=f"Run '{PROG} COMMAND --help' for the options of a command. "
               "Exit codes: 0 success, 1 failure, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="on failure, show the Python traceback instead of a one-line message")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (summary, description, add_arguments, _) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=summary, description=description)
        add_arguments(sub)
    return parser


def main(argv=None):
    """Entry point of the ``spectral-ssl`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors exit with code 2 here
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: error: a command is required (one of: {', '.join(COMMANDS)})",
              file=sys.stderr)
        return 2
    run = COMMANDS[args.command][3]
    try:
        return run(args)
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 -- one clear line instead of a traceback
        if args.debug:
            raise
        kind = "" if isinstance(error, (ValueError, TypeError, OSError)) else f"{type(error).__name__}: "
        print(f"{PROG} {args.command}: error: {kind}{error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
