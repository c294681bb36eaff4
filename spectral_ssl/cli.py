"""The ``spectral-ssl`` command line.

One small function per subcommand: ``_add_<name>_arguments(parser)`` declares
its options and ``_run_<name>(args) -> exit code`` runs it; :data:`COMMANDS`
lists them, so a new subcommand is one entry there plus those two functions.

Exit codes: 0 success; 2 usage error (bad or missing arguments, from argparse);
1 failure (invalid input the computation refused, a file that cannot be
written, a certificate that failed in ``report`` or ``verify``);
3 (:data:`EXIT_CERTIFICATE_FAILED`) ``solve --certify``: the representation was
written but its certificate failed (a random restart found a lower loss);
130 interrupted.

A mistyped choice (``--method VICReg``, ``--regime Linear``, a command
``slove``) is answered with the closest valid one ("did you mean 'vicreg'?").
"""

import argparse
import sys
import warnings

from . import __version__, _cli_report, _cli_verify
from ._cli_types import braces as _braces
from ._cli_types import choice as _choice
from ._cli_types import finite_float as _finite_float
from ._cli_types import integer as _integer
from ._cli_types import real as _real
from ._solve_output import CERTIFICATE_KEYS, certify_solution, check_outputs, plain, print_summary, \
    save_outputs, show_warnings

PROG = "spectral-ssl"

#: Exit code of ``solve --certify`` when the certificate fails (Z is still written).
EXIT_CERTIFICATE_FAILED = 3


# --------------------------------------------------------------------------- solve

#: Hyper-parameter options of ``solve``: argparse dest -> the method they belong to.
_SOLVE_HYPER = {"variance": "vicreg", "covariance": "vicreg", "invariance": "vicreg",
                "temperature": "simclr", "off_diagonal": "barlow_twins", "centered": "barlow_twins",
                "constraint": "barlow_twins"}
#: Kernel options of ``solve`` (the kernel regime only).
_SOLVE_KERNEL = ("kernel", "bandwidth", "degree", "coef0")


def _option(dest):
    return "--" + dest.replace("_", "-")


