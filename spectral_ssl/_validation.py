"""Argument checks shared by the public functions.

Every check raises a ``TypeError`` (wrong kind of object) or a ``ValueError``
(right kind, wrong value) whose message names the argument and says how to fix
it. A ``ValueError`` made by :func:`argument_error` (the counts' range errors, refused
output folders) also carries the argument's name in ``error.argument``, so that a front
end can name the option the user typed without reading the message. Nothing here densifies a sparse matrix, truncates, or silently repairs input.
"""

import difflib
import numbers

import numpy as np
import scipy.sparse as sp

# Relative tolerance for the symmetry check: float64 round-off of the usual
# constructions ((A + A.T) / 2, kernels) stays far below it.
SYMMETRY_RTOL = 1e-10


#: Largest total weight of a graph: its degrees and volume must be finite floats (the
#: solvers then work with G / vol, finite for any scale below this).
LARGEST_VOLUME = float(np.finfo(np.float64).max)


def check_graph(G, *, name="G"):
    r"""Validate a relation graph and return it as CSR float64.

    A sparse ``G`` of any scipy format has its index arrays checked (in range,
    ``indptr`` non-decreasing, consistent lengths) before any compiled code
    reads them; duplicate entries are summed. Dense input must be real numbers.
    The memory the conversion needs is checked against :mod:`spectral_ssl.memory`.

    Parameters
    ----------
    G : array_like or scipy.sparse matrix, shape (n_samples, n_samples)
        Symmetric, non-negative, finite, zero diagonal, at least one edge.
        Symmetric means :math:`|G_{ij} - G_{ji}| \le 10^{-10}\max(G_{ij}, G_{ji})`
        for every pair: a one-way edge is refused whatever its weight. A graph symmetric
        only within that tolerance is returned as :math:`(G + G^\top)/2` (exactly
        symmetric; the losses and the solvers all use that graph).
    name : str
        The argument name used in error messages.

    Returns
    -------
    G : scipy.sparse.csr_matrix of float64
        A new matrix with explicit zeros removed; dense input becomes sparse.
    """
    from ._graph_input import check_symmetric, dense_to_csr, sparse_to_csr
    from ._relations import LabelRelation, implicit_refusal

    if isinstance(G, LabelRelation):  # never densified silently: the caller chooses to_sparse()
        raise TypeError(implicit_refusal(name))
    out = sparse_to_csr(G, name) if sp.issparse(G) else dense_to_csr(G, name)
    n_rows, n_cols = out.shape
    if n_rows != n_cols:
        raise ValueError(f"{name} must be square (n_samples, n_samples), got shape {out.shape}.")
    if n_rows < 2:
        raise ValueError(f"{name} must relate at least 2 samples, got shape {out.shape}.")
    # the smallest and largest weight decide finiteness, sign and explicit zeros in two reductions
    # (NaN propagates to both); a full pass per question only when one fails
    lowest, highest = (out.data.min(), out.data.max()) if out.nnz else (1.0, 1.0)
    if not (np.isfinite(lowest) and np.isfinite(highest)):
        raise ValueError(f"{name} contains NaN or inf; relation weights must be finite.")
    if lowest < 0:
        raise ValueError(
            f"{name} has negative weights (min {lowest:.3g}); relation weights must be >= 0."
        )
    if highest > LARGEST_VOLUME / max(out.nnz, 1):  # the total weight may be too large: sum it
        with np.errstate(over="ignore"):
            volume = float(np.sum(out.data))
        if not volume <= LARGEST_VOLUME:
            raise ValueError(
                f"{name} has weights whose sum overflows float64 (the degrees and the volume "
                f"would be infinite). Rescale it, e.g. {name} / {name}.max() (the weights are "
                f"relative strengths of the pairs).")
    if lowest == 0:
        out.eliminate_zeros()
    if out.nnz == 0:
        raise ValueError(f"{name} is empty (no positive pairs); give at least one nonzero weight.")
    if np.any(out.diagonal() != 0):
        raise ValueError(
            f"{name} has a nonzero diagonal (self-loops); remove them with "
            f"G.setdiag(0); G.eliminate_zeros()."
        )
    out.sort_indices()
    return check_symmetric(out, name, SYMMETRY_RTOL)


