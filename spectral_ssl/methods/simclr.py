r"""SimCLR is generalized multidimensional scaling (a global spectral embedding).

**Loss** (Balestriero and LeCun 2022, section 2). With
:math:`\hat z_i = z_i/\lVert z_i\rVert`, :math:`d = G\mathbf 1` and temperature
:math:`\tau`,

.. math::

    \mathcal L(Z) = -\sum_{ij} G_{ij}\log\hat G_{ij}, \qquad
    \hat G_{ij} = \frac{e^{\hat z_i^\top\hat z_j/\tau}}{\sum_{k\ne i} e^{\hat z_i^\top\hat z_k/\tau}} .

**Theorem 1 (exact decomposition).** Since
:math:`\hat z_i^\top\hat z_j = 1 - \tfrac12\lVert\hat z_i - \hat z_j\rVert^2` for unit
vectors, and :math:`\sum_{ij}G_{ij}\lVert\hat z_i-\hat z_j\rVert^2 = 2\operatorname{tr}(\hat Z^\top L\hat Z)`,

.. math::

    \mathcal L(Z) = \underbrace{\frac1\tau\operatorname{tr}(\hat Z^\top L\hat Z)}_{\text{local: Dirichlet energy}}
    + \underbrace{\sum_i d_i \log\sum_{k\ne i} e^{-\lVert\hat z_i-\hat z_k\rVert^2/(2\tau)}}_{\text{global: repulsion over all pairs}} .

The constants cancel exactly: the attraction contributes
:math:`-\operatorname{vol}(G)/\tau` (:math:`\operatorname{vol} = \sum_i d_i`) and
each log-sum-exp :math:`+1/\tau`, weighted by :math:`d_i`, i.e.
:math:`+\operatorname{vol}(G)/\tau` (:func:`decompose`). The first term is
VICReg's invariance term (local); the second is a stress over every pair, as in
MDS / ISOMAP (global).

**Theorem 2 (matching view).** Row :math:`i` of the loss is :math:`d_i` times the
cross-entropy between :math:`G_{i\cdot}/d_i` and :math:`\hat G_{i\cdot}`, so
:math:`\mathcal L \ge -\sum_{ij}G_{ij}\log(G_{ij}/d_i)`, with equality iff
:math:`\hat G = D_G^{-1}G`, i.e. iff
:math:`\hat z_i^\top\hat z_j = \tau\log G_{ij} + c` for all :math:`i\ne j` (one
constant :math:`c`, by symmetry). Equivalently the squared chord distances are
:math:`\lVert\hat z_i - \hat z_j\rVert^2 = -2\tau\log G_{ij} + \text{const}`. For a
Gaussian relation :math:`G_{ij} = e^{-\delta_{ij}^2/(2\sigma^2)}` this is
:math:`(\tau/\sigma^2)\,\delta_{ij}^2`: SimCLR fits the distances
:math:`\delta` on the unit sphere, which is **classical MDS** on :math:`\delta`
(**ISOMAP** when :math:`\delta` is a kNN-graph geodesic distance, as for
NNCLR-style relations). When the target is realisable on the sphere (e.g.
points on a circle of radius :math:`\rho` with :math:`\sigma = \rho\sqrt\tau`)
the bound is attained; otherwise the optimum is the best compromise, found
numerically (:func:`mds_target`, :func:`mds_embedding`, :func:`mds_agreement`).
For a binary (or sparse) :math:`G` the bound needs
:math:`\log 0 = -\infty`: it is an infimum, never attained.

**Theorem 3 (closed form: equal cliques).** If :math:`G` is :math:`w` times the
disjoint union of :math:`C` cliques of equal size :math:`m` covering the
:math:`N = Cm` samples and :math:`K \ge C - 1`, the optimum collapses every
clique to one unit vector :math:`u_a`, the :math:`C` vectors forming a regular
simplex (:math:`u_a^\top u_b = -1/(C-1)`, :math:`a \ne b`), rank :math:`C - 1`
whatever :math:`K` is (:math:`C = 2`: two antipodal points, rank 1; :math:`C = 1`:
one point, rank 1). Minimal loss

.. math::

    \mathcal L^\star = w\,N(m-1)\Big[-\frac1\tau
    + \log\big((m-1)e^{1/\tau} + (N-m)e^{-1/((C-1)\tau)}\big)\Big]
    = w\,N(m-1)\log\big(m-1 + (N-m)\,e^{-C/((C-1)\tau)}\big).

(The loss is linear in :math:`G`, hence the factor :math:`w`.) This is the
simplex optimum of supervised contrastive learning (Graf et al. 2021) with the
label graph. Among the configurations that collapse the cliques with one common
between-clique cosine :math:`c`, the loss
:math:`wN(m-1)\log(m-1 + (N-m)e^{(c-1)/\tau})` increases with :math:`c`, so
the smallest feasible :math:`c = -1/(C-1)` wins. Unequal cliques, other
graphs, or :math:`C > K+1`: no closed form; the loss is minimised numerically
(L-BFGS with the analytic gradient, many restarts) and returned with
``exact=False``.

**Linear and kernel regimes** (:math:`Z = XW + \mathbf 1b^\top`,
:math:`Z = K_XA + \mathbf 1b^\top`): no closed form; numerical optimum
(``exact=False``) started from the Locality Preserving Projections directions
(the linear VICReg directions) and from random parameters.
"""

import warnings

import numpy as np
import scipy.sparse.csgraph as csgraph
import scipy.stats