def _add_solve_arguments(parser):
    # constants only: importing the methods for their signatures cost --help 0.9 s
    from ._settings_cli import SOLVE_DEFAULTS, SOLVE_KERNELS, SOLVE_METHODS, SOLVE_REGIMES

    def default(method, name):
        return f"{SOLVE_DEFAULTS[method, name]:g}"

    io_group = parser.add_argument_group("input and output")
    io_group.add_argument("--method", required=True, type=_choice(SOLVE_METHODS),
                          metavar=_braces(SOLVE_METHODS),
                          help="the SSL method whose optimum is computed")
    io_group.add_argument("--graph", metavar="FILE", required=True,
                          help="relation graph G of the N samples: .npz (scipy.sparse.save_npz), "
                               ".mtx (Matrix Market), .npy (dense N x N array) or .csv (edge list "
                               "i,j or i,j,weight with 0-based sample indices, each edge once or "
                               "both directions with equal weights)")
    io_group.add_argument("--X", metavar="FILE", dest="X",
                          help="features X (N x D): .npy (2-D array) or .csv (one row per sample, "
                               "optional header line); required by the linear and kernel regimes")
    io_group.add_argument("--n-components", metavar="K", type=_integer(1), required=True,
                          help="dimension K of the representation")
    io_group.add_argument("--regime", type=_choice(SOLVE_REGIMES), metavar=_braces(SOLVE_REGIMES),
                          help="nonparametric: any Z (needs only the graph); linear: Z = XW + b; "
                               "kernel: Z = K_X A + b (default: nonparametric without --X, linear "
                               "with it)")
    io_group.add_argument("--out", metavar="Z.npy", required=True,
                          help="where to save the N x K representation Z (numpy.save; the name "
                               "must end in .npy)")
    io_group.add_argument("--params", metavar="FILE.npz",
                          help="linear and kernel regimes: also save the parameters with "
                               "numpy.savez: W (D x K) and bias (K) for linear, so Z = X @ W + "
                               "bias; A (N x K), bias, X_fit and the kernel's kernel, bandwidth, "
                               "degree, coef0 for kernel, so Z = k(X, X_fit) @ A + bias")
    io_group.add_argument("--force", action="store_true",
                          help="replace --out and --params if they exist (never an input file, a "
                               "symbolic link, a FIFO or a device); without it an existing file is "
                               "refused")
    io_group.add_argument("--json", action="store_true",
                          help="print one JSON object (method, regime, n_samples, n_components, "
                               "loss, rank, exact, exactness, problem, eigenvalues, scales, equivalent, "
                               "hyperparameters, out, params) instead of the summary")

    hyper = parser.add_argument_group(
        "method hyper-parameters", "each applies to one method only; omitted: the default shown")
    hyper.add_argument("--variance", metavar="ALPHA", type=_real(0, inclusive=False),
                       help=f"vicreg: weight alpha > 0 of the variance term "
                            f"(default: {default('vicreg', 'variance')})")
    hyper.add_argument("--covariance", metavar="BETA", type=_real(0, inclusive=True),
                       help=f"vicreg: weight beta >= 0 of the covariance term "
                            f"(default: {default('vicreg', 'covariance')})")
    hyper.add_argument("--invariance", metavar="GAMMA", type=_real(0, inclusive=True),
                       help=f"vicreg: weight gamma >= 0 of the invariance term "
                            f"(default: {default('vicreg', 'invariance')})")
    hyper.add_argument("--temperature", metavar="TAU", type=_real(0, inclusive=False),
                       help=f"simclr: temperature tau > 0 (default: {default('simclr', 'temperature')})")
    hyper.add_argument("--off-diagonal", metavar="LAMBDA", type=_real(0, inclusive=True),
                       help=f"barlow_twins: weight lambda >= 0 of the off-diagonal terms "
                            f"(default: {default('barlow_twins', 'off_diagonal')})")
    hyper.add_argument("--centered", action=argparse.BooleanOptionalAction, default=None,
                       help="barlow_twins: centre the columns inside the loss (batch-normalised "
                            "views, the default); --no-centered: the paper's uncentred form")
    hyper.add_argument("--constraint", choices=("none", "whitened"), default=None,
                       help="barlow_twins: 'none' (default) minimises the loss as written "
                            "numerically (not proven optimal); 'whitened' solves the whitened "
                            "problem exactly (CCA), which is not the optimum of the loss as written")

    kernel = parser.add_argument_group("kernel options", "--regime kernel only")
    kernel.add_argument("--kernel", type=_choice(SOLVE_KERNELS), metavar=_braces(SOLVE_KERNELS),
                        help="kernel k(x, y) (default: rbf)")
    kernel.add_argument("--bandwidth", metavar="SIGMA", type=_real(0, inclusive=False),
                        help="rbf: exp(-|x - y|^2 / (2 SIGMA^2)) (default: the median distance "
                             "between the samples of X)")
    kernel.add_argument("--degree", metavar="P", type=_integer(1),
                        help="polynomial: (x.y + coef0)^P (default: 3)")
    kernel.add_argument("--coef0", metavar="C", type=_finite_float,
                        help="polynomial: the constant C (default: 1)")
    checks = parser.add_argument_group("certificate and progress")
    checks.add_argument("--certify", metavar="R", nargs="?", const=4, type=_integer(1),
                        help="also certify the result: minimise the exact loss from R random starts "
                             "(default R: 4) with L-BFGS-B (spectral_ssl.certify.certify; it solves "
                             "once more). A failed certificate (a start found a lower loss) prints "
                             f"'CERTIFICATE FAILED: ...' first on stderr and exits with code "
                             f"{EXIT_CERTIFICATE_FAILED}; Z is still written")
    loudness = checks.add_mutually_exclusive_group()
    loudness.add_argument("--verbose", dest="verbose", action="store_const", const=True,
                          default=None, help="progress on stderr (SimCLR's starts, the "
                                             "certificate) even when stderr is not a terminal")
    loudness.add_argument("--quiet", dest="verbose", action="store_const", const=False,
                          help="no progress (default: progress only when stderr is a terminal and "
                               "SPECTRAL_SSL_PROGRESS is not 0)")
    parser.set_defaults(solve_parser=parser)


