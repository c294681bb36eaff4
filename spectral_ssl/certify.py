r"""Numerical optimality certificates: closed form against random-restart minimisation.

A method module (see ``CONTRIBUTING.md``, "The contract of a method module")
returns a representation it claims to be optimal. :func:`certify` checks the
claim the direct way: it minimises the method's exact graph-form loss
:math:`\mathcal L` from ``restarts`` random starts with L-BFGS-B, using the
analytic gradient of the module's ``loss_and_gradient``, and compares

.. math::

    \text{gap} = \mathcal L(Z^\star) - \min_{r} \mathcal L(Z_r),
    \qquad
    \text{relative gap} = \frac{\text{gap}}{\max(1, |\min_r \mathcal L(Z_r)|)} .

The certificate *passes* when :math:`\text{gap} \le \text{rtol}\cdot
\max(1, |\min_r \mathcal L(Z_r)|)`: no start found a lower loss than the closed
form. It also reports the norm of the gradient of :math:`\mathcal L` at the
closed form (a global optimum of a smooth loss is a stationary point, so it
must be at round-off level there).

What is optimised depends on the regime:

* ``"nonparametric"``: :math:`Z \in \mathbb R^{N\times K}` directly, starts
  :math:`Z_{ik} \sim \mathcal N(0, 1)`.
* ``"linear"``: :math:`(W, b)` with :math:`Z = X W + \mathbf 1 b^\top`; by the
  chain rule :math:`\partial\mathcal L/\partial W = X^\top g` and
  :math:`\partial\mathcal L/\partial b = g^\top \mathbf 1` with
  :math:`g = \partial\mathcal L/\partial Z`.
* ``"kernel"``: the same with the Gram matrix :math:`K_X` of the
  representation's own kernel in place of :math:`X` (:math:`W = A`).

**Whitened parametrisation** (``parametrization="whitened"``, the default).
Searching over :math:`W` directly is as ill-conditioned as the features: an
rbf Gram matrix has eigenvalues spread over many decades, and L-BFGS-B then
stops far from the optimum after tens of thousands of iterations. The
parametric regimes therefore search over :math:`(C, b)` with
:math:`Z = P C + \mathbf 1 b^\top`, :math:`P = F T` an orthogonal basis of the
numerical range the project's solvers work in:

* linear: :math:`T = \sqrt N\, T_F` with :math:`T_F` from
  :func:`spectral_ssl.linalg.feature_basis`: the centred search features
  :math:`\sqrt N U_r` are the left singular vectors of the centred,
  column-standardised features whose singular values pass its unit-free rank
  rule (``max(N, D) * eps`` times the largest, the rule of
  ``numpy.linalg.matrix_rank``), the rule the linear solvers use;
* kernel: :math:`P` an orthonormal basis of :math:`H\operatorname{span}(V_r)`,
  :math:`V_r` the eigenvectors of :math:`K_X` with eigenvalue above
  ``KERNEL_RANK_RTOL`` times the largest (None: :math:`N\epsilon`, the numerical range of
  :func:`spectral_ssl.linalg.kernel_range_basis`), centred directions with
  singular value above 1e-10 kept
  (:func:`spectral_ssl.linalg.centred_range_basis`); with the bias,
  :math:`\{PC + \mathbf 1 b^\top\} = \{V_rC + \mathbf 1 b^\top\}`.

Where the features have full numerical rank this is an invertible change of
variables: the same set of representations and the same minimum. A method that
truncates more (a larger ``rank_rtol``) is checked against a larger set, which
only makes the certificate stronger. (For a strictly positive-definite kernel
such as rbf the *exact* infimum over all :math:`A` is the non-parametric
optimum, reached only with unbounded coefficients along eigen-directions below
any threshold; the certificate, like the solvers, is about the numerical
range.) ``parametrization="raw"`` searches over :math:`(W, b)` or
:math:`(A, b)` themselves.

The starts are :math:`W_{dk} \sim \mathcal N(0, 1)/(\sqrt D\, s)` (:math:`D`
columns of the feature matrix searched over, :math:`s` the root mean square of
its centred entries) and :math:`b = -\bar f^\top W + \xi`,
:math:`\xi_k \sim \mathcal N(0, 1)`, so that the starting :math:`Z` has
entries of order one whatever the scale of the features.

**Constrained problems.** A result whose ``details["constraint"]`` is ``"whitened"``
(Barlow Twins' CCA) names the loss subject to :math:`Z_c^\top D_G Z_c = \operatorname{vol} I`;
its certificate searches that set: :math:`Z = B\,U(U^\top U)^{-1/2}` over any
:math:`U`, with :math:`B` a :math:`D_G`-orthogonal basis of the (centred) search features
(the identity non-parametrically), so that every start and every step satisfies the
constraint. Searching without it would compare the result with another problem's optimum.

Nothing in this module knows a particular method: the method module is looked
up in :data:`spectral_ssl.methods.REGISTRY` at call time, its optimum comes from
:func:`spectral_ssl.methods.solve`, and its loss from its ``loss_and_gradient``
evaluated with the representation's ``hyperparameters``.
"""

