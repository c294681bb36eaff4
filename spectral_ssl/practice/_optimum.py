"""Optima of the libraries' losses: linear (``optimal_linear_for``) and non-parametric."""

from dataclasses import dataclass, field

import numpy as np

from .. import graphs, linalg
from .._display import format_mapping, format_number
from .._optimize import lbfgs, multistart_shown
from .._validation import argument_error, check_features, check_integer, check_n_components, check_random_state
from ..methods import barlow_twins, simclr, vicreg
from ..methods import LinearRepresentation, Representation
from . import _libraries

#: Relative singular-value threshold of the pooled centred features kept by the whitening.
FEATURE_RTOL = 1e-10

#: Random starts added to the informed ones, per method (NT-Xent: a single random start lost
#: to a trained encoder by 4e-4 relative on digits; eight have not). VICReg: with lambda 1,
#: mu 10, nu 5 on 4 pairs, D = 10, K = 6, 8 random starts ended 0.21 % above the best point
#: (4.3831 against 4.3739) at one of 6 seeds, 12 at none; on 500 digits (K = 8) 2 and 8 starts
#: agree to 4e-7, and each start costs about 3 s there (lightly's weights).
DEFAULT_RESTARTS = {"vicreg": 12, "barlow_twins": 4, "nt_xent": 8}


@dataclass(kw_only=True, repr=False)
class LibraryRepresentation(LinearRepresentation):
    """A :class:`~spectral_ssl.methods.LinearRepresentation` optimised for a library's loss.

    ``Z`` stacks the two views, ``[X_a W + b; X_b W + b]`` (row ``i`` and row ``N + i`` are
    a positive pair); ``loss`` and ``library_loss`` are the library's own value at ``W``
    (:mod:`spectral_ssl.reference`); ``hyperparameters`` are the library's constructor
    keywords; ``graph_hyperparameters`` the keywords of the nearest graph-form problem
    (``methods.<method>``), which gave the informed start.
    """

    library: str
    library_loss: float
    graph_hyperparameters: dict = field(default_factory=dict)

    def _display_rows(self):
        rows = super()._display_rows()
        rows[4] = ("loss", f"{format_number(self.library_loss, 12)} ({self.details.get('constructor', '')})")
        rows.insert(5, ("graph form", format_mapping(self.graph_hyperparameters)))
        if "gap_note" in self.details:
            rows.append(("per-view gap", self.details["gap_note"]))
        return rows


def pairing_graph(n_samples):
    """The two-view pairing graph of ``n_samples`` pairs (rows ``i`` and ``n + i`` linked)."""
    return graphs.from_groups(np.tile(np.arange(n_samples), 2))


def check_views(A, B, names=("X_a", "X_b"), min_samples=2):
    """Validate two views of the same samples (same shape)."""
    A = check_features(A, name=names[0], min_samples=min_samples)
    B = check_features(B, name=names[1], min_samples=min_samples)
    if A.shape != B.shape:
        raise argument_error(
            f"{names[0]} and {names[1]} must have the same shape (row i of each is a view of sample i), "
            f"got {A.shape} and {B.shape}.", argument=names[1])
    return A, B


def max_components(method, X_a, X_b):
    """``(limit, what)``: the largest ``n_components`` :func:`optimal_linear_for` accepts, and why.

    At most the number of features and :math:`2N - 1`; for VICReg and Barlow Twins also the
    rank of the pooled centred features (the whitening keeps that many directions).
    """
    n, dim = X_a.shape
    limit, what = min(dim, 2 * n - 1), "the number of features (and 2N - 1)"
    if method != "nt_xent":
        X = np.vstack([X_a, X_b])
        s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
        rank = int(np.sum(s > FEATURE_RTOL * s[0])) if s.size and s[0] > 0 else 0
        if rank < limit:
            limit, what = rank, "the rank of the pooled centred features"
    return limit, what


def _restarts(method, restarts):
    if restarts is None:
        return DEFAULT_RESTARTS[method]
    return check_integer(restarts, name="restarts", low=0)