def _run_solve(args):
    import json

    from ._surfacing import certificate_failure, collapse_message
    from ._tables import jsonable
    from .exceptions import CollapseWarning
    from .io import load_features, load_graph
    from .methods import solve

    usage_error = args.solve_parser.error  # exits 2 like argparse's own errors
    method = args.method
    for dest, owner in _SOLVE_HYPER.items():
        if getattr(args, dest) is not None and owner != method:
            takes = [_option(d) for d, o in _SOLVE_HYPER.items() if o == method]
            usage_error(f"argument {_option(dest)}: applies to --method {owner} only; --method "
                        f"{method} takes {', '.join(takes) if takes else 'no hyper-parameter'}")
    regime = args.regime or ("nonparametric" if args.X is None else "linear")
    for dest in _SOLVE_KERNEL:
        if getattr(args, dest) is not None and regime != "kernel":
            usage_error(f"argument {_option(dest)}: applies to --regime kernel only (the regime "
                        f"here is {regime})")
    kernel_name = args.kernel or "rbf"
    for dest, kind in (("bandwidth", "rbf"), ("degree", "polynomial"), ("coef0", "polynomial")):
        if getattr(args, dest) is not None and kernel_name != kind:
            usage_error(f"argument {_option(dest)}: applies to --kernel {kind} only (the kernel "
                        f"here is {kernel_name})")
    if args.params is not None and regime == "nonparametric":
        usage_error("argument --params: the nonparametric regime has no parameters to save (only "
                    "Z); drop --params or use --regime linear or kernel")
    if args.X is None and regime != "nonparametric":
        raise ValueError(f"--regime {regime} needs the features: give --X FILE (.npy or .csv) with "
                         f"one row per sample of the graph.")
    if args.X is not None and regime == "nonparametric":
        raise ValueError("--X is given but --regime nonparametric does not use it; drop --X, or "
                         "use --regime linear or kernel.")
    check_outputs(args)

    X = None if args.X is None else load_features(args.X, argument="--X")
    G = load_graph(args.graph, argument="--graph", n_samples=None if X is None else X.shape[0])
    hyper = {dest: getattr(args, dest) for dest in (*_SOLVE_HYPER, *_SOLVE_KERNEL)
             if getattr(args, dest) is not None}
    if hyper.get("constraint") == "none":  # the solver's default: the loss as written
        del hyper["constraint"]
    # The package's warnings (a collapse, a numerical solve that did not converge) are shown
    # once each as one line on stderr, not as Python's warning display with a source line.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rep = solve(method, G, args.n_components, X=X, regime=regime, verbose=args.verbose, **hyper)
        except ValueError as error:
            isolated = getattr(error, "isolated", None)
            if isolated is not None:  # the solver's advice names Python functions; say it in options
                raise ValueError(
                    f"--graph: {len(isolated)} of its {G.shape[0]} samples have no edge (first: sample "
                    f"{int(isolated[0])}); --method {method} in the nonparametric regime cannot place a "
                    f"sample with no positive pair. List an edge for every sample (0-based, 0 to "
                    f"{G.shape[0] - 1}), or give --X FILE and --regime linear or kernel, which place "
                    f"them through their features.") from None
            if getattr(error, "argument", None) != "n_components":
                raise
            from ._validation import renamed_argument_error  # numpy: imported only when needed
            raise renamed_argument_error(error, "--n-components") from None  # name the option the user typed
        save_outputs(args, rep, regime)
        cert = None
        if args.certify is not None:
            cert = certify_solution(args, G, X, regime, hyper)

    if cert is not None and not cert.passed:
        print(certificate_failure(cert, who=f"{method} ({regime})", what="the saved Z"),
              file=sys.stderr)
    if rep.rank < args.n_components and not any(issubclass(r.category, CollapseWarning)
                                                for r in caught):
        # every solver warns itself; should one not, a collapse is still never silent
        print(f"{PROG} solve: warning: CollapseWarning: "
              + collapse_message(rep, args.n_components, who=f"{method} ({regime})"), file=sys.stderr)
    show_warnings(caught, prefix=f"{PROG} solve")
    if args.json:
        summary = {**rep.summary(), "out": args.out, "params": args.params}
        if cert is not None:
            summary["certificate"] = {key: plain(getattr(cert, key)) for key in CERTIFICATE_KEYS}
        # strict JSON: a non-finite number is null (Python's json writes Infinity, which JSON lacks)
        print(json.dumps(jsonable(summary, non_finite=lambda value: None), allow_nan=False))
    else:
        print_summary(args, rep, method, regime, cert)
    return EXIT_CERTIFICATE_FAILED if cert is not None and not cert.passed else 0