from .. import linalg, memory
from .._optimize import multistart
from .._progress import counter
from .._validation import (
    check_features,
    check_graph,
    check_integer,
    check_n_components,
    check_option,
    check_random_state,
    check_scalar,
)
from ..exceptions import ConvergenceWarning
from ..losses import _row_norms_checked, _simclr_value_and_gradient, simclr as simclr_loss
from ._collapse import warn_if_collapsed
from ._result import KernelRepresentation, LinearRepresentation, Representation

NAME = "simclr"

#: Default number of random starts added to the informed one (the Laplacian Eigenmaps /
#: LPP directions) by the numerical solvers; see :func:`spectral_ssl._optimize.multistart`.
RESTARTS = 4

#: Perturb-and-re-optimise rounds after the multi-start search. SimCLR's loss has long flat
#: valleys where L-BFGS-B stops early (its line search fails); each round restarts from a
#: perturbation of the best point and keeps any decrease.
POLISH_ROUNDS = 6

#: Relative tolerance under which clique weights count as equal.
WEIGHT_RTOL = 1e-12

EQUIVALENT = "generalized MDS (ISOMAP for geodesic relations)"

SOLVERS = ("auto", "closed_form", "numerical")


def loss_and_gradient(Z, G, *, temperature):
    """The exact loss and its gradient for an already validated CSR ``G`` (used by certify)."""
    degrees = np.asarray(G.sum(axis=1)).ravel()
    return _simclr_value_and_gradient(Z, G, degrees, temperature)


def _check_temperature(temperature):
    return check_scalar(temperature, name="temperature", low=0.0, low_inclusive=False)


def _check_restarts(restarts, max_iter):
    return (check_integer(restarts, name="restarts", low=0),
            check_integer(max_iter, name="max_iter", low=1))


def _unit_rows(Z):
    return Z / np.linalg.norm(Z, axis=1)[:, None]


# --------------------------------------------------------------------------- decomposition


def decompose(Z, G, *, temperature=0.5):
    r"""The local and global parts of the SimCLR loss (Theorem 1).

    .. math::

        \mathcal L(Z) = \frac1\tau\operatorname{tr}(\hat Z^\top L\hat Z)
        + \sum_i d_i\log\sum_{k\ne i}e^{-\lVert\hat z_i-\hat z_k\rVert^2/(2\tau)} .

    Parameters
    ----------
    Z : array_like, shape (N, K), no zero row
    G : relation graph, shape (N, N)
    temperature : float > 0
        :math:`\tau`.

    Returns
    -------
    dirichlet : float
        :math:`\frac1\tau\operatorname{tr}(\hat Z^\top L\hat Z)
        = \frac1{2\tau}\sum_{ij}G_{ij}\lVert\hat z_i - \hat z_j\rVert^2 \ge 0`.
    repulsion : float
        The log-sum-exp term. ``dirichlet + repulsion`` equals
        :func:`spectral_ssl.losses.simclr` up to round-off.

    Examples
    --------
    Two linked samples at a right angle: the loss is 0, split into
    :math:`\frac{1}{0.5}\cdot\frac12\cdot 2\cdot 2 = 4` and :math:`2\cdot(-2/(2\cdot0.5)) = -4`.

    >>> import numpy as np
    >>> parts = decompose(np.eye(2), np.array([[0, 1.0], [1.0, 0]]), temperature=0.5)
    >>> [round(p, 12) for p in parts]
    [4.0, -4.0]
    """
    G = check_graph(G)
    Z = check_features(Z, name="Z", n_samples=G.shape[0])
    tau = _check_temperature(temperature)
    _row_norms_checked(Z)
    Zn = _unit_rows(Z)
    d = np.asarray(G.sum(axis=1)).ravel()
    dirichlet = np.sum(Zn * (d[:, None] * Zn - G @ Zn)) / tau
    # ||zn_i - zn_k||^2 = 2 - 2 cos_ik, written that way so that the identity
    # with the loss holds to round-off.
    exponent = -(2.0 - 2.0 * (Zn @ Zn.T)) / (2.0 * tau)
    np.fill_diagonal(exponent, -np.inf)
    top = exponent.max(axis=1)
    lse = top + np.log(np.sum(np.exp(exponent - top[:, None]), axis=1))
    return float(dirichlet), float(d @ lse)


# --------------------------------------------------------------------------- equal cliques


def clique_partition(G):
    r"""Detect whether ``G`` is :math:`w` times a union of :math:`C` equal-size cliques.

    True when every connected component of :math:`G` is complete (each of its
    :math:`m` samples linked to the :math:`m-1` others), all components have the
    same size :math:`m \ge 2` (so they cover every sample: no isolated one), and
    all weights equal one :math:`w` (relative tolerance ``WEIGHT_RTOL``). The
    augmentation graph (:math:`m` = number of views) and the label graph of
    balanced classes are such graphs.

    Parameters
    ----------
    G : relation graph, shape (N, N)

    Returns
    -------
    dict or None
        ``{"labels": (N,) int clique index in order of first appearance,
        "n_cliques": C, "clique_size": m, "weight": w}``, or ``None`` when
        ``G`` is not such a graph.

    Examples
    --------
    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> info = clique_partition(graphs.from_groups([0, 1, 0, 1]))
    >>> info["labels"].tolist(), info["n_cliques"], info["clique_size"], info["weight"]
    ([0, 1, 0, 1], 2, 2, 1.0)
    >>> clique_partition(graphs.from_groups([0, 0, 1, 1, 1])) is None  # sizes 2 and 3
    True
    """
    G = check_graph(G)
    return _clique_partition(G)


