r"""Self-supervised losses in the reference libraries' paired-view conventions.

Two views ``A`` and ``B`` (N x D): row ``i`` of ``A`` and row ``i`` of ``B`` are
a positive pair. These are numpy re-implementations, in float64, of the
constants of the code people run (official repositories, lightly 1.6.0,
solo-learn, ...); the optional ``crosscheck`` tests compare them with the real
libraries. ``var_u`` divides by :math:`N-1`.

Relation to the graph form. With :math:`Z = [A; B]` (:math:`2N` rows) and the
two-view pairing graph :math:`G` (``graphs.from_groups(np.tile(np.arange(N), 2))``):

.. math::

    \text{official}(A, B) = \frac{25}{D}\,\text{inv}(Z, G)
    + \frac{12.5}{D}\big[v_h(sA) + v_h(sB)\big] + \frac1D\big[c(sA) + c(sB)\big],

with ``inv`` = :func:`spectral_ssl.losses.invariance_term`, :math:`v_h` =
:func:`spectral_ssl.losses.variance_term` (hinge, :math:`\epsilon = 10^{-4}`),
:math:`c` = :func:`spectral_ssl.losses.covariance_term`, and
:math:`s = \sqrt{N/(N-1)}` (turns the graph form's :math:`1/N` covariance into
the :math:`1/(N-1)` one). Variance and covariance are per view in the
reference code, over all stacked rows in the paper's graph form.
"""

import warnings

import numpy as np
from scipy.special import logsumexp

from . import linalg, memory
from ._validation import check_features, check_option, check_scalar


def _check_views(A, B):
    A = check_features(A, name="A")
    B = check_features(B, name="B")
    if A.shape != B.shape:
        raise ValueError(
            f"A and B must have the same shape (two views of the same samples), got {A.shape} and {B.shape}."
        )
    return A, B


def _vicreg_view_terms(V, eps):
    """(mean_k relu(1 - sqrt(var_u + eps)), sum offdiag(cov_u)^2 / D) for one view."""
    n, dim = V.shape
    Vc = V - V.mean(axis=0)
    cov = Vc.T @ Vc / (n - 1)
    std = np.sqrt(np.diag(cov) + eps)
    variance = np.mean(np.maximum(0.0, 1.0 - std))
    covariance = (np.sum(cov**2) - np.sum(np.diag(cov) ** 2)) / dim
    return variance, covariance


def vicreg(A, B, *, convention="official", invariance=25.0, variance=25.0, covariance=1.0, eps=1e-4):
    r"""VICReg loss of two views in a reference convention.

    .. math::

        \text{inv} = \operatorname{mean}_{i,k}(A_{ik}-B_{ik})^2,\quad
        v_V = \operatorname{mean}_k \operatorname{relu}(1-\sqrt{\operatorname{var}_u(V_{:k})+\epsilon}),\quad
        c_V = \textstyle\sum \operatorname{offdiag}(V_c^\top V_c/(N-1))^2 / D

    * ``"official"`` (facebookresearch/vicreg ``main_vicreg.py``; lightly 1.6.0
      ``VICRegLoss``): :math:`\lambda\,\text{inv} + \mu\,\tfrac12(v_A + v_B) + \nu(c_A + c_B)`.
    * ``"solo"`` (solo-learn): the variance term is not halved,
      :math:`\lambda\,\text{inv} + \mu(v_A + v_B) + \nu(c_A + c_B)`.

    Parameters
    ----------
    A, B : array_like, shape (N, D), N >= 2
    convention : {"official", "solo"}
    invariance, variance, covariance : float
        :math:`\lambda, \mu, \nu` (defaults 25, 25, 1).
    eps : float
        Inside the square root of the variance (1e-4 in the reference code).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 0.0], [-1.0, 0.0]])
    >>> round(vicreg(A, A, variance=0.0, covariance=0.0), 12)  # identical views: no invariance cost
    0.0
    """
    A, B = _check_views(A, B)
    check_option(convention, name="convention", options=("official", "solo"))
    lam = check_scalar(invariance, name="invariance", low=0.0)
    mu = check_scalar(variance, name="variance", low=0.0)
    nu = check_scalar(covariance, name="covariance", low=0.0)
    eps = check_scalar(eps, name="eps", low=0.0)
    inv = np.mean((A - B) ** 2)
    var_a, cov_a = _vicreg_view_terms(A, eps)
    var_b, cov_b = _vicreg_view_terms(B, eps)
    variance_weight = 0.5 if convention == "official" else 1.0
    return float(lam * inv + mu * variance_weight * (var_a + var_b) + nu * (cov_a + cov_b))