def _whitening(X_a, X_b):
    """``(mean, Q, Fa, Fb)``: ``Q`` whitens the pooled centred features on their numerical range."""
    X = np.vstack([X_a, X_b])
    mean = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        raise ValueError("X_a and X_b have no direction with variance (every row is the same); "
                         "Z = XW + b could only be constant. Check the features.")
    keep = s > FEATURE_RTOL * s[0]
    Q = Vt[keep].T * (np.sqrt(X.shape[0]) / s[keep])
    return mean, Q, (X_a - mean) @ Q, (X_b - mean) @ Q


#: Hinge smoothings of the VICReg continuation (relu -> delta softplus(x / delta)), then the hinge.
#: L-BFGS stalls at the hinge's kink; following the smoothed problems towards it does not.
SMOOTHINGS = (1e-2, 1e-3, 1e-4)


def _objective(method, library, constants, Fa, Fb, shape, smoothing=0.0):
    f = _libraries.value_and_gradient(method, library, constants, smoothing)

    def objective(flat):
        Y = flat.reshape(shape)
        value, gA, gB = f(Fa @ Y, Fb @ Y)
        return value, (Fa.T @ gA + Fb.T @ gB).ravel()

    return objective


def _polish(method, library, constants, Fa, Fb, starts, restarts, rng):
    """Multi-start L-BFGS of the library's loss over ``Y`` (``A = Fa Y``, ``B = Fb Y``).

    VICReg: every start (informed and random) first follows the smoothed-hinge continuation
    (:data:`SMOOTHINGS`); the multi-start then runs on the loss itself from those points
    (on digits, K = 8, every continued start reached the same value, 0.03 % below a
    torch-trained encoder, while plain L-BFGS from the same starts stalled up to 0.1 % higher).
    """
    shape = starts[0].shape
    starts = list(starts) + [rng.standard_normal(shape) / np.sqrt(shape[0]) for _ in range(restarts)]
    if method == "vicreg":
        followed = []
        for start in starts:
            x = start
            for smoothing in SMOOTHINGS:
                x = lbfgs(_objective(method, library, constants, Fa, Fb, shape, smoothing), x).x
            followed.append(x)
        starts = followed
    return multistart_shown(_objective(method, library, constants, Fa, Fb, shape), starts, rng=rng,
                            progress=f"{method} ({library}'s loss, linear)")


def _result(method, library, spec, constants, X_a, X_b, W, bias, start_rep, hyper, details, exact=False):
    Z = np.vstack([X_a @ W + bias, X_b @ W + bias])
    Z, W, bias = linalg.sign_flip_with(Z, W, bias)
    n = X_a.shape[0]
    value = _libraries.library_value(method, library, Z[:n], Z[n:], constants)
    cov = np.cov(Z, rowvar=False, bias=True).reshape(Z.shape[1], Z.shape[1])
    details = {"library": library, "constructor": spec.constructor, "library_loss": value,
               "graph_hyperparameters": dict(hyper), **details}
    return LibraryRepresentation(
        Z=Z, W=W, bias=bias, loss=value, library_loss=value, library=library,
        rank=linalg.representation_rank(Z), eigenvalues=np.asarray(start_rep.eigenvalues, dtype=float),
        scales=np.sort(np.linalg.eigvalsh(cov))[::-1], exact=exact, method=start_rep.method,
        equivalent=start_rep.equivalent, hyperparameters=dict(constants), graph_hyperparameters=dict(hyper),
        details=details)


