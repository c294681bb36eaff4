r"""Exact self-supervised losses in graph form (Balestriero and LeCun 2022, section 2).

Every loss takes the representation ``Z`` (N x K, one row per sample, all views
stacked) and the relation graph ``G`` (N x N). Covariances use the
:math:`1/N` normalisation of the derivations:

.. math:: \operatorname{Cov}(Z) = Z^\top H Z / N, \qquad H = I - \mathbf 1\mathbf 1^\top / N .

(The reference libraries divide by :math:`N - 1`; :mod:`spectral_ssl.reference`
implements those conventions and states the factor between the two.)

Each public loss validates its input and returns a float, or
``(value, gradient)`` with ``return_gradient=True``; the gradient is
analytic (tests compare it with finite differences). The private
``_..._value_and_gradient`` twins skip validation for optimisation loops.
"""

import numpy as np
import scipy.sparse as sp

from ._validation import check_features, check_graph, check_option, check_scalar

VARIANCE_KINDS = ("square", "hinge")


def _centred(Z):
    """``Z - mean(Z)``, exact under translation: the first row is subtracted first.

    ``z_i - z_0`` is exact for entries within a factor 2 of each other (Sterbenz), so
    ``Z + c`` with a large ``c`` centres to exactly what the stored shifted matrix holds,
    instead of losing ``eps * |c|`` to the mean.
    """
    if Z.shape[0] == 0:
        return Z.copy()
    shifted = Z - Z[0]
    return shifted - shifted.mean(axis=0)


def _covariance(Z):
    Zc = _centred(Z)
    return Zc, Zc.T @ Zc / Z.shape[0]


def _laplacian_times(Z, G, degrees):
    """:math:`L Z = d \\odot Z - G Z` without forming :math:`L`."""
    return degrees[:, None] * Z - G @ Z


def _scale(values, *factors, divide=()):
    r"""``values * prod(factors) / prod(divide)`` without a spurious overflow or underflow.

    Mantissas are multiplied and binary exponents added (``frexp`` / ``ldexp``), so
    the result overflows to inf or underflows to 0 only when the true result does,
    whatever the order of magnitude of each factor (a weight of 1e-310 times 1/tau for a
    temperature of 1e-320, ...). Zeros stay zeros (never ``0 * inf = nan``). Factors may
    be arrays that broadcast against ``values`` (one factor per row).
    """
    mantissa, exponent = np.frexp(np.asarray(values, dtype=np.float64))
    for factor in factors:
        m, e = np.frexp(np.asarray(factor, dtype=np.float64))
        mantissa, exponent = mantissa * m, exponent + e
    for factor in divide:
        m, e = np.frexp(np.asarray(factor, dtype=np.float64))
        mantissa, exponent = mantissa / m, exponent - e
    return np.ldexp(mantissa, exponent)


def _normalised_weights(G, degrees):
    r"""``(G / w, d / w, w)`` with :math:`w` the largest weight of ``G`` (a sparse or dense matrix).

    Every loss is a simple function of :math:`w` times its value on :math:`G / w` (linear,
    or independent of it), and on :math:`G / w` the degrees and the volume are between
    the smallest relative weight and :math:`N^2`: no overflow at weights 1e300, no
    division by an underflowed volume at 1e-310.
    """
    if sp.issparse(G):
        top = float(G.data.max()) if G.nnz else 0.0
        if top == 0.0:
            return G, np.asarray(degrees, dtype=np.float64), 0.0
        Gn = G.copy()
        Gn.data = Gn.data / top
    else:
        G = np.asarray(G, dtype=np.float64)
        top = float(G.max()) if G.size else 0.0
        if top == 0.0:
            return G, np.asarray(degrees, dtype=np.float64), 0.0
        Gn = G / top
    return Gn, np.asarray(degrees, dtype=np.float64) / top, top


def _check_pair(Z, G):
    G = check_graph(G)
    Z = check_features(Z, name="Z", n_samples=G.shape[0])
    return Z, G


# --------------------------------------------------------------------------- VICReg terms


