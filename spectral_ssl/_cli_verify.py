"""The ``spectral-ssl verify`` subcommand: every symbolic derivation and one certificate per closed form.

Registered in :data:`spectral_ssl.cli.COMMANDS` as :data:`COMMAND` (one-line help,
description, add-arguments function, run function).
"""

import sys
import warnings

from ._cli_types import integer as _integer


def add_arguments(parser):
    """Declare the options of ``verify``."""
    parser.add_argument("--restarts", type=_integer(1), default=4,
                        help="random starts of each numerical certificate (default 4)")
    parser.add_argument("--skip-symbolic", action="store_true",
                        help="run only the numerical certificates")


def numerical_checks():
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


def run(args):
    """Run ``verify``; returns the exit code."""
    import time

    results = []
    if not args.skip_symbolic:
        from .symbolic import run_all

        for check in run_all():
            results.append((f"derivation: {check.name}", check.passed, check.seconds, check.message))
            print_check(results[-1])
    from ._solve_output import show_warnings
    from .certify import certify

    for name, method, G, K, X, regime, hyper in numerical_checks():
        started = time.perf_counter()
        # the package's warnings (a collapse the check is about) as one line each, not Python's display
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cert = certify(method, G, K, X=X, regime=regime, restarts=args.restarts, **hyper)
        show_warnings(caught, prefix=f"spectral-ssl verify: {name}")
        ok = cert.passed and cert.exact
        message = f"closed form {cert.closed_form_loss:.10g}, best of {cert.restarts} restarts " \
                  f"{cert.best_numerical_loss:.10g}, relative gap {cert.relative_gap:.1e}"
        results.append((name, ok, time.perf_counter() - started, message))
        print_check(results[-1])
    failed = [r for r in results if not r[1]]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def print_check(result):
    """One entry per check: verified or FAILED, seconds, name and message (wrapped to 100 columns,
    continuation lines indented)."""
    from ._display import print_wrapped

    name, ok, seconds, message = result
    print_wrapped(f"{'verified' if ok else 'FAILED  '}  {seconds:6.2f} s  {name}: {message}")
    sys.stdout.flush()  # one check at a time, as it finishes


#: (one-line help, description, add-arguments function, run function)
COMMAND = (
        "run every symbolic derivation and a fast numerical certificate of each closed form",
        "Check each derivation of spectral_ssl.symbolic with sympy (every step: identities, "
        "stationarity and KKT conditions, second-order conditions) and certify one closed form per "
        "method and regime against random-restart L-BFGS on the exact loss. Prints one line per "
        "check (verified or FAILED, seconds, name, detail). Exit code 1 if any check fails.",
        add_arguments,
        run,
    )
