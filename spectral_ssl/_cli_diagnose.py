"""The ``spectral-ssl diagnose`` subcommand: trained embeddings against the optimum of their loss.

Registered in :data:`spectral_ssl.cli.COMMANDS` as :data:`COMMAND` (one-line help,
description, add-arguments function, run function).
"""

from ._cli_types import braces as _braces
from ._cli_types import choice as _choice
from ._cli_types import integer as _integer

#: Methods and libraries (the names of :mod:`spectral_ssl.practice`; kept here so that
#: ``--help`` does not import the solvers).
_METHODS = ("vicreg", "barlow_twins", "nt_xent")
_LIBRARIES = ("lightly", "official", "solo")

#: The arguments of ``practice.diagnose`` and the options that give them.
_OPTIONS = {"Z_a": "--view-a", "Z_b": "--view-b", "X_a": "--X-a", "X_b": "--X-b", "restarts": "--restarts"}


def _parameter(text):
    """``NAME=VALUE`` of one library constructor keyword (VALUE a float)."""
    import argparse

    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE (e.g. lambda_param=25), got {text!r}")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the value of {name.strip()} must be a number, got {value!r}") from None


def add_arguments(parser):
    """Declare the options of ``diagnose``."""
    parser.add_argument("--view-a", required=True, metavar="ZA.npy",
                        help="trained embeddings of the first view (N x K, .npy or .csv)")
    parser.add_argument("--view-b", required=True, metavar="ZB.npy",
                        help="trained embeddings of the second view; row i of each is sample i")
    parser.add_argument("--method", required=True, type=_choice(_METHODS), metavar=_braces(_METHODS), help="the loss the encoder was trained with")
    parser.add_argument("--library", default="lightly", type=_choice(_LIBRARIES), metavar=_braces(_LIBRARIES),
                        help="whose implementation and defaults (default: lightly 1.6.0)")
    parser.add_argument("--X-a", dest="X_a", metavar="XA.npy", default=None,
                        help="the encoder's inputs for the first view: the optimum is then the best linear "
                             "encoder (without them: the best free embeddings)")
    parser.add_argument("--X-b", dest="X_b", metavar="XB.npy", default=None,
                        help="the encoder's inputs for the second view (with --X-a)")
    parser.add_argument("--param", action="append", type=_parameter, default=[], metavar="NAME=VALUE",
                        help="a constructor keyword of the library's loss, e.g. --param lambda_param=25 "
                             "(repeat for several)")
    parser.add_argument("--restarts", metavar="R", type=_integer(0), default=None,
                        help="random starts of the optimum's numerical solve besides its informed start (0: "
                             "that start only; default: per method)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.set_defaults(diagnose_parser=parser)


def _library_constants(method, library, params):
    """Refuse a ``--param`` that is not a constructor keyword of the library's loss, or a bad value."""
    from .practice import LIBRARY_DEFAULTS, resolve

    keywords = LIBRARY_DEFAULTS[(method, library)]
    unknown = [name for name in params if name not in keywords]
    if unknown:
        hints = [f"{_OPTIONS[name]} gives {name}" for name in unknown if name in _OPTIONS]
        raise TypeError(
            f"--param: {', '.join(map(repr, unknown))} is not a constructor keyword of --method {method} "
            f"--library {library}; its keywords are: {', '.join(keywords)}"
            + (f" ({'; '.join(hints)})." if hints else "."))
    try:
        resolve(method, library, params)
    except ValueError as error:
        raise ValueError(f"--param: {error}") from None


def _same_shape(A, B, options):
    if A.shape[0] < 2:
        raise ValueError(f"{options[0]} needs at least 2 samples (rows), got {A.shape[0]}.")
    if A.shape != B.shape:
        raise ValueError(f"{options[0]} and {options[1]} must have the same shape (row i of each is a view "
                         f"of sample i), got {A.shape} and {B.shape}.")


def run(args):
    """Run ``diagnose``; returns the exit code."""
    import json

    from ._tables import jsonable
    from .io import load_features
    from .practice import diagnose

    if (args.X_a is None) != (args.X_b is None):
        args.diagnose_parser.error("arguments --X-a and --X-b: give both (the inputs of each view) or neither")
    Z_a = load_features(args.view_a, argument="--view-a")
    Z_b = load_features(args.view_b, argument="--view-b")
    _same_shape(Z_a, Z_b, ("--view-a", "--view-b"))
    features = {}
    if args.X_a is not None:
        features = {"X_a": load_features(args.X_a, argument="--X-a"),
                    "X_b": load_features(args.X_b, argument="--X-b")}
        _same_shape(features["X_a"], features["X_b"], ("--X-a", "--X-b"))
        if features["X_a"].shape[0] != Z_a.shape[0]:
            raise ValueError(f"--X-a has {features['X_a'].shape[0]} rows but --view-a has {Z_a.shape[0]}; "
                             f"row i of each must be sample i.")
    params = dict(args.param)
    _library_constants(args.method, args.library, params)
    try:
        result = diagnose(Z_a, Z_b, method=args.method, library=args.library, restarts=args.restarts,
                          **features, **params)
    except ValueError as error:
        argument = getattr(error, "argument", None)
        # a constructor keyword refused by the solver (temperature=1e-300) came from --param
        option = "--param" if argument in params else _OPTIONS.get(argument)
        if option is None:
            raise
        from ._validation import renamed_argument_error  # numpy: imported only when needed
        raise renamed_argument_error(error, option) from None  # name the option the user typed
    if args.json:
        print(json.dumps(jsonable(result.to_dict(), non_finite=lambda value: None), allow_nan=False))
    else:
        print(repr(result))
    return 0


COMMAND = (
    "score trained embeddings against the optimum of the library loss they were trained with",
    "Read the trained embeddings of the two views (--view-a, --view-b: N x K each, row i of both is "
    "sample i) and compute, for the library's own loss (--method, --library, --param NAME=VALUE for "
    "the constructor keywords): its value, the optimum's value (the best linear encoder when --X-a "
    "and --X-b give the inputs, else the best free embeddings on the pairing graph), the gap, the "
    "largest principal angle between the trained and optimal spans, the numerical and predicted "
    "rank, the per-direction std and RankMe in three conventions. Prints a table (one JSON object "
    "with --json). Exit code 1 if an input is refused.",
    add_arguments,
    run,
)