def invariance_term(Z, G):
    r"""Unweighted VICReg invariance :math:`\frac1N \sum_{ij} G_{ij}\lVert z_i - z_j\rVert^2 = \frac2N \operatorname{tr}(Z^\top L Z)`.

    Computed as :math:`\frac2N\operatorname{tr}(Z_c^\top L Z_c)` with the column-centred
    :math:`Z_c` (equal, since :math:`L\mathbf 1 = 0`): translation-invariant without the
    cancellation of :math:`\operatorname{tr}(Z^\top LZ)` when the mean of ``Z`` is large.

    Examples
    --------
    Two samples linked by weight 1, one unit apart: :math:`(1 + 1)/2 = 1`.

    >>> import numpy as np
    >>> invariance_term(np.array([[0.0], [1.0]]), np.array([[0, 1.0], [1.0, 0]]))
    1.0
    """
    Z, G = _check_pair(Z, G)
    d = np.asarray(G.sum(axis=1)).ravel()
    Gn, dn, top = _normalised_weights(G, d)
    Zc = _centred(Z)  # L 1 = 0: the mean does not enter, and would cancel
    return float(_scale(np.sum(Zc * _laplacian_times(Zc, Gn, dn)), 2.0 / Z.shape[0], top))


def variance_term(Z, *, variance_kind="square", eps=1e-4):
    r"""Unweighted VICReg variance :math:`\sum_k v(\operatorname{Cov}(Z)_{kk})`.

    ``"square"``: :math:`v(c) = (1 - c)^2`; ``"hinge"``:
    :math:`v(c) = \max(0, 1 - \sqrt{c + \epsilon})` (``eps`` is used by the
    hinge only).

    Examples
    --------
    >>> import numpy as np
    >>> variance_term(np.array([[1.0], [-1.0]]))  # variance 1: no penalty
    0.0
    """
    Z = check_features(Z, name="Z")
    check_option(variance_kind, name="variance_kind", options=VARIANCE_KINDS)
    eps = check_scalar(eps, name="eps", low=0.0)
    diag = np.diag(_covariance(Z)[1])
    return float(np.sum(_variance_penalty(diag, variance_kind, eps)[0]))


def covariance_term(Z):
    r"""Unweighted VICReg covariance :math:`\sum_{k \ne l} \operatorname{Cov}(Z)_{kl}^2`.

    Examples
    --------
    >>> import numpy as np
    >>> covariance_term(np.array([[1.0, 1.0], [-1.0, -1.0]]))  # Cov = [[1, 1], [1, 1]]
    2.0
    """
    Z = check_features(Z, name="Z")
    C = _covariance(Z)[1]
    return float(np.sum(C**2) - np.sum(np.diag(C) ** 2))


def _variance_penalty(diag, kind, eps):
    """Penalty v(c) per entry and its derivative v'(c)."""
    if kind == "square":
        return (1.0 - diag) ** 2, -2.0 * (1.0 - diag)
    root = np.sqrt(np.maximum(diag + eps, 0.0))
    active = root < 1.0
    value = np.where(active, 1.0 - root, 0.0)
    with np.errstate(divide="ignore"):
        slope = np.where(active, -0.5 / np.maximum(root, 1e-300), 0.0)
    return value, slope


# --------------------------------------------------------------------------- VICReg


