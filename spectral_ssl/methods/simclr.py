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


import numpy as np
import scipy.sparse.csgraph as csgraph

from .. import linalg, memory
from .._validation import (
    check_features,
    check_graph,
    check_integer,
    check_n_components,
    check_option,
    check_random_state,
    check_scalar,
)
from ..losses import row_norms_checked, simclr_value_and_gradient
from . import _parametric
from ._result import KernelRepresentation, LinearRepresentation, Representation
from ._simclr_common import check_restarts, check_temperature
from ._simclr_mds import AGREEMENT_KINDS, mds_agreement, mds_embedding, mds_target  # noqa: F401 (re-exported)
from ._simclr_numerical import (  # noqa: F401 (the constants are re-exported)
    ESCALATION, ESCALATION_TRIES, POLISH_ROUNDS, RESTARTS, numerical_representation, parametric_result,
    parametric_solution, principal_axes, warn_collapse,
)

# Re-exported from the private modules: documented and doctested as members of this module.
for _function in (mds_target, mds_embedding, mds_agreement):
    _function.__module__ = __name__
del _function

NAME = "simclr"

#: Relative tolerance under which clique weights count as equal.
WEIGHT_RTOL = 1e-12

EQUIVALENT = "generalized MDS (ISOMAP for geodesic relations)"

SOLVERS = ("auto", "closed_form", "numerical")


def loss_and_gradient(Z, G, *, temperature, degrees=None):
    """The exact loss and gradient for a validated CSR ``G`` (used by certify); ``degrees``: its row sums, if known."""
    degrees = linalg.degrees(G, check_input=False) if degrees is None else degrees
    return simclr_value_and_gradient(Z, G, degrees, temperature)


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
    tau = check_temperature(temperature)
    row_norms_checked(Z)
    Zn = linalg.unit_rows(Z)[0]
    d = linalg.degrees(G, check_input=False)
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
    C = check_integer(n_vertices, name="n_vertices", low=1)
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
    C = check_integer(n_cliques, name="n_cliques", low=1)
    m = check_integer(clique_size, name="clique_size", low=2)
    tau = check_temperature(temperature)
    w = check_scalar(weight, name="weight", low=0.0, low_inclusive=False)
    N = C * m
    if C == 1:
        return float(w * N * (m - 1) * np.log(m - 1))
    return float(w * N * (m - 1) * np.log((m - 1) + (N - m) * np.exp(-C / ((C - 1) * tau))))


def optimal_representation(G, n_components, *, temperature=0.5, solver="auto", restarts=RESTARTS,
                           random_state=0, max_iter=5000, verbose=None):
    r"""Optimal non-parametric SimCLR representation (any :math:`Z \in \mathbb R^{N\times K}`).

    Parameters
    ----------
    G : relation graph, shape (N, N)
    n_components : int, 1 <= K <= N
    temperature : float > 0
        :math:`\tau`; the numerical search takes :math:`\tau \ge 10^{-8}` (``ValueError`` below).
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
        (``POLISH_ROUNDS`` rounds of :func:`spectral_ssl._optimize.multistart`; if
        not stationary, ``ESCALATION_TRIES`` more from perturbations of each relative
        size in ``ESCALATION``). ``details["converged"]``: the gradient test at the
        returned point (else a ``ConvergenceWarning``).
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
    tau = check_temperature(temperature)
    check_option(solver, name="solver", options=SOLVERS)
    restarts, max_iter = check_restarts(restarts, max_iter)
    d = linalg.degrees(G, check_input=False)  # once: the search's and the loss's
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
        Zn, details = numerical_representation(G, K, tau, restarts, check_random_state(random_state),
                                                max_iter, verbose, degrees=d)
        R = principal_axes(Zn)
        Zn = Zn @ R
        exact = False
        if cliques is not None:
            details["case"] += f" (K < n_cliques - 1 = {cliques['n_cliques'] - 1})"
    (Z,) = linalg.sign_flip_with(Zn)
    scales = np.zeros(K)
    s = np.linalg.svd(Z, compute_uv=False)
    scales[: s.size] = s
    rank = linalg.representation_rank(Z)
    warn_collapse(rank, K, "nonparametric", cliques if closed else None)
    return Representation(
        Z=Z, loss=loss_and_gradient(Z, G, temperature=tau, degrees=d)[0], rank=rank,
        eigenvalues=scales**2, scales=scales, exact=exact, method=NAME, equivalent=EQUIVALENT,
        regime="nonparametric", hyperparameters={"temperature": tau}, details=details,
    )


# --------------------------------------------------------------------------- linear and kernel


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
    temperature : float >= 1e-8
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
    tau = check_temperature(temperature)
    restarts, max_iter = check_restarts(restarts, max_iter)
    d = linalg.degrees(G, check_input=False)  # once: the search's and the loss's
    W, bias, Z, details = parametric_solution(X, G, K, tau, restarts, check_random_state(random_state),
                                               max_iter, verbose, degrees=d)
    return parametric_result(LinearRepresentation, Z, G, tau, details, "linear", degrees=d, method=NAME, W=W, bias=bias,
                              equivalent="linear generalized MDS")


def optimal_kernel(X, G, n_components, *, kernel="rbf", bandwidth=None, degree=3, coef0=1.0,
                   temperature=0.5, restarts=RESTARTS, random_state=0, max_iter=5000, verbose=None):
    r"""Numerically optimal kernel SimCLR :math:`Z = K_XA + \mathbf 1b^\top` (``exact=False``).

    :func:`optimal_linear` with the features :math:`X` replaced by the Gram
    matrix :math:`K_X`; the first start is the kernel LPP directions. New
    samples map by :math:`k(x, X)A + b`.
    :math:`K_X` is symmetrised or refused by :func:`spectral_ssl.methods.vicreg.optimal_kernel`'s symmetry rule.

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
    X, G = _parametric.kernel_inputs(X, G, call="simclr.optimal_kernel", alternative=memory.SIMCLR_ALTERNATIVE)
    K = check_n_components(n_components, G.shape[0], what="the number of samples N")
    tau = check_temperature(temperature)
    restarts, max_iter = check_restarts(restarts, max_iter)
    k, gram = _parametric.kernel_gram(X, kernel, bandwidth, degree, coef0)
    d = linalg.degrees(G, check_input=False)  # once: the search's and the loss's
    A, bias, Z, details = parametric_solution(gram, G, K, tau, restarts, check_random_state(random_state),
                                               max_iter, verbose, "kernel", degrees=d)
    details["kernel"] = repr(k)
    return parametric_result(KernelRepresentation, Z, G, tau, details, "kernel", degrees=d, method=NAME, A=A,
                             bias=bias, X_fit=X,
                              kernel=k, equivalent="kernel generalized MDS")