# --------------------------------------------------------------------------- SimCLR
# ---- SimCLR / NT-Xent

NT_XENT_CONVENTIONS = ("lightly", "google", "solo")


def _nt_xent_logits(A, B, temperature):
    """:math:`S = \\hat Z\\hat Z^\\top/\\tau` for :math:`\\hat Z = [n(A); n(B)]` (2N x 2N)."""
    for name, V in (("A", A), ("B", B)):
        zero = np.flatnonzero(~np.any(V != 0, axis=1))
        if zero.size:  # a zero row has no direction: its cosine similarities are undefined
            raise ValueError(
                f"{name} has {zero.size} row(s) with zero norm (first: row {int(zero[0])}); the cosine "
                f"similarity of a zero vector is undefined. Remove those samples or give them a nonzero "
                f"representation.")
    Z = linalg.unit_rows(np.vstack([A, B]))[0]  # rows of 1e-170 or 1e160 have directions too
    return Z @ Z.T / temperature


def nt_xent(A, B, *, temperature=0.5, convention="lightly"):
    r"""NT-Xent (SimCLR) loss of two views in a reference convention.

    With :math:`\hat Z = [n(A); n(B)]` (:math:`2N` rows, :math:`n(z) = z/\lVert z\rVert`),
    :math:`S = \hat Z\hat Z^\top/\tau` and :math:`p(i)` the other view of row
    :math:`i` (:math:`p(i) = i \pm N`):

    .. math:: \ell_i = -S_{i,p(i)} + \log\sum_{j\ne i} e^{S_{ij}} .

    * ``"lightly"`` (lightly 1.6.0 ``NTXentLoss``, stable-pretraining):
      :math:`\frac1{2N}\sum_{i=1}^{2N}\ell_i`.
    * ``"google"`` (google-research/simclr, tf2 ``objective.py``): the two
      directions are averaged over :math:`N` and added, which is exactly
      :math:`2\times` ``"lightly"``.
    * ``"solo"`` (solo-learn): positives come from an index vector (here the
      view index :math:`g = (0..N-1, 0..N-1)`):
      :math:`-\frac1{2N}\sum_i \log\frac{\sum_{j\in\text{pos}(i)} e^{S_{ij}}}
      {\sum_{j\in\text{pos}(i)} e^{S_{ij}} + \sum_{j\in\text{neg}(i)} e^{S_{ij}}}`,
      :math:`\text{pos}(i) = \{j\ne i: g_j = g_i\}`, :math:`\text{neg}(i) = \{j: g_j\ne g_i\}`.
      With two views :math:`\text{pos}(i) = \{p(i)\}`, so it equals ``"lightly"``.

    Relation to the graph form: with :math:`Z = [A; B]` and the pairing graph
    ``graphs.from_groups(np.tile(np.arange(N), 2))``,
    ``losses.simclr(Z, G, temperature=t) == 2 * N * nt_xent(A, B, temperature=t)``
    (every row has exactly one positive, so the graph form is
    :math:`\sum_i \ell_i`).

    Parameters
    ----------
    A, B : array_like, shape (N, D)
        Two views; no row may be zero (``ValueError``; the libraries' ``normalize``
        would silently map it to 0).
    temperature : float > 0
        :math:`\tau` (lightly's default 0.5).
    convention : {"lightly", "google", "solo"}

    Returns
    -------
    float

    Examples
    --------
    One pair: each row's only other row is its positive, so the loss is 0.

    >>> import numpy as np
    >>> nt_xent(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))
    0.0
    """
    A = check_features(A, name="A", min_samples=1)
    B = check_features(B, name="B", min_samples=1)
    if A.shape != B.shape:
        raise ValueError(
            f"A and B must have the same shape (two views of the same samples), got {A.shape} and {B.shape}."
        )
    # the logits are a few dense 2N x 2N arrays: refuse before allocating them
    memory.check_pairwise(2 * A.shape[0], call="reference.nt_xent", copies=4,
                          alternative="evaluate the loss on mini-batches, as training does")
    tau = check_scalar(temperature, name="temperature", low=0.0, low_inclusive=False)
    check_option(convention, name="convention", options=NT_XENT_CONVENTIONS)
    n = A.shape[0]
    S = _nt_xent_logits(A, B, tau)
    two_n = 2 * n
    if convention == "solo":
        index = np.tile(np.arange(n), 2)
        same = index[:, None] == index[None, :]
        positive = same & ~np.eye(two_n, dtype=bool)
        # in the log domain: at small temperatures every e^{S_ij - max} of a row but one
        # underflows, and the quotient of the sums became 0 / x (an infinite loss)
        log_numerator = logsumexp(np.where(positive, S, -np.inf), axis=1)
        log_denominator = logsumexp(np.where(positive | ~same, S, -np.inf), axis=1)
        return float(np.mean(log_denominator - log_numerator))
    partner = (np.arange(two_n) + n) % two_n
    positive_logit = S[np.arange(two_n), partner]
    np.fill_diagonal(S, -np.inf)
    top = S.max(axis=1)
    lse = top + np.log(np.sum(np.exp(S - top[:, None]), axis=1))
    value = float(np.mean(lse - positive_logit))
    return 2.0 * value if convention == "google" else value