def vicreg(Z, G, *, variance=25.0, covariance=1.0, invariance=25.0,
           variance_kind="square", eps=1e-4, return_gradient=False):
    r"""VICReg loss in graph form.

    .. math::

        \mathcal L(Z) = \alpha \sum_k v(C_{kk}) + \beta \sum_{k \ne l} C_{kl}^2
        + \frac{\gamma}{N} \sum_{ij} G_{ij} \lVert z_i - z_j \rVert^2,
        \qquad C = Z^\top H Z / N,

    with :math:`v(c) = (1-c)^2` (``"square"``, the variant the closed forms
    solve) or :math:`v(c) = \max(0, 1 - \sqrt{c + \epsilon})` (``"hinge"``, the
    variant used in practice). The invariance term equals
    :math:`\frac{2\gamma}{N}\operatorname{tr}(Z^\top L Z)`.

    Parameters
    ----------
    Z : array_like, shape (N, K)
    G : relation graph, shape (N, N)
    variance : float >= 0
        :math:`\alpha` (the paper), :math:`\mu` in the VICReg paper.
    covariance : float >= 0
        :math:`\beta` (the paper), :math:`\nu` in the VICReg paper.
    invariance : float >= 0
        :math:`\gamma` (the paper), :math:`\lambda` in the VICReg paper.
        The defaults are the official weights (25, 1, 25) read as graph-form weights,
        which is *not* the official loss: the official code and lightly's ``VICRegLoss``
        with :math:`(\lambda, \mu, \nu)` are :math:`\frac1K` times this loss at
        :math:`sZ` (:math:`s = \sqrt{n/(n-1)}`, :math:`n` samples per view) with
        ``variance`` :math:`=\mu`, ``covariance`` :math:`=2\nu` (the library adds two
        views' covariance terms), ``invariance`` :math:`=\lambda/s^2` and the hinge, when
        both views have equal statistics (the library's variance and covariance are per
        view). :func:`spectral_ssl.practice.graph_form_hyperparameters` returns the
        mapping and :func:`spectral_ssl.practice.optimal_linear_for` solves the library's
        loss itself.
    variance_kind : {"square", "hinge"}
    eps : float >= 0
        :math:`\epsilon` inside the hinge's square root (ignored by "square").
    return_gradient : bool
        Also return :math:`\partial\mathcal L/\partial Z`:
        :math:`\frac2N H Z\,\Gamma + \frac{4\gamma}{N} L Z` with
        :math:`\Gamma = \alpha\operatorname{diag}(v'(C_{kk})) + 2\beta\,\operatorname{offdiag}(C)`.

    Returns
    -------
    loss : float, or (float, ndarray of shape (N, K))

    Examples
    --------
    Two linked samples at :math:`\pm 1`: variance 1 (no variance penalty), no
    covariance, invariance :math:`\frac{\gamma}{2} \cdot 2 \cdot 4 = 4\gamma`.

    >>> import numpy as np
    >>> vicreg(np.array([[1.0], [-1.0]]), np.array([[0, 1.0], [1.0, 0]]),
    ...        variance=1.0, covariance=1.0, invariance=0.5)
    2.0
    """
    Z, G = _check_pair(Z, G)
    weights = _check_vicreg_weights(variance, covariance, invariance, variance_kind, eps)
    d = np.asarray(G.sum(axis=1)).ravel()
    value, grad = _vicreg_value_and_gradient(Z, G, d, *weights)
    return (value, grad) if return_gradient else value


def _check_vicreg_weights(variance, covariance, invariance, variance_kind, eps):
    return (
        check_scalar(variance, name="variance", low=0.0),
        check_scalar(covariance, name="covariance", low=0.0),
        check_scalar(invariance, name="invariance", low=0.0),
        check_option(variance_kind, name="variance_kind", options=VARIANCE_KINDS),
        check_scalar(eps, name="eps", low=0.0),
    )


def _weighted(weight, term):
    """``weight * term``, and 0 for a zero weight even when the term overflowed (no 0 * inf)."""
    return weight * term if weight else np.zeros_like(term)


def _vicreg_value_and_gradient(Z, G, degrees, variance, covariance, invariance, variance_kind, eps):
    """Value and gradient of :func:`vicreg` without validation (optimisation loops).

    Translation-invariant arithmetic: the invariance term uses the centred ``Z`` (``L 1 = 0``),
    so ``Z + 1e10`` gives the loss of ``Z`` to the precision the shifted input holds; the
    graph enters as ``w * (G / w)`` (:func:`_scale`), so any weight scale is safe.
    """
    n = Z.shape[0]
    Zc, C = _covariance(Z)
    diag = np.diag(C)
    penalty, slope = _variance_penalty(diag, variance_kind, eps)
    off = C - np.diag(diag)
    Gn, dn, top = _normalised_weights(G, degrees)
    LZ = _laplacian_times(Zc, Gn, dn)  # L Z = L Zc
    dirichlet = np.sum(Zc * LZ)  # >= 0: every term below is >= 0, so no inf - inf
    value = (float(_weighted(variance, np.sum(penalty))) + float(_weighted(covariance, np.sum(off**2)))
             + (float(_scale(dirichlet, 2.0 * invariance / n, top)) if invariance else 0.0))
    Gamma = _weighted(variance, np.diag(slope)) + _weighted(covariance, 2.0 * off)
    grad = (2.0 / n) * Zc @ Gamma
    if invariance:
        grad = grad + _scale(LZ, 4.0 * invariance / n, top)
    return float(value), grad