def optimal_linear_for(method, X_a, X_b, n_components, *, library="lightly", restarts=None, random_state=0,
                       **library_kwargs):
    r"""The best linear encoder :math:`Z = XW + \mathbf 1b^\top` for a library's own loss.

    Row ``i`` of ``X_a`` and of ``X_b`` are the two views of sample ``i``; the same ``W`` and
    ``b`` map both. The loss is the library's, with its constructor's keywords and defaults
    (see :data:`spectral_ssl.practice.LIBRARY_DEFAULTS`), computed by :mod:`spectral_ssl.reference`.

    * ``"vicreg"``: start from the optimum of the nearest pooled graph-form problem,
      ``vicreg.optimal_linear`` on the pairing graph with ``variance`` :math:`= \mu`,
      ``covariance`` :math:`= 2\nu`, ``invariance`` :math:`= \lambda/s^2`, hinge variance, and
      :math:`W = W'/s`, :math:`s = \sqrt{N/(N-1)}` (lightly / official code; solo-learn does
      not halve its variance term: ``variance`` :math:`= 2\mu`). The library computes
      variance and covariance per view, the graph form over both views pooled; the two agree
      when the views have equal statistics, and the hinge's kink makes the small difference
      matter, so the per-view loss itself is then minimised (L-BFGS, analytic gradient, from
      the pooled optimum and ``restarts`` random starts, each first following a smoothed-hinge
      continuation, :data:`SMOOTHINGS`, since L-BFGS stalls at the kink).
      ``details["pooled_library_loss"]`` and ``details["per_view_gain"]`` record how much that
      changed; ``details["start_W"]`` is the pooled optimum's ``W``.
    * ``"barlow_twins"``: the loss as written (batch norm per view, centred), minimised by
      L-BFGS from the CCA solution (``barlow_twins.optimal_linear``, whitened, centred) and
      ``restarts`` random starts.
    * ``"nt_xent"``: ``simclr.optimal_linear`` on the pairing graph at the library's
      temperature (the graph form is exactly :math:`2N/c` times the library's loss, :math:`c = 2`
      for Google's code, 1 otherwise) with ``restarts`` random starts.

    Every result is numerical (``exact=False``): no closed form of these losses is proven.

    Parameters
    ----------
    method : {"vicreg", "barlow_twins", "nt_xent"}
    X_a, X_b : array_like, shape (N, D)
    n_components : int
        :math:`K`, the output dimension of the encoder.
    library : {"lightly", "official", "solo"}
    restarts : int >= 0, optional
        Random starts added to the informed one (default :data:`DEFAULT_RESTARTS`).
    random_state : int or numpy Generator
    **library_kwargs
        The library's constructor keywords, e.g. lightly ``VICRegLoss(lambda_param=25,
        mu_param=25, nu_param=1, eps=1e-4)``; anything else raises ``TypeError``.

    Returns
    -------
    LibraryRepresentation
        ``library_loss``, ``graph_hyperparameters``, ``details`` (the optimiser's record).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 5))
    >>> rep = optimal_linear_for("vicreg", X, X + 0.1 * rng.standard_normal((40, 5)), 2)
    >>> rep.graph_hyperparameters["covariance"], rep.exact
    (2.0, False)
    """
    spec, constants = _libraries.resolve(method, library, library_kwargs)
    X_a, X_b = check_views(X_a, X_b)
    n = X_a.shape[0]
    K = check_n_components(n_components, min(X_a.shape[1], 2 * n - 1),
                           what="the number of features (and 2N - 1)")
    n_random = _restarts(method, restarts)
    rng = check_random_state(random_state)
    hyper, scale, _ = _libraries.graph_form(method, library, constants, n)
    X = np.vstack([X_a, X_b])
    G = pairing_graph(n)

    if method == "nt_xent":
        rep = simclr.optimal_linear(X, G, K, restarts=n_random, random_state=rng, **hyper)
        details = {k: v for k, v in rep.details.items() if k != "lpp_eigenvalues"}
        details["gap_note"] = "none: the graph form is proportional to the library's loss"
        return _result(method, library, spec, constants, X_a, X_b, rep.W, rep.bias, rep, hyper, details)

    mean, Q, Fa, Fb = _whitening(X_a, X_b)
    if Q.shape[1] < K:
        raise ValueError(f"n_components={K} exceeds the rank of the pooled centred features "
                         f"({Q.shape[1]}); use n_components <= {Q.shape[1]}.")
    unwhiten = np.linalg.pinv(Q)
    if method == "vicreg":
        start_rep = vicreg.optimal_linear(X, G, K, restarts=8, random_state=rng, **hyper)
        W0 = start_rep.W / scale
        pooled = _libraries.library_value(method, library, X_a @ W0, X_b @ W0, constants)
    else:
        start_rep = barlow_twins.optimal_linear(X, G, K, off_diagonal=hyper["off_diagonal"], centered=True,
                                                constraint="whitened")
        W0 = start_rep.W
        pooled = _libraries.library_value(method, library, X_a @ W0, X_b @ W0, constants)
    result = _polish(method, library, constants, Fa, Fb, [unwhiten @ W0], n_random, rng)
    W = Q @ result.x
    bias = -mean @ W
    gain = pooled - result.fun
    start_name = "pooled graph-form optimum" if method == "vicreg" else "CCA solution"
    details = {"case": f"numerical: multi-start L-BFGS of the library's per-view loss from the {start_name}",
               **result.details(), "scale": scale, "pooled_library_loss": pooled, "per_view_gain": gain,
               "start_W": W0, "start_bias": -mean @ W0, "random_starts": n_random,
               "per_view_relative_gain": gain / max(abs(pooled), np.finfo(float).tiny),
               "gap_note": (f"the {start_name} scores {pooled:.6g} on the library's loss; solving the "
                            f"per-view problem lowered it by {gain:.3g} ({gain / max(abs(pooled), 1e-300):.2%})")}
    return _result(method, library, spec, constants, X_a, X_b, W, bias, start_rep, hyper, details)