# --------------------------------------------------------------------------- Barlow Twins
# ---- Barlow Twins

BARLOW_TWINS_CONVENTIONS = ("official", "lightly", "stable_pretraining", "solo", "vissl")

#: Default off-diagonal weight lambda of each convention.
BARLOW_TWINS_OFF_DIAGONAL = {"official": 0.0051, "lightly": 5e-3, "stable_pretraining": 5e-3,
                             "solo": 5e-3, "vissl": 0.0051}

#: Default overall factor ``scale_loss`` of the conventions that have one.
BARLOW_TWINS_SCALE_LOSS = {"solo": 0.025, "vissl": 0.024}


def _batch_norm(V, eps):
    """(V - mean) / sqrt(var_b + eps) per column: torch BatchNorm1d in training mode, no affine."""
    Vc = V - V.mean(axis=0)
    return Vc / np.sqrt(np.mean(Vc**2, axis=0) + eps)


#: Relative error of VISSL's E[x^2] - E[x]^2 (against the two-pass variance) above which the
#: value is mostly round-off: a mean 1e4 times the spread already costs 8 of 16 digits.
VISSL_VARIANCE_RTOL = 1e-6


def _warn_cancelled_variance(formula, two_pass):
    """Warn when VISSL's one-pass variance lost most of its digits to a large mean."""
    with np.errstate(divide="ignore", invalid="ignore"):
        error = np.abs(formula - two_pass) / two_pass
    lost = np.flatnonzero(error > VISSL_VARIANCE_RTOL)
    if lost.size:
        k = int(lost[0])
        warnings.warn(
            f"VISSL's variance E[x^2] - E[x]^2 lost its digits to cancellation in {lost.size} column(s) "
            f"(column {k}: {formula[k]:.6g} against {two_pass[k]:.6g}, the mean being far above the "
            f"spread); the value reproduces that round-off. Centre the views first for the loss of "
            f"exact arithmetic.", UserWarning, stacklevel=3)


def _normalisation_failure(A, B, eps):
    """Why a Barlow Twins normalisation divided by zero: a constant column, or a variance lost."""
    constant = [name for name, V in (("A", A), ("B", B)) if np.any(np.ptp(V, axis=0) == 0)]
    if constant and eps == 0:
        return (f"{' and '.join(constant)} has a constant column and eps=0: its normalisation divides "
                f"by zero. Use eps > 0 (the libraries use 1e-5) or drop the column.")
    return ("A or B has a column whose variance was lost in float64 (no column is constant at "
            f"eps={eps:g}): its entries underflow or overflow when squared, or its mean is so far "
            "above its spread that the variance cancels (VISSL's E[x^2] - E[x]^2). Centre and "
            "rescale the views first, e.g. (V - V.mean(0)) / V.std(0).")