# --------------------------------------------------------------------------- SimCLR
# ---- SimCLR (graph-form NT-Xent; owner: the SimCLR module)


def _row_norms_checked(Z, name="Z"):
    """Row norms of ``Z``; a zero row has no direction, so its cosines are undefined."""
    top = np.max(np.abs(Z), axis=1) if Z.shape[1] else np.zeros(Z.shape[0])
    zero = np.flatnonzero(top == 0)
    if zero.size:
        raise ValueError(
            f"{name} has {zero.size} row(s) with zero norm (first: row {int(zero[0])}); the cosine "
            f"similarity of a zero vector is undefined. Remove those samples or give them a nonzero "
            f"representation."
        )
    return top * np.linalg.norm(Z / top[:, None], axis=1)  # no underflow for entries ~1e-170


def simclr(Z, G, *, temperature=0.5, return_gradient=False):
    r"""SimCLR (NT-Xent) loss in graph form.

    .. math::

        \hat G_{ij} = \frac{\exp(\cos(z_i, z_j)/\tau)}{\sum_{k \ne i} \exp(\cos(z_i, z_k)/\tau)}
        \quad (i \ne j), \qquad
        \mathcal L(Z) = -\sum_{ij} G_{ij} \log \hat G_{ij}
        = -\frac1\tau\sum_{ij} G_{ij}\cos(z_i, z_j)
        + \sum_i d_i \log\sum_{k\ne i} e^{\cos(z_i, z_k)/\tau},

    a cross-entropy between :math:`G` and the row-softmax of the cosine
    similarities (Balestriero and LeCun 2022, section 2). It is evaluated as
    :math:`\frac1\tau\sum_{ij}G_{ij}(m_i - \cos(z_i, z_j)) + \sum_i d_i\log\sum_{k\ne i}
    e^{(\cos(z_i, z_k) - m_i)/\tau}` with :math:`m_i = \max_{k\ne i}\cos(z_i, z_k)`: two
    non-negative terms, exponentials at most 1, and the factors :math:`1/\tau` and the
    weight scale applied exactly (binary exponents). Any temperature :math:`\tau > 0`
    and any weight scale give a finite value unless the true value exceeds the float64
    range (then ``inf``; never NaN), and rows with entries down to 1e-300 keep their
    direction. The loss depends on each row of ``Z`` only through its
    direction: :math:`\mathcal L(\operatorname{diag}(s) Z) = \mathcal L(Z)` for
    :math:`s > 0`.

    With the two-view pairing graph and :math:`Z = [A; B]` this is :math:`2N`
    times lightly's ``NTXentLoss`` (see :func:`spectral_ssl.reference.nt_xent`).

    Parameters
    ----------
    Z : array_like, shape (N, K)
        No row may be zero (its cosine is undefined: ``ValueError``).
    G : relation graph, shape (N, N)
    temperature : float > 0
        :math:`\tau` (0.5 as in lightly's default; SimCLR papers use 0.1 - 0.5).
    return_gradient : bool
        Also return :math:`\partial\mathcal L/\partial Z`. With
        :math:`\hat z_i = z_i/\lVert z_i\rVert`, :math:`P` the row-softmax
        (zero diagonal) and :math:`M = -G + D_G P`,
        :math:`\partial\mathcal L/\partial\hat Z = (M + M^\top)\hat Z/\tau`, and
        the row normalisation projects it:
        :math:`\partial\mathcal L/\partial z_i = (I - \hat z_i\hat z_i^\top)\,
        (\partial\mathcal L/\partial\hat z_i) / \lVert z_i\rVert`.

    Returns
    -------
    loss : float, or (float, ndarray of shape (N, K))

    Examples
    --------
    Two linked samples: each row's softmax has a single entry, so the loss is 0.

    >>> import numpy as np
    >>> simclr(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0, 1.0], [1.0, 0]]))
    0.0
    """
    Z, G = _check_pair(Z, G)
    tau = check_scalar(temperature, name="temperature", low=0.0, low_inclusive=False)
    _row_norms_checked(Z)
    d = np.asarray(G.sum(axis=1)).ravel()
    value, grad = _simclr_value_and_gradient(Z, G, d, tau)
    return (value, grad) if return_gradient else value


