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


# --------------------------------------------------------------------------- verify


def _add_verify_arguments(parser):
    parser.add_argument("--restarts", type=_integer(1), default=4,
                        help="random starts of each numerical certificate (default 4)")
    parser.add_argument("--skip-symbolic", action="store_true",
                        help="run only the numerical certificates")


def _numerical_checks():
    """(name, method, G, K, X, regime, hyper) of one fast certificate per exact closed form."""
    import numpy as np

    from . import graphs

    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 5))
    knn = graphs.knn(X, 6)
    cliques = graphs.from_groups(np.repeat(np.arange(4), 10))
    vicreg_square = {"variance": 1.0, "covariance": 1.0, "invariance": 0.05}
    vicreg_reference = {"variance": 25.0, "covariance": 1.0, "invariance": 1.0}
    return [
        ("certificate: vicreg nonparametric (covariance >= variance)", "vicreg", knn, 4, None, None, vicreg_square),
        ("certificate: vicreg nonparametric (water-filling, 25/1/1)", "vicreg", knn, 4, None, None, vicreg_reference),
        ("certificate: vicreg linear", "vicreg", knn, 3, X, "linear", vicreg_square),
        ("certificate: vicreg kernel (rbf)", "vicreg", knn, 3, X, "kernel", vicreg_square),
        ("certificate: spectral_contrastive nonparametric", "spectral_contrastive", knn, 4, None, None, {}),
        ("certificate: spectral_contrastive linear", "spectral_contrastive", knn, 3, X, "linear", {}),
        ("certificate: simclr simplex (4 equal cliques)", "simclr", cliques, 3, None, None, {"temperature": 0.5}),
        ("certificate: barlow_twins components (4 cliques)", "barlow_twins", cliques, 3, None, None, {}),
    ]


def _run_verify(args):
    import time

    results = []
    if not args.skip_symbolic:
        from .symbolic import run_all

        for check in run_all():
            results.append((f"derivation: {check.name}", check.passed, check.seconds, check.message))
            _print_check(results[-1])
    from .certify import certify

    for name, method, G, K, X, regime, hyper in _numerical_checks():
        started = time.perf_counter()
        cert = certify(method, G, K, X=X, regime=regime, restarts=args.restarts, **hyper)
        ok = cert.passed and cert.exact
        message = f"closed form {cert.closed_form_loss:.10g}, best of {cert.restarts} restarts " \
                  f"{cert.best_numerical_loss:.10g}, relative gap {cert.relative_gap:.1e}"
        results.append((name, ok, time.perf_counter() - started, message))
        _print_check(results[-1])
    failed = [r for r in results if not r[1]]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def _print_check(result):
    name, ok, seconds, message = result
    print(f"{'verified' if ok else 'FAILED  '}  {seconds:6.2f} s  {name}: {message}", flush=True)


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
    "verify": (
        "run every symbolic derivation and a fast numerical certificate of each closed form",
        "Check each derivation of spectral_ssl.symbolic with sympy (every step: identities, "
        "stationarity and KKT conditions, second-order conditions) and certify one closed form per "
        "method and regime against random-restart L-BFGS on the exact loss. Prints one line per "
        "check (verified or FAILED, seconds, name, detail). Exit code 1 if any check fails.",
        _add_verify_arguments,
        _run_verify,
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