def barlow_twins(A, B, *, convention="official", off_diagonal=None, scale_loss=None, eps=1e-5):
    r"""Barlow Twins loss of two views in a reference convention.

    Every convention computes :math:`C = \tilde A^\top \tilde B / N` from
    normalised views and
    :math:`\ell = \sum_k (C_{kk} - 1)^2 + \lambda\sum_{k\ne l} C_{kl}^2`;
    they differ in the normalisation and the constants (``var_b`` divides by
    :math:`N`, ``std_u`` by :math:`N - 1`):

    * ``"official"`` (facebookresearch/barlowtwins ``main.py``: ``BatchNorm1d(affine=False)``,
      ``lambd=0.0051``): :math:`\tilde V = (V - \bar V)/\sqrt{\operatorname{var}_b(V) + \epsilon}`
      per view, :math:`\epsilon = 10^{-5}`, :math:`\lambda = 0.0051`.
    * ``"lightly"`` (lightly >= 1.5.20, incl. 1.6.0, ``BarlowTwinsLoss``:
      ``F.batch_norm``): the official normalisation, :math:`\lambda = 5\cdot10^{-3}`.
    * ``"stable_pretraining"`` (0.1.8, ``losses/joint_embedding.py``
      ``BarlowTwinsLoss``): :math:`\tilde V = (V - \bar V)/(\operatorname{std}_u(V) + \epsilon)`
      (:math:`\epsilon` outside the square root), :math:`\lambda = 5\cdot10^{-3}`.
    * ``"solo"`` (solo-learn ``solo/losses/barlow.py`` ``barlow_loss_func``): the official
      normalisation, :math:`\text{scale\_loss}\cdot\ell` with the function's defaults
      :math:`\lambda = 5\cdot10^{-3}`, ``scale_loss`` :math:`= 0.025`. (solo-learn's
      ``BarlowTwins`` method fills its config with ``lamb=0.0051``,
      ``scale_loss=0.024`` instead; pass those explicitly to reproduce a run.)
    * ``"vissl"`` (VISSL ``losses/barlow_twins_loss.py`` with ``SyncNormalizeFunction``):
      both views are normalised with *shared* statistics of the :math:`2N` stacked rows,
      :math:`\operatorname{var} = \overline{v^2} - \bar v^2` (biased), :math:`\epsilon` inside the
      square root; both terms are multiplied by ``scale_loss``; defaults of the released
      config ``barlow_twins_4node_resnet.yaml``: :math:`\lambda = 0.0051`, ``scale_loss`` :math:`= 0.024`.

    Relation to the graph form (:func:`spectral_ssl.losses.barlow_twins`). With
    :math:`Z = [A; B]` and the pairing graph
    (``graphs.from_groups(np.tile(np.arange(N), 2))``, :math:`d = \mathbf 1`), the
    centred graph form normalises with the shared statistics of the stacked rows
    and symmetrises: :math:`C_{graph} = (C_{v} + C_{v}^\top)/2` where :math:`C_v`
    is VISSL's matrix at :math:`\epsilon = 0`. Hence, exactly,

    .. math::

        \frac{\text{vissl}(A, B;\ \epsilon=0)}{\text{scale\_loss}}
        = \text{graph}_{centred}(Z, G) + \lambda\,\lVert (C_v - C_v^\top)/2\rVert_F^2 ,

    and the same holds for ``"official"``/``"lightly"``/``"solo"`` (without the
    scale) whenever both views have equal column means and variances (then
    per-view and shared statistics coincide). With :math:`\epsilon > 0`, every
    :math:`C_{kl}` is multiplied by
    :math:`\prod (1 + \epsilon/\sigma^2)^{-1/2}` over the two columns' variances: a
    relative change :math:`O(\epsilon/\sigma^2)`.

    Parameters
    ----------
    A, B : array_like, shape (N, D), N >= 2
    convention : {"official", "lightly", "stable_pretraining", "solo", "vissl"}
    off_diagonal : float, optional
        :math:`\lambda`; default: the convention's (see ``BARLOW_TWINS_OFF_DIAGONAL``).
    scale_loss : float, optional
        Overall factor of ``"solo"`` and ``"vissl"`` (default 0.025 and 0.024);
        ``ValueError`` for the other conventions, which have none.
    eps : float >= 0
        :math:`\epsilon` of the normalisation (:math:`10^{-5}` in every library).

    Returns
    -------
    float

    Examples
    --------
    Identical standardised views: :math:`C = I`, loss 0 up to the :math:`\epsilon`.

    >>> import numpy as np
    >>> A = np.array([[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]])
    >>> round(barlow_twins(A, A, eps=0.0), 12)
    0.0
    """
    A, B = _check_views(A, B)
    check_option(convention, name="convention", options=BARLOW_TWINS_CONVENTIONS)
    lam = BARLOW_TWINS_OFF_DIAGONAL[convention] if off_diagonal is None else \
        check_scalar(off_diagonal, name="off_diagonal", low=0.0)
    if convention in BARLOW_TWINS_SCALE_LOSS:
        scale = BARLOW_TWINS_SCALE_LOSS[convention] if scale_loss is None else \
            check_scalar(scale_loss, name="scale_loss", low=0.0)
    elif scale_loss is not None:
        raise ValueError(
            f"scale_loss is only used by the 'solo' and 'vissl' conventions; convention={convention!r} "
            f"has no overall factor. Drop scale_loss or multiply the result yourself."
        )
    else:
        scale = 1.0
    eps = check_scalar(eps, name="eps", low=0.0)
    n = A.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        if convention == "stable_pretraining":
            An = (A - A.mean(axis=0)) / (A.std(axis=0, ddof=1) + eps)
            Bn = (B - B.mean(axis=0)) / (B.std(axis=0, ddof=1) + eps)
        elif convention == "vissl":
            stacked = np.vstack([A, B])
            mean = stacked.mean(axis=0)
            var = np.mean(stacked**2, axis=0) - mean**2  # VISSL's E[x^2] - E[x]^2
            _warn_cancelled_variance(var, np.var(stacked, axis=0))
            normed = (stacked - mean) / np.sqrt(np.maximum(var + eps, 0.0))
            An, Bn = normed[:n], normed[n:]
        else:
            An, Bn = _batch_norm(A, eps), _batch_norm(B, eps)
        C = An.T @ Bn / n
    if not np.all(np.isfinite(C)):
        raise ValueError(_normalisation_failure(A, B, eps))
    diag = np.diag(C)
    value = np.sum((diag - 1.0) ** 2) + lam * (np.sum(C**2) - np.sum(diag**2))
    return float(scale * value)