# --------------------------------------------------------------------------- non-parametric


def optimal_views_for(method, n_samples, n_components, *, library="lightly", restarts=None, random_state=0,
                      **library_kwargs):
    r"""The best free views :math:`(A, B)` (any :math:`N\times K` matrices) for a library's loss.

    The non-parametric optimum on the pairing graph: the graph-form optimum
    (``methods.<method>.optimal_representation`` with the mapped hyper-parameters) is the
    informed start; for VICReg and Barlow Twins the per-view library loss is then minimised
    over :math:`(A, B)` by L-BFGS from it and ``restarts`` random starts.

    Returns
    -------
    Representation
        ``Z = [A; B]`` (``2N`` rows); ``loss`` the library's value; ``details["library_loss"]`` too.
    """
    spec, constants = _libraries.resolve(method, library, library_kwargs)
    n = check_integer(n_samples, name="n_samples", low=2)
    K = check_n_components(n_components, 2 * n - 1, what="2N - 1 (the non-constant directions)")
    n_random = _restarts(method, restarts)
    rng = check_random_state(random_state)
    hyper, scale, _ = _libraries.graph_form(method, library, constants, n)
    G = pairing_graph(n)
    if method == "nt_xent":
        rep = simclr.optimal_representation(G, K, restarts=n_random, random_state=rng, **hyper)
        Z, details = rep.Z, {"case": rep.details.get("case", "graph-form SimCLR optimum")}
    else:
        if method == "vicreg":
            rep = vicreg.optimal_representation(G, K, restarts=8, random_state=rng, **hyper)
            Z0 = rep.Z / scale
        else:
            rep = barlow_twins.optimal_representation(G, K, off_diagonal=hyper["off_diagonal"], centered=True)
            Z0 = rep.Z
        f = _libraries.value_and_gradient(method, library, constants)

        def objective(flat):
            V = flat.reshape(2 * n, K)
            value, gA, gB = f(V[:n], V[n:])
            return value, np.vstack([gA, gB]).ravel()

        result = multistart_shown(objective, [Z0], restarts=n_random, rng=rng,
                                  random_start=lambda g: g.standard_normal((2 * n, K)),
                                  progress=f"{method} ({library}'s loss, {n} pairs)")
        Z, details = result.x, {"case": "numerical: multi-start L-BFGS of the library's loss over free views",
                                **result.details()}
    value = _libraries.library_value(method, library, Z[:n], Z[n:], constants)
    details.update({"library": library, "constructor": spec.constructor, "library_loss": value,
                    "graph_hyperparameters": dict(hyper)})
    return Representation(Z=Z, loss=value, rank=linalg.representation_rank(Z), eigenvalues=rep.eigenvalues,
                          scales=rep.scales, exact=False, method=rep.method, equivalent=rep.equivalent,
                          hyperparameters=dict(constants), details=details)