def _unit_rows(Z):
    """``(Z / ||z_i||, ||z_i||)`` computed without overflow or underflow (rows scaled by max |z_i|).

    Returns ``None`` for the norms when a row is zero or not finite.
    """
    top = np.max(np.abs(Z), axis=1) if Z.shape[1] else np.zeros(Z.shape[0])
    if np.any(~(top > 0)) or not np.all(np.isfinite(top)):
        return None, None
    scaled = Z / top[:, None]
    norms = np.linalg.norm(scaled, axis=1)  # in [1, sqrt(K)]
    return scaled / norms[:, None], (top, norms)


def _edge_values(G, dense):
    """The entries of the dense ``(N, N)`` array at the nonzeros of ``G``, and ``G``'s weights."""
    if sp.issparse(G):
        G = G.tocsr()
        rows = np.repeat(np.arange(G.shape[0]), np.diff(G.indptr))
        return dense[rows, G.indices], G.data
    mask = G != 0
    return dense[mask], G[mask]


def _simclr_value_and_gradient(Z, G, degrees, temperature):
    r"""Value and gradient of :func:`simclr` without validation (optimisation loops).

    A zero row gives ``(inf, zeros)`` rather than an exception, so that a line
    search that lands on one backs off. The value is evaluated as

    .. math:: \mathcal L = \frac1\tau \sum_{ij} G_{ij}(m_i - c_{ij})
              + \sum_i d_i\log\sum_{k\ne i} e^{(c_{ik} - m_i)/\tau},
              \qquad m_i = \max_{k\ne i} c_{ik},

    two non-negative terms (no cancellation, no ``inf - inf``) whose exponentials are
    at most 1, with :math:`w/\tau` applied by :func:`_scale`: finite for any
    temperature and weight scale unless the true value exceeds the float range
    (then ``inf``), never NaN.
    """
    Zn, norms = _unit_rows(Z)
    if norms is None:
        return float("inf"), np.zeros_like(Z)
    with np.errstate(over="ignore"):  # 1/tau overflows only where the true value does
        return _simclr_parts(Zn, norms, G, degrees, temperature)


def _simclr_parts(Zn, norms, G, degrees, temperature):
    Gn, dn, top_weight = _normalised_weights(G, degrees)
    cosines = Zn @ Zn.T
    np.fill_diagonal(cosines, -np.inf)
    top = cosines.max(axis=1)
    gaps, weights = _edge_values(Gn, top[:, None] - cosines)  # m_i - c_ij >= 0 on the edges
    exponent = (cosines - top[:, None]) / temperature  # <= 0; the diagonal is -inf
    np.exp(exponent, out=exponent)  # the diagonal becomes exactly 0
    row_sums = exponent.sum(axis=1)  # in [1, N - 1]
    attraction = float(np.sum(weights * np.maximum(gaps, 0.0)))
    value = float(_scale(attraction, top_weight, divide=(temperature,)))
    value += float(_scale(dn @ np.log(row_sums), top_weight))
    P = exponent / row_sums[:, None]  # the row-softmax
    GZn = Gn @ Zn
    grad_n = -2.0 * GZn + dn[:, None] * (P @ Zn) + P.T @ (dn[:, None] * Zn)
    tangent = grad_n - np.sum(grad_n * Zn, axis=1)[:, None] * Zn  # the row normalisation
    # d/dz_i = tangent_i * w / (tau ||z_i||), ||z_i|| = top_i * norms_i
    row_top, row_norms = norms
    grad = _scale(tangent / row_norms[:, None], top_weight, divide=(temperature, row_top[:, None]))
    return float(value), grad