def _clique_partition(G):
    n_cliques, labels = csgraph.connected_components(G, directed=False)
    sizes = np.bincount(labels)
    m = int(sizes[0])
    if m < 2 or np.any(sizes != m):
        return None
    if np.any(np.diff(G.indptr) != m - 1):  # a component is complete iff every row has m - 1 links
        return None
    weight = float(G.data.max())
    if np.any(np.abs(G.data - weight) > WEIGHT_RTOL * weight):
        return None
    return {"labels": labels.astype(np.int64), "n_cliques": int(n_cliques), "clique_size": m,
            "weight": weight}


def simplex_vertices(n_vertices):
    r"""Unit vectors :math:`u_1..u_C` in :math:`\mathbb R^{C-1}` with :math:`u_a^\top u_b = -1/(C-1)`.

    :math:`u_a = \sqrt{C/(C-1)}\,h_a`, where the rows :math:`h_a` of the Helmert
    basis (column :math:`k`:
    :math:`(1,\dots,1,-k,0,\dots,0)/\sqrt{k(k+1)}`, :math:`k` ones) are the
    coordinates of :math:`e_a - \mathbf 1/C` in an orthonormal basis of
    :math:`\mathbf 1^\perp`. ``n_vertices=1`` returns ``[[1.0]]`` (one point).

    Examples
    --------
    >>> import numpy as np
    >>> U = simplex_vertices(3)
    >>> np.round(U @ U.T, 12)
    array([[ 1. , -0.5, -0.5],
           [-0.5,  1. , -0.5],
           [-0.5, -0.5,  1. ]])
    """
    C = int(n_vertices)
    if C < 1:
        raise ValueError(f"n_vertices must be >= 1, got {n_vertices}.")
    if C == 1:
        return np.ones((1, 1))
    H = np.zeros((C, C - 1))
    for k in range(1, C):
        H[:k, k - 1] = 1.0
        H[k, k - 1] = -k
        H[:, k - 1] /= np.sqrt(k * (k + 1))
    return np.sqrt(C / (C - 1)) * H


def simplex_loss(n_cliques, clique_size, *, temperature=0.5, weight=1.0):
    r"""The minimal SimCLR loss of :math:`w` times :math:`C` disjoint cliques of size :math:`m` (Theorem 3).

    .. math::

        \mathcal L^\star = w\,N(m-1)\log\big(m-1 + (N-m)\,e^{-C/((C-1)\tau)}\big),
        \qquad N = Cm,

    the same as :math:`wN(m-1)[-1/\tau + \log((m-1)e^{1/\tau} + (N-m)e^{-1/((C-1)\tau)})]`,
    written without the large exponentials. :math:`C = 1`: :math:`wN(N-1)\log(N-1)`.

    Examples
    --------
    Two pairs (:math:`C = m = 2`): each row sees its partner at cosine 1 and two
    antipodal samples at :math:`-1`, so :math:`\mathcal L = 4\log(1 + 2e^{-2/\tau})`.

    >>> import numpy as np
    >>> bool(np.isclose(simplex_loss(2, 2, temperature=0.5), 4 * np.log(1 + 2 * np.exp(-4.0))))
    True
    """
    C, m = int(n_cliques), int(clique_size)
    if C < 1 or m < 2:
        raise ValueError(f"need n_cliques >= 1 and clique_size >= 2, got {n_cliques} and {clique_size}.")
    tau = _check_temperature(temperature)
    w = check_scalar(weight, name="weight", low=0.0, low_inclusive=False)
    N = C * m
    if C == 1:
        return float(w * N * (m - 1) * np.log(m - 1))
    return float(w * N * (m - 1) * np.log((m - 1) + (N - m) * np.exp(-C / ((C - 1) * tau))))


# --------------------------------------------------------------------------- numerical optimum


def _principal_axes(Zn):
    """Rotation ``R`` (K x K) putting the rows' second-moment axes on the coordinates.

    The eigenvectors of :math:`\\hat Z^\\top\\hat Z`, largest eigenvalue first:
    the columns of :math:`\\hat Z R` are ordered by singular value and collapsed
    directions become (near) zero columns. Cosines are unchanged.
    """
    values, vectors = np.linalg.eigh(Zn.T @ Zn)
    return vectors[:, ::-1]


class _StartWatcher:
    """Advance a progress counter once per finished start of ``multistart``, changing nothing.

    ``multistart`` draws every random start before it runs L-BFGS-B from each start in
    turn, and L-BFGS-B evaluates its start point first: an evaluation at start ``i`` means
    start ``i - 1`` has finished. Only the next expected start is compared (one array
    comparison per evaluation, negligible beside the O(N^2 K) loss); the wrapped
    functions return exactly what the originals return.
    """

    def __init__(self, objective, informed, random_start, steps):
        self._objective = objective
        self._random_start = random_start
        self._steps = steps
        self._starts = [np.ravel(np.asarray(start, dtype=np.float64)) for start in informed]
        self._begun = 0

    def random_start(self, rng):
        start = self._random_start(rng)
        self._starts.append(np.ravel(np.asarray(start, dtype=np.float64)))
        return start

    def objective(self, flat):
        if self._begun < len(self._starts) and np.array_equal(np.ravel(flat), self._starts[self._begun]):
            if self._begun:
                self._steps.update()
            self._begun += 1
        return self._objective(flat)

    def finish(self):
        """Count the last start, which no later start marks as finished."""
        if self._begun:
            self._steps.update()


