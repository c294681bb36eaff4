"""What ``spectral-ssl solve`` writes and prints: the files, the summary, warnings, the certificate.

Kept apart from :mod:`spectral_ssl.cli`, which declares and checks the options.
"""

import sys
import warnings


def check_outputs(args):
    """Refuse --out and --params before anything is read or computed (see ``_files``)."""
    from ._files import check_output_file

    inputs = (("--graph", args.graph), ("--X", args.X))
    check_output_file(args.out, option="--out", suffix=".npy", force=args.force, inputs=inputs,
                      others=(("--params", args.params),))
    if args.params is not None:
        check_output_file(args.params, option="--params", suffix=".npz", force=args.force,
                          inputs=inputs)


def save_outputs(args, rep, regime):
    """Write Z and the parameters all or nothing: both are moved into place only once written."""
    import numpy as np

    from ._files import staged_outputs

    paths = [args.out] + ([] if args.params is None else [args.params])
    option = "--out"
    try:
        with staged_outputs(paths, force=args.force) as handles:
            np.save(handles[0], rep.Z)
            if args.params is not None:
                option = "--params"
                if regime == "linear":
                    np.savez(handles[1], W=rep.W, bias=rep.bias)
                else:
                    k = rep.kernel
                    np.savez(handles[1], A=rep.A, bias=rep.bias, X_fit=rep.X_fit,
                             kernel=np.array(k.name), bandwidth=k.bandwidth, degree=k.degree,
                             coef0=k.coef0)
            option = "--out"
    except FileExistsError as error:
        which, path = ("--params", args.params) if error.filename2 == args.params else ("--out", args.out)
        raise OSError(f"{which}: {path!r} was created by someone else while this command ran; "
                      f"nothing was written. Run again, with --force to replace it.") from None
    except OSError as error:
        path = args.out if option == "--out" else args.params
        raise OSError(f"{option}: cannot write {path!r} ({error.strerror or error}); check the "
                      f"folder's permissions and free space.") from None


#: The certificate's fields in ``solve --certify --json`` output.
CERTIFICATE_KEYS = ("passed", "closed_form_loss", "best_numerical_loss", "gap", "relative_gap",
                     "gradient_norm", "restarts", "rtol")


def plain(value):
    return value if isinstance(value, (bool, int, str)) else float(value)


def certify_solution(args, G, X, regime, hyper):
    """The certificate of ``solve``'s result: random-restart L-BFGS-B on the exact loss."""
    from ._progress import status
    from .certify import certify

    with status(f"certifying {args.method} ({regime}) with {args.certify} random starts",
                verbose=args.verbose):
        return certify(args.method, G, args.n_components, X=X, regime=regime,
                       restarts=args.certify, solve_options={"verbose": False}, **hyper)


def show_warnings(caught, *, prefix):
    """Each distinct warning once: the package's as one line after ``prefix``, any other as Python shows it."""
    from ._surfacing import distinct_warnings, warning_line

    for record, ours in distinct_warnings(caught):
        if ours:
            print(warning_line(prefix, record.category, record.message), file=sys.stderr)
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)


def print_summary(args, rep, method, regime, cert):
    from ._display import print_wrapped as say  # within a 100-column terminal, like the report

    N, K = rep.Z.shape
    say(f"{method}, {regime} regime: {N} samples, {K} components; equivalent: {rep.equivalent}")
    say(f"loss {rep.loss:.10g}, rank {rep.rank}, {rep.exactness}")
    if "problem" in rep.details:  # e.g. Barlow Twins' whitened problem: say which one was solved
        say(f"problem: {rep.problem}")
    print("eigenvalues: " + short_list(rep.eigenvalues))
    print("scales:      " + short_list(rep.scales))
    if cert is not None:
        verdict = "passed" if cert.passed else "FAILED"
        print(f"certificate: {verdict}: best of {cert.restarts} random starts "
              f"{cert.best_numerical_loss:.10g}, gap {cert.gap:.3g} (relative {cert.relative_gap:.3g})")
    print(f"Z ({N} x {K}) written to {args.out}"
          + ("" if args.params is None else f"; parameters written to {args.params}"))


def short_list(values, limit=8):
    shown = " ".join(f"{float(v):.6g}" for v in values[:limit])
    return shown + (f" ... ({len(values)} in all)" if len(values) > limit else "")