# --------------------------------------------------------------------------- Spectral contrastive
# ---- Spectral contrastive (graph form; owner: the spectral contrastive module)


def spectral_contrastive(Z, G, *, return_gradient=False):
    r"""Spectral contrastive loss (HaoChen et al. 2021) in graph form.

    With :math:`d = G\mathbf 1`, :math:`D_G = \operatorname{diag}(d)` and
    :math:`\operatorname{vol} = \sum_i d_i`:

    .. math::

        \mathcal L(Z) = -\frac{2}{\operatorname{vol}} \sum_{ij} G_{ij}\, z_i^\top z_j
        + \frac{1}{\operatorname{vol}^2} \sum_{ij} d_i d_j (z_i^\top z_j)^2
        = -\frac{2}{\operatorname{vol}} \operatorname{tr}(Z^\top G Z)
        + \frac{1}{\operatorname{vol}^2} \lVert Z^\top D_G Z\rVert_F^2 .

    The second form is what is computed (:math:`O(\mathrm{nnz}(G) K + N K^2)`,
    no :math:`N\times N` product), since
    :math:`\sum_{ij} d_i d_j (z_i^\top z_j)^2 = \operatorname{tr}(Z^\top D_G Z\, Z^\top D_G Z)`.
    With :math:`u_i = \sqrt{d_i/\operatorname{vol}}\, z_i` it equals
    :math:`\lVert U U^\top - \bar A\rVert_F^2 - \lVert \bar A\rVert_F^2`,
    :math:`\bar A = D_G^{-1/2} G D_G^{-1/2}` (Balestriero and LeCun 2022,
    section 2), whose minimum over rank-:math:`K` matrices is
    :math:`-\sum_{k\le K}\max(0,\nu_k)^2` (Eckart-Young; :math:`\nu` the
    eigenvalues of :math:`\bar A`). An isolated sample (:math:`d_i = 0`) does
    not enter the loss.

    With the two-view pairing graph and :math:`Z = [A; B]` the attraction
    term equals HaoChen's :math:`-\frac2N\sum_i a_i^\top b_i` exactly; the
    repulsion terms differ (see :func:`spectral_ssl.reference.spectral_contrastive`).

    Parameters
    ----------
    Z : array_like, shape (N, K)
    G : relation graph, shape (N, N)
    return_gradient : bool
        Also return
        :math:`\partial\mathcal L/\partial Z = -\frac{4}{\operatorname{vol}} G Z
        + \frac{4}{\operatorname{vol}^2} D_G Z\,(Z^\top D_G Z)`.

    Returns
    -------
    loss : float, or (float, ndarray of shape (N, K))

    Examples
    --------
    Two linked samples with equal representations reach the Eckart-Young
    minimum :math:`-\nu_1^2 = -1`.

    >>> import numpy as np
    >>> spectral_contrastive(np.array([[1.0], [1.0]]), np.array([[0, 1.0], [1.0, 0]]))
    -1.0
    """
    Z, G = _check_pair(Z, G)
    d = np.asarray(G.sum(axis=1)).ravel()
    value, grad = _spectral_contrastive_value_and_gradient(Z, G, d)
    return (value, grad) if return_gradient else value


def _spectral_contrastive_value_and_gradient(Z, G, degrees):
    r"""Value and gradient of :func:`spectral_contrastive` without validation.

    The loss depends on :math:`G/\operatorname{vol}` only, so it is evaluated on
    :math:`G/w` (:math:`w` the largest weight): the same value for weights 1e-310 or
    1e300. It is bounded below by :math:`-\lVert\bar A\rVert_F^2`, so an overflow can
    only mean :math:`+\infty` (returned as such, never ``inf - inf = nan``).
    """
    Gn, dn, top = _normalised_weights(G, degrees)
    if top == 0.0:
        raise ValueError("G has no edge: the spectral contrastive loss divides by the volume "
                         "sum(G) = 0. Give G at least one positive weight.")
    vol = float(np.sum(dn))
    GZ = Gn @ Z
    DZ = dn[:, None] * Z
    M = Z.T @ DZ
    M = (M + M.T) / (2.0 * vol)
    with np.errstate(over="ignore", invalid="ignore"):
        value = -2.0 * np.sum(Z * GZ) / vol + np.sum(M**2)
        grad = (-4.0 / vol) * GZ + (4.0 / vol) * (DZ @ M)
    if not np.isfinite(value):
        value = float("inf")
    return float(value), grad