def _solve(objective, informed, restarts, random_start, rng, max_iter, verbose=None, what=""):
    """:func:`spectral_ssl._optimize.multistart` with SimCLR's polish; warn if not converged.

    ``verbose``: one progress step per start (see :mod:`spectral_ssl._progress`); ``what``
    names the problem in the progress line.
    """
    steps = counter(desc=f"SimCLR{what}: L-BFGS-B starts", total=len(informed) + restarts,
                    verbose=verbose)
    watcher = _StartWatcher(objective, informed, random_start, steps)
    try:
        result = multistart(watcher.objective, informed, restarts=restarts,
                            random_start=None if random_start is None else watcher.random_start,
                            rng=rng, max_iter=max_iter, polish_rounds=POLISH_ROUNDS)
        watcher.finish()
    finally:
        steps.close()
    if not result.converged:
        warnings.warn(
            f"SimCLR: the numerical optimum is not stationary (gradient norm "
            f"{result.gradient_norm:.3g} after {result.n_iterations} L-BFGS-B iterations). If a row "
            f"of Z is near the origin (details['smallest_row_norm_ratio'] << 1), the loss, which sees "
            f"only row directions, is approached with that row at 0, where it is not smooth: the "
            f"value is then an upper bound of an infimum. Otherwise raise max_iter (now {max_iter}) "
            f"or restarts.", ConvergenceWarning, stacklevel=4)
    return result


def _smallest_row_ratio(Z):
    """Smallest row norm of ``Z`` over the median one (near 0: a row at the origin)."""
    norms = np.linalg.norm(Z, axis=1)
    return float(norms.min() / np.median(norms)) if np.median(norms) > 0 else 0.0


def _warn_collapse(rank, K, regime, cliques=None):
    if cliques is not None and rank == cliques["n_cliques"] - 1:
        C = cliques["n_cliques"]
        condition = (f"G is {C} equal cliques: the optimum is a regular simplex of {C} unit vectors, "
                     f"of rank C - 1 = {C - 1} whatever K is")
        fix = "More components cannot be used by this G."
    else:
        condition = ("the optimum found uses fewer directions: more would not lower the SimCLR loss "
                     "on this G at this temperature")
        fix = "Fewer components, or another temperature, G or regime."
    warn_if_collapsed(rank, K, method=f"SimCLR ({regime})", condition=condition, fix=fix,
                      stacklevel=4)


def _spectral_start(G, K, rng):
    """Laplacian Eigenmaps coordinates (K smallest non-trivial eigenvectors), slightly jittered.

    Rows that are zero in every eigenvector (possible on disconnected graphs)
    would have no direction; the jitter gives them one.
    """
    N = G.shape[0]
    k = min(K, N - 1)
    _, U = linalg._laplacian_eigenpairs(G, k)
    start = np.zeros((N, K))
    start[:, :k] = U * np.sqrt(N)
    return start + 1e-3 * rng.standard_normal((N, K))


def _numerical_representation(G, K, tau, restarts, rng, max_iter, verbose=None):
    N = G.shape[0]
    degrees = np.asarray(G.sum(axis=1)).ravel()

    def objective(flat):
        value, grad = _simclr_value_and_gradient(flat.reshape(N, K), G, degrees, tau)
        return value, grad.ravel()

    result = _solve(objective, [_spectral_start(G, K, rng)], restarts,
                    lambda r: r.standard_normal((N, K)), rng, max_iter, verbose,
                    f" (nonparametric, {N} samples)")
    Zn = _unit_rows(result.x)
    details = {"case": "numerical: multi-start L-BFGS-B on Z with the analytic gradient",
               **result.details(), "smallest_row_norm_ratio": _smallest_row_ratio(result.x),
               "starts": "Laplacian Eigenmaps (jittered), then standard normal"}
    return Zn, details