def refuse_masked(A, name, hidden="values", fix="or drop those samples first"):
    """Refuse a numpy masked array: ``np.asarray`` would drop its mask and use the hidden ``hidden``.

    ``fix``: the end of the message, after "fill the masked entries (``name``.filled(...))".
    """
    if isinstance(A, np.ma.MaskedArray):
        filler = "0.0" if hidden == "weights" else "value"
        raise TypeError(f"{name} is a masked array, whose mask would be ignored (the hidden {hidden} "
                        f"used); fill the masked entries ({name}.filled({filler})) {fix}.")


def check_features(X, *, name="X", n_samples=None, min_samples=2):
    """Validate a feature matrix and return it as a float64 ndarray.

    Sparse feature matrices are refused rather than densified.
    """
    if sp.issparse(X):
        raise TypeError(
            f"{name} is a sparse matrix; pass a dense array (e.g. {name}.toarray()) if it fits in memory."
        )
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be a 2-D numeric array, got a string.")
    refuse_masked(X, name)
    arr = np.asarray(X)
    # timedelta64 is a numpy integer subtype: refuse durations and dates explicitly.
    if arr.dtype == object or np.iscomplexobj(arr) or arr.dtype.kind in "mM" or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}.")
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features), got {arr.ndim}-D of shape {arr.shape}; "
            f"reshape a single feature with {name}.reshape(-1, 1)."
        )
    arr = np.array(arr, dtype=np.float64)
    if arr.shape[0] < min_samples:
        raise ValueError(f"{name} needs at least {min_samples} samples, got {arr.shape[0]}.")
    if arr.shape[1] < 1:
        raise ValueError(f"{name} has no features (shape {arr.shape}).")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf; remove or impute those entries first.")
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} rows but the graph G has {n_samples} samples; "
            f"they must describe the same samples in the same order."
        )
    return arr


def argument_error(message, *, argument, reason=None):
    """A ``ValueError`` about one named argument, which says which in its attributes.

    Parameters
    ----------
    message : str
        The whole message, as shown.
    argument : str
        The argument (or command-line option) the message is about; ``error.argument``.
    reason : str, optional
        The message without ``"<argument>: "`` in front, when it starts so;
        ``error.reason``. Default: the whole message.

    Returns
    -------
    ValueError
        A plain ``ValueError`` (its type is what the documentation promises) with the
        attributes ``argument`` and ``reason``.

    Examples
    --------
    >>> error = argument_error("out_dir: is a file.", argument="out_dir", reason="is a file.")
    >>> str(error), error.argument, error.reason
    ('out_dir: is a file.', 'out_dir', 'is a file.')
    """
    error = ValueError(message)
    error.argument = argument
    error.reason = message if reason is None else reason
    return error


def renamed_argument_error(error, option):
    """``error`` (from :func:`argument_error`) about the command-line ``option``: ``"<option>: <reason>"``.

    Examples
    --------
    >>> str(renamed_argument_error(argument_error("n_components must be >= 1.", argument="n_components"),
    ...                            "--n-components"))
    '--n-components: n_components must be >= 1.'
    """
    return argument_error(f"{option}: {error.reason}", argument=option, reason=error.reason)


def check_integer(value, *, name, low=None, high=None, what=None):
    """Validate an integer count in ``[low, high]`` and return it as ``int``.

    Integral floats (``5.0``, ``np.float32(8)``) and numpy integers are accepted as the
    integer they equal, as a count read from a file or computed as ``n / 2`` often is;
    ``5.5``, booleans, strings and non-finite numbers are refused (``TypeError``). Out of
    range: ``ValueError`` (from :func:`argument_error`), with ``what`` (what the count
    counts, e.g. ``"rows per chunk"``) after the bound when given.

    Examples
    --------
    >>> check_integer(5.0, name="n_components", low=1)
    5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    if not isinstance(value, numbers.Integral):
        if not (np.isfinite(value) and float(value).is_integer()):
            raise TypeError(f"{name} must be an integer, got {value!r}.")
    value = int(value)
    meaning = f" ({what})" if what else ""
    if low is not None and value < low:
        raise argument_error(f"{name} must be >= {low}{meaning}, got {value}.", argument=name)
    if high is not None and value > high:
        raise argument_error(f"{name} must be <= {high}{meaning}, got {value}.", argument=name)
    return value


def check_flag(value, name):
    """Validate a True/False flag (``bool`` or ``numpy.bool_``) and return it as ``bool``.

    Parameters
    ----------
    value : object
        The flag.
    name : str
        The argument's name in the error message.

    Returns
    -------
    bool

    Raises
    ------
    TypeError
        Anything but a bool (``0``, ``1``, ``"yes"``, ``None``).

    Examples
    --------
    >>> check_flag(True, "centered")
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def check_n_components(n_components, max_components, *, what):
    """Validate ``1 <= n_components <= max_components``; ``what`` explains the bound."""
    n_components = check_integer(n_components, name="n_components", low=1)
    if n_components > max_components:
        raise argument_error(
            f"n_components={n_components} is larger than {what} ({max_components}); "
            f"use n_components <= {max_components}.", argument="n_components"
        )
    return n_components