# --------------------------------------------------------------------------- Barlow Twins
# ---- Barlow Twins (graph form; owner: the Barlow Twins module)


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def _barlow_twins_statistics(Z, degrees, centered):
    """Centred (or not) copy of Z, D_G Z, and s_k = z_k^T D_G z_k."""
    if centered:
        Z = Z - (degrees @ Z) / np.sum(degrees)
    DZ = degrees[:, None] * Z
    return Z, DZ, np.sum(Z * DZ, axis=0)


def _check_barlow_columns(Z, degrees, centered):
    """Raise if some column has zero D_G-weighted norm (its cosine is undefined)."""
    _, _, s = _barlow_twins_statistics(Z, degrees, centered)
    raw = np.sum(degrees[:, None] * Z**2, axis=0)
    bad = np.flatnonzero(~(s > 1e-24 * raw) | (s <= 0))
    if bad.size:
        what = "D_G-weighted variance (a column constant on the linked samples)" if centered \
            else "D_G-weighted norm (a column that is zero on every linked sample)"
        raise ValueError(
            f"Z has {bad.size} column(s) with zero {what}; first: column {int(bad[0])}. The "
            f"Barlow Twins correlation of such a column is undefined; drop it or perturb it."
        )


def barlow_twins_correlation(Z, G, *, centered=False):
    r"""The Barlow Twins cross-correlation matrix in graph form.

    .. math::

        C = \hat Z^\top G \hat Z, \qquad
        \hat Z = Z_c \operatorname{diag}(Z_c^\top D_G Z_c)^{-1/2},

    with :math:`Z_c = Z` (``centered=False``, the paper's form) or
    :math:`Z_c = Z - \mathbf 1\, d^\top Z/\operatorname{vol}` (``centered=True``:
    columns centred by their :math:`D_G`-weighted mean). :math:`C_{kl}` is the
    cosine between column :math:`k` of :math:`Z_{left}` and column :math:`l`
    of :math:`Z_{right}`, where every nonzero :math:`G_{ij}` sends row
    :math:`i` to the left view and row :math:`j` to the right view with
    weight :math:`G_{ij}` (both views then have the weighted column norms
    :math:`z_k^\top D_G z_k`, and the :math:`D_G`-weighted mean is the mean of
    either view: centring by it is batch normalisation of the edge list).

    Examples
    --------
    >>> import numpy as np
    >>> C = barlow_twins_correlation(np.array([[1.0], [1.0]]), np.array([[0, 1.0], [1.0, 0]]))
    >>> C.tolist()
    [[1.0]]
    """
    Z, G = _check_pair(Z, G)
    centered = _check_flag(centered, "centered")
    d = np.asarray(G.sum(axis=1)).ravel()
    _check_barlow_columns(Z, d, centered)
    Zc, _, s = _barlow_twins_statistics(Z, d, centered)
    M = Zc.T @ (G @ Zc)
    return ((M + M.T) / 2) / np.sqrt(np.outer(s, s))