def optimal_representation(G, n_components, *, temperature=0.5, solver="auto", restarts=RESTARTS,
                           random_state=0, max_iter=5000, verbose=None):
    r"""Optimal non-parametric SimCLR representation (any :math:`Z \in \mathbb R^{N\times K}`).

    Parameters
    ----------
    G : relation graph, shape (N, N)
    n_components : int, 1 <= K <= N
    temperature : float > 0
        :math:`\tau`.
    solver : {"auto", "closed_form", "numerical"}
        ``"auto"``: the closed form of Theorem 3 when :func:`clique_partition`
        finds :math:`C` equal cliques and :math:`K \ge C-1` (``exact=True``),
        the numerical optimum otherwise (``exact=False``). ``"closed_form"``:
        raise ``ValueError`` when Theorem 3 does not apply. ``"numerical"``:
        always optimise (e.g. to certify the closed form).
    restarts : int >= 0
        Random starts (standard normal matrices) added to the informed one, the
        Laplacian Eigenmaps coordinates (jittered); every start runs L-BFGS-B on the
        exact loss with its analytic gradient, then the best point is polished
        (``POLISH_ROUNDS`` perturb-and-re-optimise rounds), see
        :func:`spectral_ssl._optimize.multistart`. ``details["converged"]`` is the
        gradient test at the returned point (a
        :class:`~spectral_ssl.exceptions.ConvergenceWarning` when it fails).
    random_state : None, int or numpy Generator
    max_iter : int
        L-BFGS iterations per start.
    verbose : bool or None
        Progress on standard error, one step per start of the numerical solve: ``True``
        always, ``False`` never, ``None`` (default) only when standard error is a terminal
        (see :mod:`spectral_ssl._progress`). Not a hyper-parameter of the loss.

    Returns
    -------
    Representation
        ``Z`` has unit rows (the loss only sees directions), rotated to its
        principal axes for the numerical optimum (columns ordered by singular
        value) and given in the Helmert simplex basis for the closed form.
        ``eigenvalues``: the :math:`K` largest eigenvalues of the cosine Gram
        matrix :math:`\hat Z\hat Z^\top` (descending); ``scales``: the singular
        values of :math:`\hat Z` (their square roots). ``rank``:
        :func:`spectral_ssl.linalg.representation_rank` of ``Z`` (singular values of
        the centred ``Z`` above 1e-6 of the largest), with a
        :class:`~spectral_ssl.exceptions.CollapseWarning` when it is below ``K``
        (the simplex: rank :math:`C - 1` whatever ``K``).
        ``details["minimal_loss"]``: the formula of Theorem 3 (closed form only).

    Notes
    -----
    With ``n_components=1`` every row direction is :math:`\pm 1`, so the loss
    is piecewise constant and its gradient is zero: the numerical solver then
    only returns the best sign pattern among its starts (the closed form, when
    it applies, is unaffected).

    Examples
    --------
    Three images with two views each: the views collapse, the three points
    form a triangle (cosine -1/2), rank 2.

    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # CollapseWarning: rank 2 of the 4 asked for
    ...     rep = optimal_representation(graphs.from_groups(np.tile(np.arange(3), 2)), 4)
    >>> rep.exact, rep.rank, bool(np.isclose(rep.loss, rep.details["minimal_loss"]))
    (True, 2, True)
    >>> float(np.round(rep.Z[0] @ rep.Z[1], 12))
    -0.5
    """
    memory.check_pairwise(G, call="simclr.optimal_representation", copies=3, alternative=memory.SIMCLR_ALTERNATIVE)
    G = check_graph(G)
    N = G.shape[0]
    K = check_n_components(n_components, N, what="the number of samples N")
    tau = _check_temperature(temperature)
    check_option(solver, name="solver", options=SOLVERS)
    restarts, max_iter = _check_restarts(restarts, max_iter)
    cliques = _clique_partition(G) if solver != "numerical" else None
    closed = cliques is not None and K >= cliques["n_cliques"] - 1
    if solver == "closed_form" and not closed:
        if cliques is None:
            raise ValueError(
                "solver='closed_form' needs G to be a union of equal-size cliques with one common "
                "weight (see clique_partition); use solver='auto' or 'numerical'."
            )
        raise ValueError(
            f"solver='closed_form' needs n_components >= n_cliques - 1 = {cliques['n_cliques'] - 1}, "
            f"got {K}; use solver='numerical' or more components."
        )
    if closed:
        C = cliques["n_cliques"]
        vertices = simplex_vertices(C)
        Zn = np.zeros((N, K))
        Zn[:, : vertices.shape[1]] = vertices[cliques["labels"]]
        minimal = simplex_loss(C, cliques["clique_size"], temperature=tau, weight=cliques["weight"])
        details = {"case": "closed form: equal cliques collapse to a regular simplex",
                   "minimal_loss": minimal, "n_cliques": C, "clique_size": cliques["clique_size"],
                   "clique_weight": cliques["weight"],
                   "between_cosine": -1.0 / (C - 1) if C > 1 else None,
                   "clique_labels": cliques["labels"]}
        exact = True
    else:
        Zn, details = _numerical_representation(G, K, tau, restarts, check_random_state(random_state),
                                                max_iter, verbose)
        R = _principal_axes(Zn)
        Zn = Zn @ R
        exact = False
        if cliques is not None:
            details["case"] += f" (K < n_cliques - 1 = {cliques['n_cliques'] - 1})"
    (Z,) = linalg.sign_flip_with(Zn)
    scales = np.zeros(K)
    s = np.linalg.svd(Z, compute_uv=False)
    scales[: s.size] = s
    rank = linalg.representation_rank(Z)
    _warn_collapse(rank, K, "nonparametric", cliques if closed else None)
    return Representation(
        Z=Z, loss=simclr_loss(Z, G, temperature=tau), rank=rank,
        eigenvalues=scales**2, scales=scales, exact=exact, method=NAME, equivalent=EQUIVALENT,
        regime="nonparametric", hyperparameters={"temperature": tau}, details=details,
    )


# --------------------------------------------------------------------------- linear and kernel