import math
import time

import numpy as np

from . import linalg
from . import methods as _methods
from ._certificate import ROW_COLUMNS, Certificate, format_table
from ._optimize import FTOL, GTOL, MAXCOR, multistart  # noqa: F401 (FTOL.. documented here)
from ._validation import check_features, check_graph, check_integer, check_option, check_random_state, check_scalar

# The L-BFGS-B stopping rules FTOL, GTOL and MAXCOR are those of the one multi-start
# helper, re-exported here where the certificate's documentation names them.

#: Whitened kernel search: eigen-directions of the Gram matrix whose eigenvalue is below this
#: times the largest are dropped; None: N eps, the solvers' rule (:func:`spectral_ssl.linalg.kernel_range_basis`).
KERNEL_RANK_RTOL = None

PARAMETRIZATIONS = ("whitened", "raw")


# --------------------------------------------------------------------------- validation


def _check_method(method):
    from ._validation import did_you_mean  # " Did you mean 'vicreg'?" for a near miss

    available = sorted(_methods.REGISTRY)
    if not isinstance(method, str) or method not in _methods.REGISTRY:
        raise ValueError(
            f"method must be the name of a registered method, one of {available}; got {method!r}."
            + did_you_mean(method, available)
        )
    return _methods.REGISTRY[method]


def _check_regime(X, regime):
    if regime is None:
        return "nonparametric" if X is None else "linear"
    check_option(regime, name="regime", options=_methods.REGIMES)
    if regime == "nonparametric" and X is not None:
        raise ValueError(
            "X is given but regime='nonparametric' optimises Z directly and ignores X; "
            "drop X or use regime='linear' or regime='kernel'."
        )
    if regime != "nonparametric" and X is None:
        raise ValueError(f"regime={regime!r} needs the inputs X; pass X as an (N, D) array.")
    return regime


def _parametric_parts(rep, regime):
    """Feature matrix F and closed-form parameters (W, b) with Z = F W + 1 b^T."""
    needed = ("W", "bias") if regime == "linear" else ("A", "bias", "X_fit", "kernel")
    missing = [name for name in needed if not hasattr(rep, name)]
    if missing:
        raise TypeError(
            f"the method returned a {type(rep).__name__} without {missing} for regime={regime!r}; "
            f"its optimal_{'linear' if regime == 'linear' else 'kernel'} must return a "
            f"{'LinearRepresentation' if regime == 'linear' else 'KernelRepresentation'}."
        )
    if regime == "linear":
        return None, np.asarray(rep.W, dtype=np.float64), np.asarray(rep.bias, dtype=np.float64)
    gram = np.asarray(rep.kernel(rep.X_fit, rep.X_fit), dtype=np.float64)
    return gram, np.asarray(rep.A, dtype=np.float64), np.asarray(rep.bias, dtype=np.float64)