def barlow_twins(Z, G, *, off_diagonal=5e-3, centered=False, return_gradient=False):
    r"""Barlow Twins loss in graph form (the paper's weighted form).

    .. math::

        \mathcal L(Z) = \sum_k (C_{kk} - 1)^2 + \lambda \sum_{k \ne l} C_{kl}^2,
        \qquad C = \hat Z^\top G \hat Z,\quad
        \hat Z = Z_c\operatorname{diag}(Z_c^\top D_G Z_c)^{-1/2},

    (see :func:`barlow_twins_correlation`). With :math:`\hat z_k^\top D_G \hat z_k = 1`,
    :math:`C_{kk} = 1 - \hat z_k^\top L \hat z_k`: the diagonal term is an
    invariance (Dirichlet) penalty. The loss is invariant to rescaling the
    columns of :math:`Z`.

    ``centered`` chooses :math:`Z_c`:

    * ``False`` (the paper's form): :math:`Z_c = Z`, cosines of uncentred columns.
    * ``True``: :math:`Z_c = Z - \mathbf 1\, d^\top Z/\operatorname{vol}`, the
      :math:`D_G`-weighted mean. This is the mean of the left (and of the
      right) view of the edge list, so the graph form is the correlation of
      the batch-normalised edge list. On the two-view pairing graph
      (:math:`d = \mathbf 1`) it is the plain mean of the :math:`2N` stacked
      rows: the *shared* statistics of VISSL. The official code normalises each
      view with its own statistics; the two agree when both views have the
      same column means and variances (see :func:`spectral_ssl.reference.barlow_twins`
      for the exact relation, including the antisymmetric part of the
      reference :math:`C` that the symmetric graph form does not see).

    Parameters
    ----------
    Z : array_like, shape (N, K)
        Every column needs a nonzero :math:`D_G`-weighted norm (variance if
        centred), otherwise ``ValueError``.
    G : relation graph, shape (N, N)
    off_diagonal : float >= 0
        :math:`\lambda` (the Barlow Twins paper's :math:`\lambda`; 5e-3 in lightly,
        0.0051 in the official code).
    centered : bool
    return_gradient : bool
        Also return :math:`\partial\mathcal L/\partial Z`. With
        :math:`s_k = z_k^\top D_G z_k`, :math:`R = \operatorname{diag}(s)^{-1/2}`,
        :math:`\Gamma = \partial\mathcal L/\partial C` (:math:`2(C_{kk}-1)` on the
        diagonal, :math:`2\lambda C_{kl}` off it):
        :math:`\partial\mathcal L/\partial Z_c = 2\, G Z_c R\Gamma R
        - 2\, D_G Z_c \operatorname{diag}\big(s_k^{-1} (C\Gamma)_{kk}\big)`,
        and for ``centered=True`` the centring is applied to it transposed:
        :math:`g - d\,(\mathbf 1^\top g)/\operatorname{vol}`.

    Returns
    -------
    loss : float, or (float, ndarray of shape (N, K))

    Examples
    --------
    Columns constant on the connected components and :math:`D_G`-orthogonal
    give :math:`C = I` and zero loss:

    >>> import numpy as np
    >>> G = np.kron(np.eye(2), [[0, 1.0], [1.0, 0]])  # two disjoint pairs
    >>> Z = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> barlow_twins(Z, G)
    0.0
    """
    Z, G = _check_pair(Z, G)
    lam = check_scalar(off_diagonal, name="off_diagonal", low=0.0)
    centered = _check_flag(centered, "centered")
    d = np.asarray(G.sum(axis=1)).ravel()
    _check_barlow_columns(Z, d, centered)
    value, grad = _barlow_twins_value_and_gradient(Z, G, d, lam, centered)
    return (value, grad) if return_gradient else value


def _barlow_twins_value_and_gradient(Z, G, degrees, off_diagonal, centered):
    """Value and gradient of :func:`barlow_twins` without validation.

    ``G`` only needs ``G @ Z`` (a sparse matrix or a dense array). A column with
    zero weighted norm gives ``(inf, zeros)`` so that a line search backs off.
    """
    Zc, DZ, s = _barlow_twins_statistics(Z, degrees, centered)
    if np.any(~(s > 0)):
        return float("inf"), np.zeros_like(Z)
    r = 1.0 / np.sqrt(s)
    GZ = G @ Zc
    M = Zc.T @ GZ
    M = (M + M.T) / 2
    C = M / np.sqrt(np.outer(s, s))
    diag = np.diag(C)
    off = C - np.diag(diag)
    value = np.sum((diag - 1.0) ** 2) + off_diagonal * np.sum(off**2)
    Gamma = 2.0 * off_diagonal * off + np.diag(2.0 * (diag - 1.0))
    grad = 2.0 * GZ @ (r[:, None] * Gamma * r[None, :]) - 2.0 * DZ * (r**2 * np.sum(C * Gamma, axis=0))
    if centered:
        grad = grad - np.outer(degrees, grad.sum(axis=0)) / np.sum(degrees)
    return float(value), grad