def _parametric_solution(features, G, K, tau, restarts, rng, max_iter, verbose=None, regime="linear"):
    r"""Minimise the SimCLR loss over :math:`Z = FW + \mathbf 1b^\top`; return (W, bias, Z, details).

    Works in whitened coordinates: with :math:`A = F^\top LF/N`,
    :math:`B = F^\top HF/N` and :math:`AQ = BQ\operatorname{diag}(\mu)`,
    :math:`Q^\top BQ = I` (on the range of :math:`B`), :math:`\Phi = HFQ` has
    identity covariance and :math:`Z = \Phi Y + \mathbf 1c^\top`. Directions
    outside the range of :math:`B` are constant over the samples, i.e. a bias,
    so nothing is lost. Starts: :math:`Y` = the first :math:`K` columns of the
    identity (the LPP / linear-VICReg directions, smallest :math:`\mu`),
    :math:`c = 0`; then standard normal :math:`Y` and :math:`c`.
    """
    N = features.shape[0]
    degrees = np.asarray(G.sum(axis=1)).ravel()
    mean = features.mean(axis=0)
    Fc = linalg.zero_constant_columns(features - mean, features)
    A = linalg.graph_quadratic_form(Fc, G) / N  # = F^T L F, without cancellation (L 1 = 0)
    B = Fc.T @ Fc / N
    if not np.any(B):
        raise ValueError(
            "X has no direction with variance (every sample has the same features, or the same "
            "kernel row): Z = X W + b could only be constant; check X, the kernel or its bandwidth.")
    mu, Q = linalg.generalized_eigh(A, B)
    Phi = Fc @ Q
    r = Phi.shape[1]

    def unpack(flat):
        return flat[: r * K].reshape(r, K), flat[r * K:]

    def objective(flat):
        Y, c = unpack(flat)
        value, grad = _simclr_value_and_gradient(Phi @ Y + c, G, degrees, tau)
        return value, np.concatenate([(Phi.T @ grad).ravel(), grad.sum(axis=0)])

    first = np.zeros((r, K))
    k = min(r, K)
    first[:k, :k] = np.eye(k)
    if K > r:  # more components than directions with variance: the rest start random
        first[:, r:] = rng.standard_normal((r, K - r))
    informed = [np.concatenate([first.ravel(), np.zeros(K)])]
    result = _solve(objective, informed, restarts, lambda g: g.standard_normal(r * K + K), rng,
                    max_iter, verbose, f" ({regime}, {N} samples)")
    Y, c = unpack(result.x)
    W = Q @ Y
    bias = c - mean @ W
    Z = features @ W + bias
    if np.any(np.linalg.norm(Z, axis=1) == 0):
        raise RuntimeError("the optimised representation has a zero row; try another random_state.")
    R = _principal_axes(_unit_rows(Z))
    Z, W, bias = linalg.sign_flip_with(Z @ R, W @ R, bias @ R)
    details = {"case": "numerical: multi-start L-BFGS-B on (W, b) in whitened coordinates",
               **result.details(), "lpp_eigenvalues": mu,
               "smallest_row_norm_ratio": _smallest_row_ratio(Z),
               "starts": "LPP directions (linear VICReg), then standard normal"}
    return W, bias, Z, details


def _parametric_result(cls, Z, G, tau, details, regime, **fields):
    scales = np.zeros(Z.shape[1])
    s = np.linalg.svd(_unit_rows(Z), compute_uv=False)
    scales[: s.size] = s
    rank = linalg.representation_rank(Z)
    _warn_collapse(rank, Z.shape[1], regime)
    return cls(Z=Z, loss=simclr_loss(Z, G, temperature=tau),
               rank=rank, eigenvalues=scales**2, scales=scales,
               exact=False, method=NAME, hyperparameters={"temperature": tau}, details=details,
               **fields)


def optimal_linear(X, G, n_components, *, temperature=0.5, restarts=RESTARTS, random_state=0,
                   max_iter=5000, verbose=None):
    r"""Numerically optimal linear SimCLR :math:`Z = XW + \mathbf 1b^\top` (``exact=False``).

    No closed form is known: the exact loss is minimised over :math:`(W, b)`
    by L-BFGS with the analytic gradient (:math:`\partial/\partial W = X^\top
    \partial\mathcal L/\partial Z`, :math:`\partial/\partial b = \mathbf 1^\top
    \partial\mathcal L/\partial Z`), in the whitened coordinates of the
    Locality Preserving Projections problem :math:`X^\top LX q = \mu X^\top HX q`;
    the informed start is the LPP directions (those of linear VICReg), then
    ``restarts`` random ones and the polish of :func:`optimal_representation`.

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    n_components : int, 1 <= K <= N
    temperature : float > 0
    restarts, random_state, max_iter, verbose :
        As in :func:`optimal_representation`.

    Returns
    -------
    LinearRepresentation
        ``Z = X @ W + bias`` (not row-normalised, so ``transform(X)`` returns
        it), rotated to the principal axes of its row directions; ``eigenvalues``
        and ``scales`` as in :func:`optimal_representation`;
        ``details["lpp_eigenvalues"]`` the :math:`\mu` of the start.
    """
    memory.check_pairwise(X, call="simclr.optimal_linear", copies=3, alternative=memory.SIMCLR_ALTERNATIVE)
    G = check_graph(G)
    X = check_features(X, name="X", n_samples=G.shape[0])
    K = check_n_components(n_components, G.shape[0], what="the number of samples N")
    tau = _check_temperature(temperature)
    restarts, max_iter = _check_restarts(restarts, max_iter)
    W, bias, Z, details = _parametric_solution(X, G, K, tau, restarts,
                                               check_random_state(random_state), max_iter, verbose)
    return _parametric_result(LinearRepresentation, Z, G, tau, details, "linear", W=W, bias=bias,
                              equivalent="linear generalized MDS")