# --------------------------------------------------------------------------- Spectral contrastive
# ---- Spectral contrastive


def _clip_rows(V, mu):
    """HaoChen's clip: rows with norm >= sqrt(mu) are rescaled to norm sqrt(mu)."""
    root = np.sqrt(mu)
    norms = np.linalg.norm(V, axis=1)
    factor = np.where(norms < root, 1.0, root / np.maximum(norms, 1e-12))  # F.normalize's eps
    return V * factor[:, None]


def spectral_contrastive(A, B, *, mu=1.0):
    r"""Spectral contrastive loss of two views (HaoChen et al. 2021, ``models/spectral.py``).

    Each row is first clipped to the ball of radius :math:`\sqrt\mu`
    (:math:`\operatorname{clip}(z) = z` if :math:`\lVert z\rVert < \sqrt\mu`, else
    :math:`\sqrt\mu\, z/\lVert z\rVert`); then

    .. math::

        \ell = \frac1\mu\Big( -\frac2N \sum_i a_i^\top b_i
        + \frac{1}{N(N-1)} \sum_{i\ne j} (a_i^\top b_j)^2 \Big),

    computed without an :math:`N\times N` matrix from
    :math:`\sum_{i\ne j}(a_i^\top b_j)^2 = \operatorname{tr}(A^\top A\,B^\top B) - \sum_i (a_i^\top b_i)^2`.
    :math:`\mu = 1` for CIFAR, 10 in some of the paper's runs.

    Relation to the graph form (:func:`spectral_ssl.losses.spectral_contrastive`).
    With :math:`Z = [A; B]`, the pairing graph (:math:`d = \mathbf 1`,
    :math:`\operatorname{vol} = 2N`) and rows inside the ball (no clipping),
    the attraction terms are identical and only the repulsion differs:

    .. math::

        \text{graph}(Z) - \mu\,\ell(A, B) = \frac{\lVert Z^\top Z\rVert_F^2}{4N^2}
        - \frac{\operatorname{tr}(A^\top A\,B^\top B) - \sum_i (a_i^\top b_i)^2}{N(N-1)} .

    The graph form averages :math:`(z_i^\top z_j)^2` over all :math:`(2N)^2` ordered
    pairs of stacked rows (a V-statistic, including :math:`i = j` and same-view
    pairs); HaoChen's code averages over the :math:`N(N-1)` cross-view pairs of
    different samples (a U-statistic). Both estimate the same population term
    :math:`E[(f(x)^\top f(x'))^2]`, so they agree as :math:`N \to \infty` but not at
    finite :math:`N`.

    Parameters
    ----------
    A, B : array_like, shape (N, D), N >= 2
    mu : float > 0

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[0.5, 0.0], [0.0, 0.5]])
    >>> spectral_contrastive(A, A)  # -(2/2)(0.25 + 0.25) + 0
    -0.5
    """
    A, B = _check_views(A, B)
    mu = check_scalar(mu, name="mu", low=0.0, low_inclusive=False)
    A, B = _clip_rows(A, mu), _clip_rows(B, mu)
    n = A.shape[0]
    paired = np.sum(A * B, axis=1)
    attraction = -2.0 * np.sum(paired) / n
    off_pairs = np.sum((A.T @ A) * (B.T @ B)) - np.sum(paired**2)
    repulsion = off_pairs / (n * (n - 1))
    return float((attraction + repulsion) / mu)
