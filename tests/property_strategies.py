"""Shared random cases and an independent reference optimiser for the exactness property test.

Used by ``tests/test_property_exact.py`` (through hypothesis) and by
``benchmarks/property_gaps.py`` (through a numpy Generator): every case is built by a plain
function of a few drawn numbers, so both draw the same families of inputs.

Nothing here calls the solvers under test. The reference for "optimal" is multi-start
L-BFGS (``scipy.optimize.minimize``) on the public exact loss of :mod:`spectral_ssl.losses`
(value and analytic gradient, ``return_gradient=True``; the chain rule through the
parametrisations below is written here and checked against finite differences in the
test module). Parametric regimes are searched over an orthonormal basis ``T`` of the
representations the regime can produce (``Z = T P``), computed here with numpy from the
features by the unit-free numerical-rank rule of ``numpy.linalg.matrix_rank`` applied to
column-standardised features, so that L-BFGS sees a well-conditioned problem whatever
the units of ``X``.
"""

import math

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from spectral_ssl import losses

EPS = float(np.finfo(np.float64).eps)

GRAPH_KINDS = ("weighted", "knn", "groups", "pairing", "disconnected")
FEATURE_KINDS = ("unscaled", "scaled", "wide", "rank_deficient")

#: (method, regime) pairs the property covers (SimCLR: the only exact=True case is the
#: equal-clique closed form of the non-parametric regime).
CASES = (
    ("vicreg", "nonparametric"), ("vicreg", "linear"), ("vicreg", "kernel"),
    ("spectral_contrastive", "nonparametric"), ("spectral_contrastive", "linear"),
    ("spectral_contrastive", "kernel"),
    ("barlow_twins", "nonparametric"), ("barlow_twins", "linear"),
    ("simclr", "nonparametric"),
)

#: Relative tolerance of the certificate (issue #13).
RTOL = 1e-8
#: Floor of the denominator of the relative gap, relative to the loss's natural scale (see
#: ``loss_scale``): RTOL * FLOOR_REL = 1e-12 of that scale (~4500 eps) is the absolute
#: tolerance, so that "loss ~ 0" examples do not fail on the round-off of the loss alone.
FLOOR_REL = 1e-4


# --------------------------------------------------------------------------- graphs


def _symmetrise(W):
    W = np.triu(W, 1)
    return W + W.T


def _weights(rng, mask, log_scale, log_spread):
    """10**U(log_scale, log_scale + log_spread) on the True entries of the upper triangle."""
    n = mask.shape[0]
    values = 10.0 ** rng.uniform(log_scale, log_scale + log_spread, size=(n, n))
    return _symmetrise(np.where(np.triu(mask, 1), values, 0.0))


def _knn_mask(points, k):
    d2 = np.sum((points[:, None, :] - points[None, :, :]) ** 2, axis=-1)
    np.fill_diagonal(d2, np.inf)
    order = np.argsort(d2, axis=1, kind="stable")[:, :k]
    mask = np.zeros(d2.shape, bool)
    mask[np.repeat(np.arange(points.shape[0]), k), order.ravel()] = True
    return mask | mask.T


def _connected_block(rng, n, density):
    """Random cycle plus chords on n nodes (connected), as a boolean mask."""
    mask = np.zeros((n, n), bool)
    if n == 1:
        return mask
    order = rng.permutation(n)
    mask[order, np.roll(order, -1)] = True
    mask |= rng.random((n, n)) < density
    mask = np.triu(mask | mask.T, 1)
    return mask | mask.T