def optimal_kernel(X, G, n_components, *, kernel="rbf", bandwidth=None, degree=3, coef0=1.0,
                   temperature=0.5, restarts=RESTARTS, random_state=0, max_iter=5000, verbose=None):
    r"""Numerically optimal kernel SimCLR :math:`Z = K_XA + \mathbf 1b^\top` (``exact=False``).

    :func:`optimal_linear` with the features :math:`X` replaced by the Gram
    matrix :math:`K_X`; the first start is the kernel LPP directions. New
    samples map by :math:`k(x, X)A + b`.

    Parameters
    ----------
    X : array_like, shape (N, D)
    G : relation graph, shape (N, N)
    n_components : int, 1 <= K <= N
    kernel : {"rbf", "linear", "polynomial"} or callable ``k(X, Y) -> ndarray``
    bandwidth : float, optional
        rbf length scale; ``None`` = median pairwise distance of ``X``.
    degree, coef0 :
        Polynomial kernel :math:`(x^\top y + \text{coef0})^{\text{degree}}`.
    temperature, restarts, random_state, max_iter, verbose :
        As in :func:`optimal_linear`.

    Returns
    -------
    KernelRepresentation
    """
    memory.check_pairwise(X, call="simclr.optimal_kernel", copies=4, alternative=memory.SIMCLR_ALTERNATIVE)
    G = check_graph(G)
    X = check_features(X, name="X", n_samples=G.shape[0])
    K = check_n_components(n_components, G.shape[0], what="the number of samples N")
    tau = _check_temperature(temperature)
    restarts, max_iter = _check_restarts(restarts, max_iter)
    k = linalg.make_kernel(X, kernel, bandwidth=bandwidth, degree=degree, coef0=coef0)
    gram = np.asarray(k(X, X), dtype=np.float64)
    if gram.shape != (X.shape[0], X.shape[0]) or not np.all(np.isfinite(gram)):
        raise ValueError("kernel(X, X) must return a finite (N, N) matrix.")
    A, bias, Z, details = _parametric_solution(gram, G, K, tau, restarts,
                                               check_random_state(random_state), max_iter, verbose,
                                               "kernel")
    details["kernel"] = repr(k)
    return _parametric_result(KernelRepresentation, Z, G, tau, details, "kernel", A=A, bias=bias, X_fit=X,
                              kernel=k, equivalent="kernel generalized MDS")


# --------------------------------------------------------------------------- the MDS view


def mds_target(G, *, temperature=0.5):
    r"""The squared distances SimCLR fits on the sphere (Theorem 2).

    .. math:: \Delta_{ij} = -2\tau\log G_{ij} \quad (i\ne j), \qquad \Delta_{ii} = 0 .

    :math:`\hat G = D_G^{-1}G` (the loss's lower bound) holds iff
    :math:`\lVert\hat z_i-\hat z_j\rVert^2 = \Delta_{ij} + \text{const}`; the
    constant is not fixed by the loss (it is a row constant of the softmax),
    and is set here by reading :math:`G` as a similarity with self-similarity
    :math:`G_{ii} = 1`, i.e. the target cosines are
    :math:`1 + \tau\log G_{ij}`. For a Gaussian relation
    :math:`G_{ij} = e^{-\delta_{ij}^2/(2\sigma^2)}` (e.g.
    :func:`spectral_ssl.graphs.gaussian` with ``n_neighbors=None``):
    :math:`\Delta = (\tau/\sigma^2)\,\delta^2`, the input of classical MDS on
    :math:`\delta` (ISOMAP when :math:`\delta` is a graph geodesic).

    Parameters
    ----------
    G : relation graph, shape (N, N)
        Every off-diagonal weight in :math:`(0, 1]`.
    temperature : float > 0
        :math:`\tau`.

    Returns
    -------
    ndarray, shape (N, N)
        Dense, symmetric, zero diagonal, non-negative.

    Raises
    ------
    ValueError
        If some pair has :math:`G_{ij} = 0` (binary, kNN or clique graphs):
        the bound then needs :math:`\log 0 = -\infty`, an infimum that no
        :math:`Z` attains (SimCLR pushes those pairs apart without end relative
        to positives), so there is no finite target. If some weight exceeds 1:
        rescale ``G / G.max()`` first (the minimiser does not change, the
        target only shifts by a constant).

    Examples
    --------
    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> G = graphs.gaussian(np.array([[0.0], [1.0], [3.0]]), bandwidth=1.0)
    >>> mds_target(G, temperature=0.5)  # (tau / sigma^2) * delta^2 = delta^2 / 2
    array([[0. , 0.5, 4.5],
           [0.5, 0. , 2. ],
           [4.5, 2. , 0. ]])
    """
    G = check_graph(G)
    tau = _check_temperature(temperature)
    N = G.shape[0]
    if G.nnz != N * (N - 1):
        raise ValueError(
            f"G has {N * (N - 1) - G.nnz} zero off-diagonal weights: SimCLR's target -2 tau log G "
            f"is then +inf (the optimum is an infimum, not attained). The MDS target needs a dense "
            f"relation such as graphs.gaussian(X, bandwidth) with n_neighbors=None."
        )
    if G.data.max() > 1.0:
        raise ValueError(
            f"G has weights above 1 (max {G.data.max():.6g}) and would give negative target squared "
            f"distances; pass G / G.max() (the SimCLR minimiser is unchanged by scaling G)."
        )
    target = G.toarray()
    off = ~np.eye(N, dtype=bool)
    target[off] = -2.0 * tau * np.log(target[off])
    return target