# --------------------------------------------------------------------------- parser and entry point

#: name -> (one-line help, description, add-arguments function, run function)
COMMANDS = {
    "report": _cli_report.COMMAND,
    "verify": _cli_verify.COMMAND,
    "solve": (
        "the optimal representation of one method for your graph (and features), saved as .npy",
        "Read a relation graph G (and features X for the linear and kernel regimes), compute the "
        "optimum of one SSL method with spectral_ssl.solve (closed form where one exists, exact; "
        "numerical otherwise, exact=False), save the N x K representation Z with numpy.save and "
        "print its loss, rank, spectrum and classical equivalent (one JSON object with --json). "
        "A collapse (rank below K) or a numerical solve that did not converge is one warning line "
        "on stderr. With --certify, the result is also certified against random-restart L-BFGS-B. "
        "Exit code 1 if the input is refused or the output cannot be written; "
        f"{EXIT_CERTIFICATE_FAILED} if the certificate fails (Z is written).",
        _add_solve_arguments,
        _run_solve,
    ),
}

from ._cli_diagnose import COMMAND as _DIAGNOSE_COMMAND  # noqa: E402 -- `diagnose` lives in its own module
COMMANDS["diagnose"] = _DIAGNOSE_COMMAND


def build_parser(commands=None):
    """The argument parser with one subparser per entry of :data:`COMMANDS`.

    ``commands``: the commands whose options are declared (default: all). Declaring a
    command's options imports what it needs (the report imports matplotlib and scikit-learn),
    so :func:`main` declares only the command it runs: ``--version`` and ``--help`` stay fast.
    """
    commands = COMMANDS if commands is None else commands
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="spectral_ssl: closed-form optima of self-supervised learning losses "
                    "(VICReg, SimCLR, Barlow Twins, spectral contrastive) as spectral embedding "
                    "methods, certified against numerical minimisation.",
        epilog=f"Run '{PROG} COMMAND --help' for the options of a command. "
               "Exit codes: 0 success, 1 failure, 2 usage error. 'solve --certify' exits "
               f"{EXIT_CERTIFICATE_FAILED} when the certificate fails.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="on failure, show the Python traceback instead of a one-line message")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (summary, description, add_arguments, _) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=summary, description=description)
        if name in commands:
            add_arguments(sub)
    return parser


def main(argv=None):
    """Entry point of the ``spectral-ssl`` console script; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser([word for word in argv if word in COMMANDS][:1])
    words = [word for word in argv if not word.startswith("-")]
    if words and words[0] not in COMMANDS:  # argparse would refuse it: add the closest command
        from ._validation import suggest

        match = suggest(words[0], COMMANDS)
        if match is not None:
            parser.error(f"argument COMMAND: invalid choice: {words[0]!r} (choose from "
                         f"{', '.join(map(repr, COMMANDS))}); did you mean {match!r}?")
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
        from .memory import MemoryBudgetError

        expected = (ValueError, TypeError, OSError, MemoryBudgetError)  # messages that say it all
        kind = "" if isinstance(error, expected) else f"{type(error).__name__}: "
        print(f"{PROG} {args.command}: error: {kind}{error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