def check_scalar(value, *, name, low=0.0, low_inclusive=True, high=np.inf):
    """Validate a finite real scalar in a range and return it as float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    too_low = value < low if low_inclusive else value <= low
    if too_low or value > high:
        bound = ">=" if low_inclusive else ">"
        extra = "" if high == np.inf else f" and <= {high}"
        raise ValueError(f"{name} must be {bound} {low}{extra}, got {value}.")
    return value


def suggest(value, options):
    """The option closest to ``value`` (case-insensitive), or None when none is close.

    Used by :func:`check_option` and the command line to answer a mistyped name
    ("VICReg", "simclr ", "barlow-twins") with the name that was probably meant.

    Examples
    --------
    >>> suggest("VICReg", ["vicreg", "simclr"])
    'vicreg'
    >>> suggest("barlow-twins", ["barlow_twins", "simclr"])
    'barlow_twins'
    >>> suggest("byol", ["barlow_twins", "simclr"]) is None
    True
    """
    if not isinstance(value, str):
        return None
    names = [option for option in options if isinstance(option, str)]
    folded = {name.lower(): name for name in names}
    key = value.strip().lower()
    if key in folded:  # differs only by case or surrounding spaces
        return folded[key]
    # '-' and ' ' for '_' is the commonest slip ("barlow-twins", "spectral contrastive").
    normalised = {name.lower().replace("-", "_").replace(" ", "_"): name for name in names}
    key = key.replace("-", "_").replace(" ", "_")
    if key in normalised:
        return normalised[key]
    close = difflib.get_close_matches(key, list(normalised), n=1, cutoff=0.6)
    return normalised[close[0]] if close else None


def did_you_mean(value, options):
    """`` Did you mean 'x'?`` (with the leading space) for a close option, else ``""``."""
    match = suggest(value, options)
    return "" if match is None else f" Did you mean {match!r}?"


def check_option(value, *, name, options):
    """Validate that ``value`` is one of ``options``; a near miss is answered with the closest.

    Raises
    ------
    ValueError
        Naming the argument, the valid options and, when one is close (case-insensitive,
        ``-`` or a space for ``_``, or a small typo), "Did you mean 'x'?".

    Examples
    --------
    >>> check_option("VICReg", name="method", options=("vicreg", "simclr"))
    Traceback (most recent call last):
    ...
    ValueError: method must be one of 'vicreg', 'simclr'; got 'VICReg'. Did you mean 'vicreg'?
    """
    try:
        known = value in options
    except TypeError:  # an unhashable value looked up in a set or dict
        known = False
    if not known:
        choices = ", ".join(repr(o) for o in options)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}."
                         + did_you_mean(value, options))
    return value


def check_random_state(random_state):
    """A numpy Generator from None, an int or a Generator."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or (
        isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
    ):
        return np.random.default_rng(random_state)
    raise TypeError(
        f"random_state must be None, an int or a numpy.random.Generator, got {random_state!r}."
    )


def check_no_isolated(degrees, *, method, why=""):
    """Refuse samples with no positive pair, for a non-parametric method whose loss ignores them.

    ``why`` adds the method's reason (e.g. the formula that divides by the degree). The
    ``ValueError`` (from :func:`argument_error`, about ``"G"``) carries the isolated samples'
    indices as ``error.isolated``, for a front end to word its own advice.
    """
    isolated = np.flatnonzero(np.asarray(degrees) == 0)
    if isolated.size:
        error = argument_error(
            f"G has {isolated.size} isolated sample(s) (no positive pair; first: sample "
            f"{int(isolated[0])}). They do not enter the {method} loss, so their non-parametric "
            f"representation is undetermined{why}; remove them from G, or use optimal_linear / "
            f"optimal_kernel, which map them through X.", argument="G")
        error.isolated = isolated
        raise error