def build_graph(kind, seed, n, *, log_scale=0.0, log_spread=0.0, k=3, n_groups=2, equal=True,
                density=0.2, n_isolated=0, points=None):
    """A dense symmetric relation graph with zero diagonal (numpy array), and a description.

    kind:
      * ``weighted``: one connected random block, weights 10**U(scale, scale + spread);
      * ``knn``: symmetric k-nearest-neighbour graph of ``points`` (or random points);
      * ``groups``: cliques of the labels (``equal``: equal sizes, one common weight);
      * ``pairing``: two views of n // 2 images, view i linked to view i + n // 2;
      * ``disconnected``: ``n_groups`` random blocks plus ``n_isolated`` isolated samples.
    Samples are shuffled at the end (except ``pairing``, whose order is the usual one).
    """
    rng = np.random.default_rng(seed)
    if kind == "weighted":
        W = _weights(rng, _connected_block(rng, n, density), log_scale, log_spread)
    elif kind == "knn":
        pts = rng.standard_normal((n, 3)) if points is None else points
        W = _weights(rng, _knn_mask(pts, min(k, n - 1)), log_scale, log_spread)
    elif kind == "groups":
        n_groups = max(1, min(n_groups, n // 2))
        if equal:
            size = n // n_groups
            n = size * n_groups
            labels = np.repeat(np.arange(n_groups), size)
        else:
            labels = np.concatenate([np.arange(n_groups), rng.integers(0, n_groups, n - n_groups)])
        mask = labels[:, None] == labels[None, :]
        np.fill_diagonal(mask, False)
        if equal:
            W = np.where(mask, 10.0 ** log_scale, 0.0)
        else:
            W = _weights(rng, mask, log_scale, log_spread)
    elif kind == "pairing":
        m = max(n // 2, 2)
        n = 2 * m
        W = np.zeros((n, n))
        W[np.arange(m), np.arange(m) + m] = 10.0 ** log_scale
        return W + W.T, {"kind": kind, "n": n}
    elif kind == "disconnected":
        m = n - n_isolated
        n_groups = max(1, min(n_groups, m // 2))
        sizes = np.full(n_groups, m // n_groups)
        sizes[: m % n_groups] += 1
        mask = np.zeros((n, n), bool)
        start = 0
        for size in sizes:
            block = slice(start, start + size)
            mask[block, block] = _connected_block(rng, size, density)
            start += size
        W = _weights(rng, mask, log_scale, log_spread)
    else:
        raise ValueError(kind)
    order = rng.permutation(n)
    W = W[np.ix_(order, order)]
    return W, {"kind": kind, "n": n}


def components(W):
    """Number of connected components (isolated samples count), by a plain BFS."""
    n = W.shape[0]
    seen = np.zeros(n, bool)
    count = 0
    for s in range(n):
        if seen[s]:
            continue
        count += 1
        stack = [s]
        seen[s] = True
        while stack:
            i = stack.pop()
            for j in np.flatnonzero(W[i] != 0):
                if not seen[j]:
                    seen[j] = True
                    stack.append(j)
    return count


# --------------------------------------------------------------------------- features


def build_features(kind, seed, n, d, *, log_lo=-6.0, log_hi=6.0, rank=None, offset=0.0):
    """Features X (N, D).

    * ``unscaled``: standard normal plus a common offset 10**offset (raw, uncentred units);
    * ``scaled``: every column multiplied by 10**U(log_lo, log_hi);
    * ``wide``: D > N (d is raised to at least N + 1), scaled columns;
    * ``rank_deficient``: rank ``rank`` < D (latent factors mixed into D columns), scaled.
    """
    rng = np.random.default_rng(seed)
    if kind == "wide":
        d = max(d, n + 1)
    if kind == "rank_deficient":
        r = max(1, min(rank or 1, d - 1, n - 2))
        X = rng.standard_normal((n, r)) @ rng.standard_normal((r, d))
    else:
        X = rng.standard_normal((n, d))
    if kind in ("scaled", "wide", "rank_deficient"):
        X = X * 10.0 ** rng.uniform(log_lo, log_hi, size=d)
    else:
        X = X + 10.0 ** offset
    return X


def span_basis(F, rtol_factor=1.0, magnitudes=None):
    """Orthonormal basis (N, r) of col(F) by a unit-free rule (``F`` used as given).

    Columns are scaled to unit norm (zero columns dropped), then the singular values above
    ``max(N, D) * eps * s_max`` are kept (the rule of ``numpy.linalg.matrix_rank``).
    """
    norms = np.linalg.norm(F, axis=0)
    nonzero = norms > 0
    F = F[:, nonzero] / norms[nonzero]
    if F.shape[1] == 0:
        return np.zeros((F.shape[0], 0))
    U, s, _ = np.linalg.svd(F, full_matrices=False)
    top = s[0]
    if magnitudes is not None:
        # centred columns carry the round-off of the centring, eps * max |x_ij| per entry:
        # relative to the column norm that is up to sqrt(N) * max_j a_j / n_j
        top = max(top, math.sqrt(F.shape[0]) * float(np.max(magnitudes[nonzero] / norms[nonzero])))
    keep = s > rtol_factor * max(F.shape) * EPS * top
    return U[:, keep]


def centred_features(X):
    """X minus its column means, columns constant up to round-off set to 0."""
    Xc = X - X.mean(axis=0)
    scale = np.max(np.abs(X), axis=0)
    Xc[:, np.max(np.abs(Xc), axis=0) <= 1e3 * EPS * scale] = 0.0
    return Xc


def rbf_gram(X):
    """The rbf Gram matrix with the median pairwise distance as bandwidth (the documented default)."""
    d2 = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)  # differences: no cancellation
    iu = np.triu_indices(X.shape[0], 1)
    bandwidth = float(np.median(np.sqrt(d2[iu])))
    if not bandwidth > 0:
        bandwidth = 1.0
    return np.exp(-d2 / (2.0 * bandwidth**2))


def kernel_basis(gram, rank_rtol=1e-10):
    """Orthonormal basis of the centred kernel span the kernel regimes document.

    The documented numerical range of K_X (spectral_contrastive.optimal_kernel,
    vicreg.optimal_kernel): eigenvectors V with eigenvalues above ``rank_rtol`` times the
    largest, then the centred directions of span(V) with singular value above ``rank_rtol``
    (V orthonormal, so that threshold is absolute). Computed here with numpy.
    """
    s, V = np.linalg.eigh((gram + gram.T) / 2)
    V = V[:, s > rank_rtol * s[-1]]
    U, S, _ = np.linalg.svd(V - V.mean(axis=0), full_matrices=False)
    return U[:, S > rank_rtol]


# --------------------------------------------------------------------------- natural scales


def loss_scale(method, hyper, G, K):
    """The natural scale of a loss (used for the absolute floor of the certificate).

    * VICReg: alpha K, the loss at Z = 0; the optimum's non-negative terms are each below it.
    * spectral contrastive: K (|loss| <= sum_k nu_k^2 <= K at any Z near the optimum).
    * Barlow Twins: K + lambda K (K - 1), the loss at C = 0 (every |C_kl| <= 1).
    * SimCLR: vol (1 / tau + log N), the size of its two terms.
    """
    if method == "vicreg":
        return hyper["variance"] * K
    if method == "spectral_contrastive":
        return float(K)
    if method == "barlow_twins":
        return K + hyper["off_diagonal"] * K * (K - 1)
    vol = float(np.asarray(G.sum()))
    return vol * (1.0 / hyper["temperature"] + math.log(G.shape[0]))


# --------------------------------------------------------------------------- the exact losses


def exact_loss(method, Z, G, hyper):
    """(value, gradient) of the public loss of ``method`` at Z."""
    fn = {"vicreg": losses.vicreg, "spectral_contrastive": losses.spectral_contrastive,
          "barlow_twins": losses.barlow_twins, "simclr": losses.simclr}[method]
    return fn(Z, G, return_gradient=True, **hyper)


def safe_loss(method, Z, G, hyper):
    """exact_loss, with +inf where the loss is undefined (zero column or row: ValueError)."""
    try:
        value, grad = exact_loss(method, Z, G, hyper)
    except (ValueError, ZeroDivisionError, FloatingPointError):
        return math.inf, np.zeros_like(Z)
    if not np.isfinite(value) or not np.all(np.isfinite(grad)):
        return math.inf, np.zeros_like(Z)
    return float(value), grad


# --------------------------------------------------------------------------- parametrisations


class Free:
    """Z = T P (T orthonormal basis (N, r), or the identity for the non-parametric regime)."""

    def __init__(self, T, K):
        self.T, self.K = T, K
        self.shape = (T.shape[1], K)

    def z(self, P):
        return self.T @ P

    def pullback(self, P, grad_z):
        return self.T.T @ grad_z

    def coordinates(self, Z):
        return self.T.T @ Z


def _inv_sqrt_and_divided_differences(S):
    s, E = np.linalg.eigh((S + S.T) / 2)
    if not np.all(s > 0):
        return None
    r = np.sqrt(s)
    R = (E / r) @ E.T
    # divided differences of s -> s^-1/2: -1 / (r_i r_j (r_i + r_j)) (also on the diagonal)
    Phi = -1.0 / (np.outer(r, r) * (r[:, None] + r[None, :]))
    return R, E, Phi


class Orthonormalised:
    r"""Z = T Y (Y^T Y)^{-1/2}: every Z = T Q with Q^T Q = I, from an unconstrained Y.

    With ``T`` a :math:`D_G`-orthonormal basis this is the Barlow Twins whitening constraint
    :math:`Z^\top D_G Z = I` (columns :math:`D_G`-orthonormal). Gradient by the chain rule:
    :math:`\partial/\partial Y = G_P R + 2Y\Omega`, :math:`G_P = T^\top\nabla_Z`,
    :math:`R = S^{-1/2}`, :math:`S = Y^\top Y = E\,\mathrm{diag}(s)E^\top`,
    :math:`\Omega = E\big((E^\top \mathrm{sym}(G_P^\top Y) E)\circ\Phi\big)E^\top`,
    :math:`\Phi` the divided differences of :math:`s^{-1/2}`.
    """

    def __init__(self, T, K):
        self.T, self.K = T, K
        self.shape = (T.shape[1], K)

    def z(self, Y):
        parts = _inv_sqrt_and_divided_differences(Y.T @ Y)
        if parts is None:
            return None
        return self.T @ (Y @ parts[0])

    def pullback(self, Y, grad_z):
        R, E, Phi = _inv_sqrt_and_divided_differences(Y.T @ Y)
        GP = self.T.T @ grad_z
        A = GP.T @ Y
        A = (A + A.T) / 2
        Omega = E @ ((E.T @ A @ E) * Phi) @ E.T
        return GP @ R + 2.0 * Y @ Omega

    def coordinates(self, Z, weights):
        return self.T.T @ (weights[:, None] * Z)


def objective_for(method, G, hyper, param, scale):
    """f(flat) -> (value / scale, gradient / scale) of the exact loss at Z = param.z(P)."""

    def objective(flat):
        P = flat.reshape(param.shape)
        Z = param.z(P)
        if Z is None:
            return math.inf, np.zeros_like(flat)
        value, grad_z = safe_loss(method, Z, G, hyper)
        if not np.isfinite(value):
            return math.inf, np.zeros_like(flat)
        return value / scale, (param.pullback(P, grad_z) / scale).ravel()

    return objective


def lbfgs(objective, start, max_iter=500):
    with np.errstate(all="ignore"):
        res = scipy.optimize.minimize(objective, start.ravel(), jac=True, method="L-BFGS-B",
                                      options={"maxiter": max_iter, "maxcor": 20, "ftol": 1e-14,
                                               "gtol": 1e-11})
    return res


def reference_optimum(method, G, hyper, param, starts, scale, max_iter=500):
    """Best value of the exact loss over L-BFGS runs from ``starts``.

    Returns (best value, Z at the best value, per-start values); each value is the public
    loss recomputed at the point L-BFGS returned (or at the start, if that was lower).
    """
    objective = objective_for(method, G, hyper, param, scale)
    values, best = [], (math.inf, None)
    for start in starts:
        candidates = [start.ravel()]
        if np.isfinite(objective(start.ravel())[0]):
            candidates.append(lbfgs(objective, start, max_iter).x)
        value_here = math.inf
        for flat in candidates:
            Z = param.z(flat.reshape(param.shape))
            value = safe_loss(method, Z, G, hyper)[0] if Z is not None else math.inf
            value_here = min(value_here, value)
            if value < best[0]:
                best = (value, Z)
        values.append(value_here)
    return float(best[0]), best[1], values


def d_orthonormal_basis(S, d):
    """A D_G-orthonormal basis (T^T D_G T = I) of the part of col(S) with nonzero D_G-norm."""
    if S.shape[1] == 0:
        return S
    M = S.T @ (d[:, None] * S)
    e, V = np.linalg.eigh((M + M.T) / 2)
    keep = e > max(S.shape) * EPS * max(e[-1], 0.0) * 1e2
    return S @ (V[:, keep] / np.sqrt(e[keep]))


def parametrisation(method, regime, G_dense, X, K, hyper, constraint=None, gram=None):
    """The search space of (method, regime) as a Free or Orthonormalised parametrisation.

    Returns (param, description) or (None, reason) when the space has fewer than K directions
    (the solver then refuses the case, which is checked elsewhere).
    """
    N = G_dense.shape[0]
    d = G_dense.sum(axis=1)
    ones = np.ones((N, 1))
    if regime == "nonparametric":
        return Free(np.eye(N), K), "Z"  # every Z (no constraint in the non-parametric regime)
    magnitudes = None
    if regime == "linear":
        F = centred_features(X)
        magnitudes = np.max(np.abs(X), axis=0)
    else:
        # the kernel the result names (rep.kernel), else the default rbf computed here
        F = kernel_basis(rbf_gram(X) if gram is None else gram)  # centred already
    if method == "vicreg":
        T = span_basis(F, magnitudes=magnitudes)  # the loss does not see the constant
        desc = "Z = X W + b over the centred feature span"
    elif method == "spectral_contrastive":
        Fc = span_basis(F, magnitudes=magnitudes)
        T = span_basis(np.hstack([Fc, ones]))
        desc = "Z = X W + b over span[X_c, 1]"
    elif method == "barlow_twins":
        Fc = span_basis(F, magnitudes=magnitudes)
        if hyper["centered"]:
            S = span_basis(Fc - ones @ (d @ Fc)[None, :] / d.sum())
        else:
            S = span_basis(np.hstack([Fc, ones]))
        if constraint == "whitened":
            T = d_orthonormal_basis(S, d)
            if T.shape[1] < K:
                return None, "fewer directions than K"
            return Orthonormalised(T, K), "Z = X W + b with Z_c^T D_G Z_c = I"
        T = S
        desc = "Z = X W + b (unconstrained)"
    else:
        raise ValueError(method)
    if T.shape[1] < 1:
        return None, "no direction"
    return Free(T, K), desc


def random_starts(param, rng, count):
    return [rng.standard_normal(param.shape) for _ in range(count)]


def floor(scale):
    """The absolute floor of the certificate: FLOOR_REL times the loss's natural scale.

    The tolerance is ``RTOL * max(|best|, floor(scale))`` (plus ``rounding_floor``), i.e. at least 1e-12 times the
    natural scale: a few thousand eps of the size of the loss's terms, the round-off of
    evaluating the loss at two different points when the optimum is ~0.
    """
    return FLOOR_REL * scale


def rounding_floor(method, Z, hyper):
    r"""What the float64 rounding of the optimum alone can add to the loss (VICReg; 0 otherwise).

    No float64 answer is closer to the real optimum :math:`Z^\star` than its rounding
    :math:`Z^\star + \delta`, :math:`|\delta_{ik}| \le u|z_{ik}|` (:math:`u = \epsilon/2`).
    That moves :math:`C = Z^\top HZ/N` by at most
    :math:`\delta C_{kl} = 2u\sum_i|z_{ik}||z_{il}|/N = \epsilon\,(|z_k|\cdot|z_l|)/N`, hence the
    covariance term by :math:`\beta\sum_{k\ne l}(2|C_{kl}|\delta C_{kl} + \delta C_{kl}^2)` and
    the variance term by :math:`\alpha\sum_k(2|1 - C_{kk}|\delta C_{kk} + \delta C_{kk}^2)`. At an
    optimum with :math:`\beta \ge \alpha` the off-diagonal :math:`C_{kl}` are 0 and the covariance
    part is :math:`\beta\epsilon^2\sum_{k\ne l}t_kt_l`: with :math:`\beta/\alpha` up to 1e20 and
    :math:`t \approx 1` that is up to :math:`5\cdot 10^{-12}\,\alpha K(K-1)`, above the certificate's
    floor of :math:`10^{-12}\alpha K` (``floor``). An L-BFGS point can be lower than the rounded
    optimum by the same amount (its own off-diagonal entries are round-off of a few eps too),
    so the tolerance adds this bound, evaluated at the returned Z (which is the optimum up to
    far less than its own size). The invariance term needs no such allowance: its optimum's
    columns of zero energy are exactly representable (constant on components).
    """
    if method != "vicreg":
        return 0.0
    Zc = Z - Z.mean(axis=0)
    N = Z.shape[0]
    C = Zc.T @ Zc / N
    A = np.abs(Z)
    dC = EPS * (A.T @ A) / N
    diag, d_diag = np.diag(C), np.diag(dC)
    off = ~np.eye(C.shape[0], dtype=bool)
    return float(hyper["variance"] * np.sum(2.0 * np.abs(1.0 - diag) * d_diag + d_diag**2)
                 + hyper["covariance"] * np.sum(2.0 * np.abs(C[off]) * dC[off] + dC[off] ** 2))


def relative_gap(loss, best, scale):
    """(loss - best) / max(|best|, floor): a counterexample when above RTOL."""
    return (loss - best) / max(abs(best), floor(scale))


def representation_rank_reference(Z, rtol=1e-6):
    """The documented rank rule, here in numpy: singular values of the centred Z above rtol * max.

    Returns (rank, the counts at rtol / 10 and rtol * 10) so that a caller can tell a
    disagreement from a singular value sitting on the threshold.
    """
    s = np.linalg.svd(Z - Z.mean(axis=0), compute_uv=False)
    if s.size == 0 or not s[0] > 0:
        return 0, 0, 0
    return (int(np.sum(s > rtol * s[0])), int(np.sum(s > 10 * rtol * s[0])),
            int(np.sum(s > 0.1 * rtol * s[0])))


def to_sparse(W):
    return sp.csr_matrix(W)


# --------------------------------------------------------------------------- drawing a case


class NumpyDraw:
    """The drawing interface of :func:`draw_case` over a numpy Generator (the benchmark)."""

    def __init__(self, rng):
        self.rng = rng

    def integers(self, lo, hi):
        return int(self.rng.integers(lo, hi + 1))

    def uniform(self, lo, hi):
        return float(self.rng.uniform(lo, hi))

    def choice(self, options):
        return options[int(self.rng.integers(len(options)))]


def _laplacian_median(W):
    L = np.diag(W.sum(axis=1)) - W
    lam = np.linalg.eigvalsh(L)[1:]
    positive = lam[lam > 0]
    return float(np.median(positive)) if positive.size else 1.0


def draw_case(method, regime, draw):
    """A case: a dict of plain numbers from which :func:`build_case` rebuilds G, X and the hyper-parameters."""
    case = {"method": method, "regime": regime, "seed": draw.integers(0, 2**31 - 1)}
    if method == "simclr":
        kind = draw.choice(("groups", "pairing", "groups", "knn"))
    elif method in ("spectral_contrastive", "barlow_twins") and regime == "nonparametric":
        kind = draw.choice(("weighted", "knn", "groups", "pairing", "disconnected"))
    else:
        kind = draw.choice(GRAPH_KINDS)
    case["graph"] = kind
    case["n"] = draw.integers(6, 40)
    case["k"] = draw.integers(1, 6)
    case["n_groups"] = draw.integers(1, 6)
    case["equal"] = kind == "pairing" or (kind == "groups" and draw.choice((True, True, False)))
    case["density"] = draw.uniform(0.05, 0.5)
    isolated_ok = not (regime == "nonparametric" and method in ("spectral_contrastive", "barlow_twins"))
    case["n_isolated"] = draw.integers(0, 2) if kind == "disconnected" and isolated_ok else 0
    case["log_scale"] = draw.choice((0.0, draw.uniform(-8.0, 8.0)))
    case["log_spread"] = draw.choice((0.0, draw.uniform(0.0, 3.0), draw.uniform(0.0, 12.0)))
    if regime != "nonparametric":
        case["features"] = draw.choice(FEATURE_KINDS)
        case["d"] = draw.integers(1, 12)
        case["feature_rank"] = draw.integers(1, 6)
        case["offset"] = draw.uniform(-3.0, 6.0)
        case["knn_on_features"] = draw.choice((True, False))
    case["K"] = draw.integers(1, 6)
    # hyper-parameters: ratios over 1e-20 .. 1e20, half of the draws near the interesting range
    if method == "vicreg":
        case["variance"] = 10.0 ** draw.uniform(-3.0, 3.0)
        case["covariance_ratio"] = draw.choice(("zero", "one", draw.uniform(-20.0, 20.0),
                                                draw.uniform(-2.0, 2.0)))
        case["invariance_wide"] = draw.choice((True, False))
        case["invariance_log"] = draw.uniform(-20.0, 20.0) if case["invariance_wide"] \
            else draw.uniform(-2.0, 2.0)
    elif method == "barlow_twins":
        case["off_diagonal"] = draw.choice(("zero", "lightly", draw.uniform(-20.0, 20.0),
                                            draw.uniform(-3.0, 1.0)))
        case["centered"] = draw.choice((False, True))
        case["default_call"] = draw.choice((False, True))
    elif method == "simclr":
        # down to 1e-8: the numerical searches refuse smaller temperatures (MIN_SEARCH_TEMPERATURE)
        case["temperature_log"] = draw.choice((draw.uniform(-8.0, 20.0), draw.uniform(-2.0, 1.0)))
    return case


def build_case(case):
    """(G dense, X or None, K, hyper, solver keywords) of a drawn case."""
    method, regime = case["method"], case["regime"]
    n = case["n"]
    X = None
    points = None
    if regime != "nonparametric":
        X = build_features(case["features"], case["seed"] + 1, n, case["d"],
                           rank=case["feature_rank"], offset=case["offset"])
    kind = case["graph"]
    if kind == "knn" and X is not None and case["knn_on_features"]:
        points = (X - X.mean(axis=0)) / np.maximum(X.std(axis=0), 1e-300)
    W, info = build_graph(kind, case["seed"], n, log_scale=case["log_scale"],
                          log_spread=case["log_spread"], k=case["k"], n_groups=case["n_groups"],
                          equal=case["equal"], density=case["density"],
                          n_isolated=case["n_isolated"], points=points)
    if W.shape[0] != n:  # groups / pairing round N to a multiple
        n = W.shape[0]
        if X is not None:
            X = build_features(case["features"], case["seed"] + 1, n, case["d"],
                               rank=case["feature_rank"], offset=case["offset"])
    K = case["K"]
    hyper, options = {}, {}
    if method == "vicreg":
        alpha = case["variance"]
        ratio = case["covariance_ratio"]
        beta = 0.0 if ratio == "zero" else alpha if ratio == "one" else alpha * 10.0 ** ratio
        lam = _laplacian_median(W) if regime == "nonparametric" else 1.0
        gamma = alpha * 10.0 ** case["invariance_log"] / (1.0 if case["invariance_wide"] else lam)
        hyper = {"variance": alpha, "covariance": beta, "invariance": gamma}
        options = dict(hyper)
        hyper.update(variance_kind="square", eps=1e-4)
    elif method == "barlow_twins":
        lam = case["off_diagonal"]
        lam = 0.0 if lam == "zero" else 5e-3 if lam == "lightly" else 10.0 ** lam
        hyper = {"off_diagonal": lam, "centered": case["centered"]}
        options = dict(hyper)
        if regime == "nonparametric":
            options["restarts"] = 0  # the numerical case (exact=False) only has to be finite
    elif method == "simclr":
        hyper = {"temperature": 10.0 ** case["temperature_log"]}
        options = dict(hyper, restarts=0)
    return W, X, K, hyper, options


# --------------------------------------------------------------------------- running a case


def _solver(method, regime):
    from spectral_ssl.methods import barlow_twins, simclr, spectral_contrastive, vicreg
    module = {"vicreg": vicreg, "spectral_contrastive": spectral_contrastive,
              "barlow_twins": barlow_twins, "simclr": simclr}[method]
    return {"nonparametric": module.optimal_representation, "linear": module.optimal_linear,
            "kernel": module.optimal_kernel}[regime]


def _whitened_keywords(function, default_call):
    """Keywords that ask Barlow Twins for the whitened (CCA) problem, in either API."""
    import inspect
    if default_call:
        return {}
    parameters = inspect.signature(function).parameters
    if "constraint" in parameters:
        return {"constraint": "whitened"}
    return {"whiten": True}


def named_constraint(rep):
    """The constraint a Barlow Twins result says it solves: "whitened" or None."""
    for key in ("constraint", "problem"):
        text = str(rep.details.get(key, "")).lower()
        if "whiten" in text and "unconstrained" not in text and "no whitening" not in text:
            return "whitened"
    return None


#: ValueError messages that are documented refusals of a case (not failures).
REFUSALS = ("n_components", "isolated sample")


def solve_case(case, W, X, K, options):
    """Call the solver under test. Returns (rep, None) or (None, refusal message)."""
    import warnings
    method, regime = case["method"], case["regime"]
    function = _solver(method, regime)
    G = to_sparse(W)
    kw = dict(options)
    if method == "barlow_twins" and regime == "linear":
        kw.update(_whitened_keywords(function, case.get("default_call", False)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # CollapseWarning, ConvergenceWarning: not the subject here
        try:
            if regime == "nonparametric":
                rep = function(G, K, **kw)
            else:
                rep = function(X, G, K, **kw)
        except ValueError as error:
            if any(word in str(error) for word in REFUSALS):
                return None, str(error)
            raise
    return rep, None


def run_case(case, restarts=1, seed=0):
    """Solve a case and certify it (see _run_case); ``known`` names a known counterexample class."""
    record = _run_case(case, restarts, seed)
    record["known"] = known_class(case, record)
    return record


def _run_case(case, restarts=1, seed=0):
    """Solve a case and certify it. Returns a JSON-serialisable record.

    Keys: ``refused`` (message or None), ``finite``, ``exact``, ``loss``, ``public_loss`` (the
    public loss recomputed at rep.Z), ``best`` (reference optimum), ``gap`` (relative gap),
    ``scale``, ``counterexample`` (bool), ``rank``, ``rank_reference`` (3 counts),
    ``rank_ok``, ``search`` (the space searched), ``start_values``.
    """
    W, X, K, hyper, options = build_case(case)
    method, regime = case["method"], case["regime"]
    G = to_sparse(W)
    record = {"refused": None, "exact": None, "finite": None, "counterexample": False,
              "gap": None, "rank_ok": None, "N": int(W.shape[0]), "K": int(K),
              "D": None if X is None else int(X.shape[1])}
    rep, refusal = solve_case(case, W, X, K, options)
    if rep is None:
        record["refused"] = refusal
        if "n_components" in refusal and regime != "nonparametric":
            # a refusal for lack of directions must agree with the regime's span, computed here
            constraint = "whitened" if method == "barlow_twins" else None
            param, _ = parametrisation(method, regime, W, X, K, hyper, constraint)
            dimension = 0 if param is None else param.shape[0]
            if param is not None and method == "spectral_contrastive":
                # directions carried by isolated samples only (d_i = 0) do not count
                dimension = d_orthonormal_basis(param.T, W.sum(axis=1)).shape[1]
            if dimension >= K:
                record["counterexample"] = True
                record["wrong_refusal"] = int(dimension)
        return record
    Z = np.asarray(rep.Z, dtype=np.float64)
    record["finite"] = bool(np.all(np.isfinite(Z)) and np.isfinite(rep.loss))
    record["exact"] = bool(rep.exact)
    record["loss"] = float(rep.loss)
    reported_rank = int(rep.rank)
    record["rank"] = reported_rank
    if not record["finite"]:
        record["counterexample"] = True
        return record
    ref = representation_rank_reference(Z)
    record["rank_reference"] = list(ref)
    record["rank_ok"] = bool(ref[1] <= reported_rank <= ref[2])
    if not rep.exact:
        return record
    public = safe_loss(method, Z, G, hyper)[0]
    record["public_loss"] = float(public)
    scale = loss_scale(method, hyper, W, K)
    record["scale"] = float(scale)
    constraint = named_constraint(rep) if method == "barlow_twins" and regime != "nonparametric" \
        else None
    record["constraint"] = constraint
    gram = None
    if regime == "kernel":
        # Z = k(X, X) A + b with the kernel the result carries; its accuracy is checked
        # against the rbf computed here from differences (same bandwidth)
        gram = np.asarray(rep.kernel(X, X), dtype=np.float64)
        d2 = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
        accurate = np.exp(-d2 / (2.0 * rep.kernel.bandwidth**2))
        record["kernel_error"] = float(np.abs(gram - accurate).max())
    param, desc = parametrisation(method, regime, W, X, K, hyper, constraint, gram)
    record["search"] = desc
    if param is None:
        # the independent search space has fewer than K directions where the solver found K
        record["best"] = None
        record["counterexample"] = True
        return record
    rng = np.random.default_rng(seed)
    starts = random_starts(param, rng, restarts)
    # the returned optimum itself, and a perturbation of it: L-BFGS can only go down from there
    if isinstance(param, Orthonormalised):
        Y0 = param.coordinates(Z - (W.sum(axis=1) @ Z) / W.sum() if hyper.get("centered") else Z,
                               W.sum(axis=1))
    else:
        Y0 = param.coordinates(Z)
    noise = rng.standard_normal(Y0.shape) * (1e-3 * max(float(np.abs(Y0).max()), 1e-300))
    starts = [Y0, Y0 + noise] + starts
    best, Z_best, values = reference_optimum(method, G, hyper, param, starts, scale)
    record["best"] = best
    record["start_values"] = [float(v) for v in values]
    loss = float(rep.loss)
    rounding = rounding_floor(method, Z, hyper)
    record["rounding_floor"] = rounding
    tolerance = RTOL * max(abs(best), floor(scale))
    record["gap"] = float(relative_gap(loss, best, scale))
    # the returned loss must be the public loss at Z, and not beaten by the reference
    consistent = abs(public - loss) <= tolerance
    record["loss_consistent"] = bool(consistent)
    beaten = loss > best + tolerance + rounding
    if beaten:
        # confirm with the independent evaluation at both points: a lower public value at a
        # point where the public loss is wrong is a defect of the loss, not of the closed form
        ind_rep = independent_loss(method, Z, W, hyper)
        ind_best = independent_loss(method, Z_best, W, hyper)
        record["independent"] = [ind_rep, ind_best]
        ind_tolerance = RTOL * max(abs(ind_best), floor(scale))
        record["loss_inaccurate"] = bool(abs(ind_best - best) > ind_tolerance
                                         or abs(ind_rep - loss) > ind_tolerance)
        beaten = ind_rep > ind_best + ind_tolerance + rounding
        record["gap_independent"] = float(relative_gap(ind_rep, ind_best, scale))
    record["counterexample"] = bool(beaten or not consistent)
    if method == "vicreg":
        Zc = Z - Z.mean(axis=0)
        C = Zc.T @ Zc / Z.shape[0]
        off = C - np.diag(np.diag(C))
        record["covariance_term"] = float(hyper["covariance"] * np.sum(off**2))
    return record


#: Largest tolerated difference between the result's rbf Gram matrix and the one computed
#: here from differences (entries are in [0, 1]; a few hundred eps).
KERNEL_ATOL = 1e-13

#: The known counterexample classes: name -> (owner, description). See known_class.
KNOWN_CLASSES = {}


def known_class(case, record):
    """The known counterexample class a failing record belongs to, or None (new, or no failure).

    No class is known at present (every former class is fixed and kept as a regression test
    in ``tests/test_property_exact.py``); a new one gets a name in ``KNOWN_CLASSES`` and a
    test here that recognises its records.
    """
    return None


# --------------------------------------------------------------------------- an independent evaluation


def independent_loss(method, Z, W, hyper):
    """The loss at Z from its definition, in dense numpy with pairwise sums of non-negative terms.

    Written from the formulas of the docstrings of :mod:`spectral_ssl.losses` without reusing
    its code (no trace identities, no cancellation between large terms): used to tell a
    closed form that is beaten from a loss evaluation that is wrong at the point L-BFGS found.
    """
    Z = np.asarray(Z, dtype=np.float64)
    N, K = Z.shape
    d = W.sum(axis=1)
    with np.errstate(all="ignore"):
        if method == "vicreg":
            Zc = Z - Z.mean(axis=0)
            Zc = Zc - Zc.mean(axis=0)
            C = Zc.T @ Zc / N
            diff2 = np.sum((Z[:, None, :] - Z[None, :, :]) ** 2, axis=-1)
            off = C - np.diag(np.diag(C))
            return float(hyper["variance"] * np.sum((1.0 - np.diag(C)) ** 2)
                         + hyper["covariance"] * np.sum(off**2)
                         + hyper["invariance"] / N * np.sum(W * diff2))
        if method == "spectral_contrastive":
            top = W.max()
            Wn, dn = W / top, d / top
            vol = dn.sum()
            inner = Z @ Z.T
            return float(-2.0 / vol * np.sum(Wn * inner) + np.sum(np.outer(dn, dn) * inner**2) / vol**2)
        if method == "barlow_twins":
            Zc = Z - (d @ Z) / d.sum() if hyper["centered"] else Z
            s = np.sum(d[:, None] * Zc**2, axis=0)
            Zh = Zc / np.sqrt(s)
            C = Zh.T @ W @ Zh
            C = (C + C.T) / 2
            off = C - np.diag(np.diag(C))
            return float(np.sum((np.diag(C) - 1.0) ** 2) + hyper["off_diagonal"] * np.sum(off**2))
        if method == "simclr":
            tau = hyper["temperature"]
            Zn = Z / np.linalg.norm(Z, axis=1)[:, None]
            cos = Zn @ Zn.T
            np.fill_diagonal(cos, -np.inf)
            top = cos.max(axis=1)
            logits = (cos - top[:, None]) / tau
            lse = np.log(np.sum(np.exp(logits), axis=1))
            mask = W > 0
            # -sum G_ij log softmax_ij = sum G_ij ((m_i - c_ij)/tau + lse_i)
            gaps = np.where(mask, (top[:, None] - cos), 0.0)
            return float(np.sum(W * gaps) / tau + d @ lse)
    raise ValueError(method)