def mds_embedding(G, n_components, *, temperature=0.5, return_eigenvalues=False):
    r"""Classical MDS of :func:`mds_target`: the Euclidean embedding SimCLR approximates.

    With :math:`\Delta` = ``mds_target(G, temperature)``,
    :math:`B = -\tfrac12 H\Delta H` and its :math:`K` largest eigenpairs
    :math:`(\ell_k, v_k)`: :math:`Y = [v_1..v_K]\operatorname{diag}(\sqrt{\max(\ell_k, 0)})`
    (negative eigenvalues, from a non-Euclidean :math:`\Delta`, give zero
    columns). :math:`\lVert y_i - y_j\rVert^2 = \Delta_{ij}` exactly when
    :math:`\Delta` is Euclidean of dimension :math:`\le K`. Columns follow the
    sign rule; the eigensolver is LAPACK ``eigh`` on the dense :math:`N\times N`
    matrix.

    Parameters
    ----------
    G : relation graph, shape (N, N), dense positive (see :func:`mds_target`)
    n_components : int, 1 <= K <= N
    temperature : float > 0
    return_eigenvalues : bool
        Also return :math:`\ell_1 \ge \dots \ge \ell_K`.

    Returns
    -------
    Y : ndarray, shape (N, K), or (Y, eigenvalues)

    Examples
    --------
    Three points on a line are recovered up to a shift and scale
    :math:`\sqrt{\tau}/\sigma`:

    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> G = graphs.gaussian(np.array([[0.0], [1.0], [3.0]]), bandwidth=1.0)
    >>> Y = mds_embedding(G, 1, temperature=0.5)
    >>> np.round(np.abs(Y[:, 0] - Y[0, 0]) * np.sqrt(2), 10)
    array([0., 1., 3.])
    """
    target = mds_target(G, temperature=temperature)
    N = target.shape[0]
    K = check_n_components(n_components, N, what="the number of samples N")
    Dc = target - target.mean(axis=0)
    Dc = Dc - Dc.mean(axis=1)[:, None]
    B = -0.5 * Dc
    values, vectors = np.linalg.eigh((B + B.T) / 2)
    values, vectors = values[::-1][:K], vectors[:, ::-1][:, :K]
    Y = linalg.sign_flip(vectors * np.sqrt(np.maximum(values, 0.0)))
    return (Y, values) if return_eigenvalues else Y


AGREEMENT_KINDS = ("spearman", "pearson", "stress")


def mds_agreement(Z, G, *, kind="spearman", temperature=None):
    r"""How close a SimCLR representation is to the MDS target of ``G``.

    Compares, over the pairs :math:`i<j`, the chord distances
    :math:`\lVert\hat z_i - \hat z_j\rVert` of the row-normalised representation
    with the target of :func:`mds_target`:

    * ``"spearman"`` (default): Spearman rank correlation between
      :math:`\lVert\hat z_i - \hat z_j\rVert` and :math:`\Delta_{ij}`. The ranks of
      :math:`\Delta` are those of :math:`-G`, so it needs no temperature and is
      blind to the free additive constant of the target. 1 = the same ordering.
    * ``"pearson"``: Pearson correlation between :math:`\lVert\hat z_i -
      \hat z_j\rVert` and :math:`\sqrt{\Delta_{ij}}` (scale-free, no temperature).
    * ``"stress"``: the calibrated residual
      :math:`\min_c \lVert q - \Delta - c\rVert / \lVert\Delta - \bar\Delta\rVert`
      over the pairs, :math:`q_{ij} = \lVert\hat z_i-\hat z_j\rVert^2`; only the
      free constant :math:`c` is fitted (the scale :math:`\tau` is not), so it
      needs the temperature. 0 = Theorem 2's bound is attained.

    Parameters
    ----------
    Z : array_like of shape (N, K), or a Representation
        A (SimCLR-optimised) representation; a ``Representation`` gives its ``Z``
        and, for ``"stress"``, its temperature.
    G : relation graph, shape (N, N), dense positive (see :func:`mds_target`)
    kind : {"spearman", "pearson", "stress"}
    temperature : float > 0, optional
        Needed for ``"stress"`` unless ``Z`` is a Representation.

    Returns
    -------
    float

    Examples
    --------
    Points on a circle of radius 1 with :math:`\sigma = \sqrt\tau`: the circle
    itself realises the target exactly.

    >>> import numpy as np
    >>> from spectral_ssl import graphs
    >>> angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    >>> X = np.c_[np.cos(angles), np.sin(angles)]
    >>> G = graphs.gaussian(X, bandwidth=np.sqrt(0.5))
    >>> round(mds_agreement(X, G, kind="stress", temperature=0.5), 10)
    0.0
    """
    hyper = getattr(Z, "hyperparameters", None)
    if hasattr(Z, "Z") and hyper is not None:
        if temperature is None:
            temperature = hyper.get("temperature")
        Z = Z.Z
    check_option(kind, name="kind", options=AGREEMENT_KINDS)
    G = check_graph(G)
    Z = check_features(Z, name="Z", n_samples=G.shape[0])
    _row_norms_checked(Z)
    if kind == "stress":
        if temperature is None:
            raise ValueError("kind='stress' needs the temperature: pass temperature= or a Representation.")
        tau = _check_temperature(temperature)
    else:
        tau = 1.0  # the correlations do not depend on it
    target = mds_target(G, temperature=tau)
    Zn = _unit_rows(Z)
    chord2 = np.maximum(2.0 - 2.0 * (Zn @ Zn.T), 0.0)
    upper = np.triu_indices(G.shape[0], k=1)
    q, t = chord2[upper], target[upper]
    if kind == "spearman":
        return float(scipy.stats.spearmanr(np.sqrt(q), t)[0])
    if kind == "pearson":
        return float(np.corrcoef(np.sqrt(q), np.sqrt(t))[0, 1])
    residual = q - t
    spread = np.linalg.norm(t - t.mean())
    if spread == 0:
        raise ValueError("the target distances are all equal; the stress is undefined (use a correlation).")
    return float(np.linalg.norm(residual - residual.mean()) / spread)