# --------------------------------------------------------------------------- objectives


def _nonparametric_objective(loss_and_gradient, G, hyper, shape):
    def objective(flat):
        value, grad = loss_and_gradient(flat.reshape(shape), G, **hyper)
        return float(value), np.asarray(grad, dtype=np.float64).ravel()

    return objective


def _parametric_objective(loss_and_gradient, G, hyper, F, K):
    D = F.shape[1]

    def unpack(flat):
        return flat[: D * K].reshape(D, K), flat[D * K:]

    def objective(flat):
        W, b = unpack(flat)
        value, g = loss_and_gradient(F @ W + b, G, **hyper)
        g = np.asarray(g, dtype=np.float64)
        return float(value), np.concatenate([(F.T @ g).ravel(), g.sum(axis=0)])

    return objective, unpack


def _search_features(F, regime):
    r"""Orthogonal search features :math:`P` spanning the numerical range (module docstring)."""
    if regime == "kernel":
        _, V = linalg.kernel_range_basis(F, rank_rtol=KERNEL_RANK_RTOL)
        # the centred span of V, orthonormal (with the bias: the same representations)
        return linalg.centred_range_basis(V)[0]
    T, _ = linalg.feature_basis(F)
    if T.shape[1] == 0:
        raise ValueError("X is constant (no direction with variance): there is nothing to optimise.")
    return F @ (T * math.sqrt(F.shape[0]))


#: Constrained search: directions of the D_G-weighted features whose squared singular value
#: is below this times the largest are outside the whitened problem's range.
WHITENED_RANK_RTOL = 1e-10


def _whitened_basis(F, degrees, centered):
    r"""A basis :math:`B` of the whitened representations: :math:`B^\top D_G B = \operatorname{vol} I`.

    :math:`B = F_c V S^{-1}\sqrt{\operatorname{vol}}` from the thin SVD
    :math:`D_G^{1/2}F_c = USV^\top`, with :math:`F_c` the features centred by their
    :math:`D_G`-weighted mean (``centered``) or :math:`[F, \mathbf 1]`. Every
    :math:`Z = BV` with orthonormal :math:`V` satisfies the constraint
    :math:`Z_c^\top D_G Z_c = \operatorname{vol} I`, and every such :math:`Z` in the
    range is one of them.
    """
    vol = float(degrees.sum())
    if centered:
        Fc = F - (degrees @ F) / vol
    else:
        Fc = np.column_stack([F, np.ones(F.shape[0])])
    _, S, Vt = np.linalg.svd(np.sqrt(degrees)[:, None] * Fc, full_matrices=False)
    keep = S**2 > WHITENED_RANK_RTOL * S[0] ** 2 if S.size and S[0] > 0 else np.zeros(S.shape, bool)
    return Fc @ (Vt[keep].T / S[keep]) * math.sqrt(vol)


def _whitened_objective(loss_and_gradient, G, hyper, basis, K):
    r"""The loss on orthonormal frames: :math:`Z = B\,U(U^\top U)^{-1/2}`, searched over any :math:`U`.

    With :math:`S = U^\top U = E\operatorname{diag}(s)E^\top`, :math:`T = S^{-1/2}`,
    :math:`V = UT` and :math:`G_V = B^\top\partial\mathcal L/\partial Z`, the chain rule
    through :math:`T` (Daleckii-Krein, :math:`F_{ij} = -1/(\sqrt{s_i s_j}(\sqrt{s_i} + \sqrt{s_j}))`)
    gives :math:`\partial\mathcal L/\partial U = G_V T + 2UE\big((E^\top\operatorname{sym}(U^\top G_V)E)
    \circ F\big)E^\top`.
    """
    r = basis.shape[1]

    def frame(flat):
        U = flat.reshape(r, K)
        s, E = np.linalg.eigh(U.T @ U)
        root = np.sqrt(np.maximum(s, np.finfo(float).tiny))
        T = (E / root) @ E.T
        return U, T, E, root

    def objective(flat):
        U, T, E, root = frame(flat)
        value, g = loss_and_gradient(basis @ (U @ T), G, **hyper)
        G_V = basis.T @ np.asarray(g, dtype=np.float64)
        A = U.T @ G_V
        A = E.T @ ((A + A.T) / 2) @ E
        F = -1.0 / (np.outer(root, root) * (root[:, None] + root[None, :]))
        grad = G_V @ T + 2.0 * U @ (E @ (A * F) @ E.T)
        return float(value), grad.ravel()

    def to_Z(flat):
        U, T, _, _ = frame(flat)
        return basis @ (U @ T)

    return objective, to_Z


# --------------------------------------------------------------------------- public API


def certify(method, G, n_components, *, X=None, regime=None, restarts=10, random_state=0,
            rtol=1e-8, max_iter=20000, parametrization="whitened", solve_options=None, **hyper):
    r"""Certify a method's closed-form optimum against random-restart L-BFGS-B.

    Parameters
    ----------
    method : str
        A key of :data:`spectral_ssl.methods.REGISTRY` (e.g. ``"vicreg"``).
    G : array_like or sparse matrix, shape (N, N)
        The relation graph (validated by :func:`spectral_ssl.graphs.check`).
    n_components : int
        :math:`K`, the dimension of the representation.
    X : array_like, shape (N, D), optional
        Inputs, needed for the linear and kernel regimes.
    regime : {"nonparametric", "linear", "kernel"}, optional
        Default: ``"nonparametric"`` without ``X``, ``"linear"`` with it.
        ``"kernel"`` searches :math:`Z = K_X A + \mathbf 1 b^\top` with
        :math:`K_X` = ``rep.kernel(rep.X_fit, rep.X_fit)`` (in the whitened
        coordinates of ``parametrization``).
    restarts : int >= 1
        Number of random starts of the numerical minimisation.
    random_state : None, int or numpy.random.Generator
        Seed of the starts.
    rtol : float >= 0
        The certificate passes when
        :math:`\mathcal L(Z^\star) \le \mathcal L_{best} + \text{rtol}\max(1, |\mathcal L_{best}|)`.
    max_iter : int >= 1
        L-BFGS-B iterations per start (function evaluations are capped at twice that).
        The other stopping rules are tight on purpose (``FTOL = 1e-15``,
        ``GTOL = 1e-10``): the runs stop when they have converged.
    parametrization : {"whitened", "raw"}
        Linear and kernel regimes only: search over :math:`(C, b)` with
        :math:`Z = PC + \mathbf 1 b^\top`, :math:`P` an orthogonal basis of the
        features' numerical range (default, see the module docstring), or over
        :math:`(W, b)` / :math:`(A, b)` themselves. ``gradient_norm`` is
        taken with respect to the parameters searched over.
    solve_options : dict, optional
        Extra keyword arguments for the method's solver that are not loss
        hyper-parameters and whose names clash with this function's (e.g. the
        method's own ``restarts`` / ``random_state`` for a numerical inner solve).
    **hyper
        The method's hyper-parameters, passed to
        :func:`spectral_ssl.methods.solve` (e.g. ``variance=25.0`` for VICReg,
        ``kernel="rbf"`` in the kernel regime).

    Returns
    -------
    Certificate

    Raises
    ------
    ValueError
        Unknown method (the message lists the registered ones), unknown regime,
        ``X`` given with ``regime="nonparametric"`` or missing for the linear
        and kernel regimes, ``restarts < 1``, ``rtol < 0``, ``max_iter < 1``,
        and whatever the method's solver refuses.
    TypeError
        Non-integer ``restarts`` / ``max_iter``, a bad ``random_state``, or a
        method whose result lacks the parameters of the requested regime.

    Examples
    --------
    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> G = graphs.from_groups(np.repeat(np.arange(6), 2))
    >>> cert = certify("vicreg", G, 2, restarts=2, variance=1.0, covariance=1.0, invariance=1.0)
    >>> cert.passed, abs(cert.gap) < 1e-10
    (True, True)
    """
    started = time.perf_counter()
    module = _check_method(method)
    G = check_graph(G)
    if X is not None:
        X = check_features(X, name="X", n_samples=G.shape[0])
    regime = _check_regime(X, regime)
    restarts = check_integer(restarts, name="restarts", low=1)
    max_iter = check_integer(max_iter, name="max_iter", low=1)
    rtol = check_scalar(rtol, name="rtol", low=0.0)
    rng = check_random_state(random_state)
    check_option(parametrization, name="parametrization", options=PARAMETRIZATIONS)
    if solve_options is None:
        solve_options = {}
    elif not isinstance(solve_options, dict):
        raise TypeError(f"solve_options must be a dict of keyword arguments, got {solve_options!r}.")
    clash = sorted(set(solve_options) & set(hyper))
    if clash:
        raise ValueError(f"{clash} given both in solve_options and as hyper-parameters; give each once.")

    rep = _methods.solve(method, G, n_components, X=X, regime=regime, **hyper, **solve_options)
    loss_hyper = dict(rep.hyperparameters)
    # the degrees once for the whole search: every evaluation of the loss reads them
    search_hyper = dict(loss_hyper, degrees=linalg.degrees(G, check_input=False))
    loss_and_gradient = module.loss_and_gradient
    N, K = np.shape(rep.Z)
    searched = None

    if (getattr(rep, "details", None) or {}).get("constraint") == "whitened":
        # the result names the constrained problem: search that problem, on its constraint set
        if regime == "nonparametric":
            F = np.eye(N)
        else:
            gram, _, _ = _parametric_parts(rep, regime)
            F = X if regime == "linear" else gram
            F = _search_features(F, regime) if parametrization == "whitened" else F
        d = search_hyper["degrees"]
        centered = bool(loss_hyper.get("centered", True))
        basis = _whitened_basis(F, d, centered)
        objective, to_Z = _whitened_objective(loss_and_gradient, G, search_hyper, basis, K)
        # the closed form's frame: its coordinates on the D_G-orthogonal basis (B^T D_G B = vol I;
        # the basis is D_G-centred when the loss centres, so the columns' means drop out)
        Z0 = np.asarray(rep.Z, dtype=np.float64)
        _, closed_gradient = objective((basis.T @ (d[:, None] * Z0) / float(d.sum())).ravel())
        r = basis.shape[1]

        def random_start(rng):
            return rng.standard_normal(r * K)

        searched = "orthonormal frames of the whitening constraint"
    elif regime == "nonparametric":
        objective = _nonparametric_objective(loss_and_gradient, G, search_hyper, (N, K))
        _, closed_gradient = objective(np.asarray(rep.Z, dtype=np.float64).ravel())

        def random_start(rng):
            return rng.standard_normal(N * K)

        to_Z = lambda flat: flat.reshape(N, K)  # noqa: E731
    else:
        gram, W0, b0 = _parametric_parts(rep, regime)
        F = X if regime == "linear" else gram
        P = _search_features(F, regime) if parametrization == "whitened" else F
        objective, unpack = _parametric_objective(loss_and_gradient, G, search_hyper, P, K)
        # The gradient at the closed form along the searched directions: the
        # chain rule at Z0 = F W0 + b0, valid whether or not Z0 - b0 lies in span(P).
        parameters_loss, g0 = loss_and_gradient(F @ W0 + b0, G, **search_hyper)
        g0 = np.asarray(g0, dtype=np.float64)
        closed_gradient = np.concatenate([(P.T @ g0).ravel(), g0.sum(axis=0)])
        D = P.shape[1]
        mean = P.mean(axis=0)
        scale = math.sqrt(float(np.mean((P - mean) ** 2))) or 1.0

        def random_start(rng):
            W = rng.standard_normal((D, K)) / (math.sqrt(D) * scale)
            b = -mean @ W + rng.standard_normal(K)
            return np.concatenate([W.ravel(), b])

        def to_Z(flat):
            W, b = unpack(flat)
            return P @ W + b

    if searched is None:
        searched = "Z" if regime == "nonparametric" else parametrization
    # The loss the solution reaches, evaluated here (at Z, and at F W + b when the result has
    # parameters), not the loss it reports: a result whose W or Z is wrong but whose loss was
    # computed from the right forms would otherwise be certified.
    reached = float(loss_and_gradient(np.asarray(rep.Z, dtype=np.float64), G, **search_hyper)[0])
    if regime != "nonparametric" and not searched.startswith("orthonormal"):
        reached = max(reached, float(parameters_loss))
    gradient_norm = float(np.linalg.norm(closed_gradient))

    # Random starts only, no polish: the certificate compares the closed form with what
    # plain L-BFGS-B finds from random points (each run's loss is reported).
    from ._optimize import multistart_shown  # a step per random start on the progress display

    search = multistart_shown(objective, [], restarts=restarts, random_start=random_start, rng=rng,
                              max_iter=max_iter, polish_rounds=0,
                              progress=f"certificate of {method} ({regime}, {N} samples)")
    losses = np.array(search.start_losses)
    best_loss = float(np.min(losses))
    reported = float(rep.loss)
    gap = reached - best_loss
    scale = max(1.0, abs(best_loss))
    consistent = abs(reported - reached) <= rtol * max(1.0, abs(reached))
    return Certificate(
        method=method, regime=regime, n_samples=int(N), n_components=int(K),
        closed_form_loss=reached, reported_loss=reported, numerical_losses=losses, best_numerical_loss=best_loss,
        gap=gap, relative_gap=gap / scale, gradient_norm=gradient_norm, exact=bool(rep.exact),
        passed=bool(consistent and reached <= best_loss + rtol * scale), rtol=rtol,
        parametrization=searched,
        hyperparameters=loss_hyper, elapsed=time.perf_counter() - started,
        converged=tuple(search.start_success), n_iterations=tuple(search.start_iterations),
        representation=rep, numerical_Z=to_Z(search.x.ravel()),
    )


def certify_table(cases, **common):
    """Certify several cases; return one :meth:`Certificate.as_row` dict per case.

    Parameters
    ----------
    cases : iterable of dict
        Each dict holds the keyword arguments of :func:`certify`
        (``method``, ``G``, ``n_components`` and any others) and optionally a
        label under ``"case"``.
    **common
        Defaults for every case (e.g. ``restarts=5``); a case's own entries win.

    Returns
    -------
    rows : list of dict

    Examples
    --------
    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> G = graphs.from_groups(np.repeat(np.arange(6), 2))
    >>> rows = certify_table([{"case": "pairs", "method": "vicreg", "G": G, "n_components": 1}],
    ...                      restarts=1, variance=1.0, covariance=1.0, invariance=1.0)
    >>> rows[0]["case"], rows[0]["passed"]
    ('pairs', True)
    """
    rows = []
    for index, case in enumerate(cases):
        if not isinstance(case, dict):
            raise TypeError(
                f"cases[{index}] must be a dict of certify keyword arguments, got {type(case).__name__}."
            )
        kwargs = {**common, **case}
        label = kwargs.pop("case", None)
        for name in ("method", "G", "n_components"):
            if name not in kwargs:
                raise ValueError(
                    f"cases[{index}] has no {name!r}; every case needs method, G and n_components.")
        method, G, n_components = kwargs.pop("method"), kwargs.pop("G"), kwargs.pop("n_components")
        cert = certify(method, G, n_components, **kwargs)
        rows.append(cert.as_row(case=label if label is not None else f"case {index}"))
    return rows


__all__ = ["Certificate", "certify", "certify_table", "format_table", "ROW_COLUMNS"]

# Certificate and format_table are documented (and pickled) under this, their public module.
Certificate.__module__ = format_table.__module__ = __name__
