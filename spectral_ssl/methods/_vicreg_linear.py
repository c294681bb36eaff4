r"""Linear VICReg from the :math:`D\times D` forms, in a unit-free feature basis.

Shared by :func:`spectral_ssl.methods.vicreg.optimal_linear` (and ``optimal_kernel``) and
:func:`spectral_ssl.moments.vicreg_linear_from_reductions`, so that both solve the same
problem the same way.

**Forms.** The linear closed form needs :math:`A = X^\top L X/N` and
:math:`B = X^\top H X/N` only. :func:`forms` gets them from one pass of
:func:`spectral_ssl.forms.feature_reductions`: when ``G`` is a union of cliques of equal
weight (augmentation views, labels: :func:`spectral_ssl.forms.clique_groups`), through the group sums and
contrasts, whose products together cost one :math:`X^\top X`; otherwise through
:math:`X^\top X`, :math:`X^\top D_G X` and :math:`X^\top (GX)` with the sparse product
:math:`GX`.

**Unit-free basis.** The directions come from :func:`~spectral_ssl.methods._parametric.whitening`
(shared with the other methods' linear regimes, see :mod:`._parametric`), or, when the forms
cannot decide every direction, from :func:`spectral_ssl.linalg.feature_basis` (:func:`feature_space`)
or the Jacobi-scaled rule of :func:`scaled_whitening` (:func:`linear_from_reductions`).
"""

import numpy as np
import scipy.linalg
import scipy.sparse

from .. import linalg
from .._relations import LabelRelation
from .._threads import single_threaded_blas
from ..forms import feature_reductions
from ._parametric import CONDITION_LIMIT, correlation_eigh, forms_basis, minimum_norm, whitening
from ._roundoff import degree_bound


def forms(X, G, degrees=None):
    r"""The :class:`~spectral_ssl.forms.FeatureReductions` of a float64 ``X`` and a validated ``G``.

    One pass of :func:`spectral_ssl.forms.feature_reductions` (group sums and contrasts
    when ``G`` is a union of cliques of one weight, detected exactly in
    :math:`O(N + \mathrm{nnz})`; from the class codes of a ``graphs.LabelRelation``, of weight 1).
    """
    if isinstance(G, LabelRelation):
        return feature_reductions(X, groups=G.codes, detect_groups=False)
    return feature_reductions(X, G, graph_checked=True, degrees=degrees)



def scaled_whitening(scatter, gram, n_samples):
    r"""Whitening from the forms alone when :func:`whitening` declines: ``(T, unresolved)``.

    The correlation matrix of the forms (computed from shifted data) knows its eigenvalues to
    about :math:`\max(N, D)\,\epsilon\,e_{max}`; eigenvalues above that are kept, which keeps
    every direction ``linalg.feature_basis`` keeps on ``X`` down to that level (its rule:
    standardised singular values above :math:`\max(N, D)\,\epsilon` times the largest or the
    centring term). Why: the former relative cut at 1e-10 of the largest eigenvalue dropped real
    directions (a fourth feature x1 + x2 + 1e-6 noise, N = 400: loss 74.2393 against the
    optimum 73.9946 of optimal_linear, exact=True). ``unresolved``: the number of eigenvalues at
    or below that level, of directions the forms cannot tell from round-off (dropped; the
    caller reports ``exact=False``). Even the kept directions are decided only to
    :math:`\max(N, D)\,\epsilon\,e_{max}/e_k` relative (7.6e-8 of the loss in the example
    above): ``optimal_linear`` resolves them on the SVD of ``X``, and the caller reports
    ``exact=False`` whenever this basis is used.
    """
    D = scatter.shape[0]
    active, norms, e, V = correlation_eigh(scatter, gram)
    if not np.any(active):
        return np.zeros((D, 0)), 0
    keep = e > max(n_samples, D) * np.finfo(np.float64).eps * e[-1]
    T = np.zeros((D, int(keep.sum())))
    T[active] = minimum_norm(V[:, keep] / np.sqrt(e[keep]) / norms[:, None], V[:, ~keep], norms)
    return T, int(np.sum(~keep))


def feature_space(X, G, degrees=None):
    r"""Basis and forms for :math:`Z = XW + b`: ``(T, A_T, B_T, mean, details)``.

    ``degrees``: the row sums of ``G`` when the caller has them (the kernel regime), else
    computed where needed.

    ``details["forms"]`` is :math:`(X^\top L X/N, X^\top H X/N, Y^\top D_G Y/N)` when the
    basis came from them (for :func:`forms_loss`; :math:`Y` centred by the :math:`D_G`-weighted mean).

    :math:`A_T = T^\top X^\top L X T/N`, :math:`B_T = T^\top X^\top H X T/N`
    (:math:`\approx I/N`), ``T`` from :func:`whitening`, or, when it declines, from
    :func:`spectral_ssl.linalg.feature_basis` with both forms computed from the
    orthonormal features :math:`U = X_c T` (no cancellation in :math:`U^\top U`).
    """
    N = X.shape[0]
    red = forms(X, G, degrees)
    laplacian, scatter, relation = red.laplacian_form, red.scatter, red.details["relation"]
    mean = red.sums / N
    T = forms_basis(red)
    with single_threaded_blas():  # D x D work: BLAS threads only synchronise
        if T is not None:
            A = T.T @ laplacian @ T / N
            B = T.T @ scatter @ T / N
            return T, (A + A.T) / 2, (B + B.T) / 2, mean, {
                "basis": "reductions", "relation": relation,
                "forms": (laplacian / N, scatter / N, red.weighted_scatter / N)}
    T, _ = linalg.feature_basis(X)
    centred = linalg.zero_constant_columns(X - X.mean(axis=0), X)
    active = np.any(centred != 0, axis=0)
    if T.shape[1]:
        norms = np.linalg.norm(centred[:, active], axis=0)
        # span(diag(n) T) is the kept row space in standardised coordinates; its
        # orthogonal complement there is what feature_basis dropped.
        kept, _ = np.linalg.qr(norms[:, None] * T[active])
        dropped = scipy.linalg.null_space(kept.T) if kept.shape[1] < kept.shape[0] \
            else np.zeros((kept.shape[0], 0))
        T[active] = minimum_norm(T[active], dropped, norms)
    U = centred @ T
    degrees = linalg.degrees(G, check_input=False) if degrees is None else degrees
    A = U.T @ (degrees[:, None] * U) - U.T @ (G @ U)
    return T, (A + A.T) / (2 * N), U.T @ U / N, X.mean(axis=0), {"basis": "features",
                                                                  "relation": relation}


def loss_from_forms(W, A, B, hyper):
    r"""VICReg loss at :math:`Z = XW + \mathbf 1 b^\top` from :math:`A = X^\top LX/N`, :math:`B = X^\top HX/N`.

    :math:`C = W^\top B W` (the 1/N covariance of :math:`Z`) and
    :math:`\frac{2\gamma}{N}\operatorname{tr}(Z^\top L Z) = 2\gamma\operatorname{tr}(W^\top A W)`
    (:math:`L\mathbf 1 = 0` removes the bias), so the loss is
    :math:`\alpha\sum_k v(C_{kk}) + \beta\sum_{k\ne l}C_{kl}^2 + 2\gamma\operatorname{tr}(W^\top A W)`
    with :math:`v(c) = (1-c)^2` or :math:`\max(0, 1 - \sqrt{c + \epsilon})`: the value of
    :func:`spectral_ssl.losses.vicreg` at :math:`Z`, in :math:`O(D^2K)` instead of
    :math:`O(NK^2 + \mathrm{nnz}(G)K)`.
    """
    C = W.T @ B @ W
    C = (C + C.T) / 2
    diag = np.diag(C)
    if hyper["variance_kind"] == "square":
        penalty = (1.0 - diag) ** 2
    else:
        penalty = np.maximum(0.0, 1.0 - np.sqrt(np.maximum(diag + hyper["eps"], 0.0)))
    off = C - np.diag(diag)
    # gamma * (2 w^T A w), not (2 gamma) * ...: 2 gamma overflows for gamma near 1e308 (inf * 0)
    invariance = hyper["invariance"] * (2.0 * np.sum(W * (A @ W))) if hyper["invariance"] else 0.0
    return float(hyper["variance"] * np.sum(penalty) + hyper["covariance"] * np.sum(off**2)
                 + invariance)


def loss_from_forms_error(W, A, B, hyper):
    r"""A first-order bound of the round-off of :func:`loss_from_forms` at ``W``.

    A product :math:`w^\top M v` of length :math:`D` is computed to within
    :math:`D\epsilon\,|w|^\top|M||v|` (two products: :math:`u = 2D\epsilon`), so
    :math:`|\delta C| \le u\,|W|^\top|B||W|` entrywise and the invariance term is off by at
    most :math:`2\gamma u\sum_k |w_k|^\top|A||w_k|`; the variance and covariance terms by
    :math:`\alpha\sum_k(2|1-C_{kk}|\delta C_{kk} + \delta C_{kk}^2)` (square; hinge:
    :math:`\alpha\sum_k\sqrt{\delta C_{kk}}`) and :math:`\beta\sum_{k\ne l}(2|C_{kl}|\delta C_{kl} +
    \delta C_{kl}^2)`. Why: when ``W`` has entries of very different sizes (features in
    very different units) these products cancel, and a large invariance weight turns the
    cancellation into a wrong, even negative, loss; the caller then evaluates the loss at ``Z``.
    """
    u = 2.0 * W.shape[0] * float(np.finfo(np.float64).eps)
    absW = np.abs(W)
    dC = u * (absW.T @ np.abs(B) @ absW)
    C = W.T @ B @ W
    diag, d_diag = np.diag(C), np.diag(dC)
    if hyper["variance_kind"] == "square":
        variance = np.sum(2.0 * np.abs(1.0 - diag) * d_diag + d_diag**2)
    else:
        variance = np.sum(np.sqrt(d_diag))
    off = ~np.eye(C.shape[0], dtype=bool)
    covariance = np.sum(2.0 * np.abs(C[off]) * dC[off] + dC[off] ** 2)
    invariance = u * (2.0 * np.sum(absW * (np.abs(A) @ absW))) if hyper["invariance"] else 0.0
    return float(hyper["variance"] * variance + hyper["covariance"] * covariance
                 + hyper["invariance"] * invariance)


def linear_from_reductions(red, n_components, hyper, *, restarts=8, random_state=0):
    r"""Linear VICReg from the :class:`~spectral_ssl.forms.FeatureReductions` of ``(X, G)`` alone.

    Re-exported as :func:`spectral_ssl.methods.vicreg.linear_from_reductions` (what
    :mod:`spectral_ssl.moments` solves its chunked reductions with). The computation of
    ``optimal_linear`` without the features: :math:`A = X^\top L X/N`, :math:`B = X^\top H X/N`
    in the unit-free basis of :func:`whitening` (or, when the forms cannot decide every
    direction, the Jacobi-scaled rule of :func:`scaled_whitening`), :math:`A q = \mu B q`,
    the reduced solve on :math:`\mu_1..\mu_K`, :math:`W = Q_K Y_0`, :math:`b = -\bar x^\top W`.
    ``hyper`` is the dict of ``vicreg.check_hyperparameters`` (not validated here). The sign
    rule is applied in the whitened coordinates only (``Z`` is not formed).

    Returns
    -------
    W, bias, mu, t, exact, details, loss
        ``loss`` from the forms (:func:`loss_from_forms`).
    """
    from .vicreg import reduced_solution

    if red.laplacian_form is None:
        raise ValueError("red has no relation; compute it with reductions(X, G) or reductions(X, groups=...).")
    N = red.n_samples
    T = whitening(red.scatter, red.gram, N)
    basis, unresolved = "reductions", 0
    if T is None:
        T, unresolved = scaled_whitening(red.scatter, red.gram, N)
        basis = "reductions (Jacobi-scaled, rank above the forms' round-off)"
    with single_threaded_blas():  # D x D (D up to N for kernels): 1 thread, benchmarks/results/blas_threads.md
        A_T = T.T @ red.laplacian_form @ T / N
        B_T = T.T @ red.scatter @ T / N
        mu, Q = solve((A_T + A_T.T) / 2, (B_T + B_T.T) / 2, T, n_components,
                      what="the rank of the centred features X (directions with variance)")
        Y0, t, exact, details = reduced_solution(mu, variance=hyper["variance"],
                                                 covariance=hyper["covariance"],
                                                 invariance=hyper["invariance"],
                                                 variance_kind=hyper["variance_kind"], eps=hyper["eps"],
                                                 restarts=restarts, random_state=random_state)
        details["basis"] = basis
        W = Q @ Y0
        bias = -red.mean @ W
        loss = loss_from_forms(W, red.laplacian_form / N, red.scatter / N, hyper)
        untrusted = untrusted_forms(red, T, A_T, W, hyper)
    if basis != "reductions":
        untrusted["optimum_untrusted"] = "; ".join(filter(None, [untrusted.get("optimum_untrusted"), (
            f"the features are nearly collinear (their correlation matrix has a condition number "
            f"above {CONDITION_LIMIT:g}), so the forms decide the small directions only roughly "
            f"({unresolved} below their round-off dropped); optimal_linear decides them on the SVD "
            f"of X, or drop the redundant columns")]))
    if untrusted:
        # what the closed form would be with trusted forms: a loss recomputed on Z restores it
        details.update(untrusted, exact_if_trusted=exact)
        exact = False
    # a sum of non-negative terms: the forms' cancellation gave -5.8e-15 at N = 3 (as optimal_linear)
    return W, bias, mu, t, exact, details, max(loss, 0.0)


def untrusted_forms(red, T, A_T, W, hyper):
    r"""Why the forms of ``red`` cannot decide the optimum or its loss at ``W``: a dict, empty when they can.

    ``"optimum_untrusted"`` and ``"loss_untrusted"``: a sentence each, when it applies.

    The checks of ``optimal_linear``, which then falls back on the features (the edge factor
    :func:`edge_factor_solve` for :math:`\mu`, the loss on ``Z``); from the forms alone
    there is no fallback, so the caller reports ``exact=False``. (1) :func:`needs_edge_factor`:
    the :math:`\mu_k` of the form are known to :math:`\epsilon\mu_{max}` (:math:`\epsilon\delta`
    on a general graph, :func:`degree_scale`), too coarse at this invariance weight; (2)
    :func:`forms_loss` is None: the loss from the forms may carry more than ``FORMS_LOSS_RTOL``
    of round-off. A relation not known to be groups is treated as a general graph.
    """
    from .vicreg import EDGE_FACTOR_DEGREE_RATIO, EDGE_FACTOR_RATIO

    N = red.n_samples
    relation = "groups" if red.details.get("relation") == "groups" else "graph"
    weighted = red.weighted_scatter if red.weighted_scatter is not None else red.degree_form
    forms = (red.laplacian_form / N, red.scatter / N, weighted / N)
    reasons = {}
    if needs_edge_factor(A_T, T, forms, relation, None, N, hyper,
                         (EDGE_FACTOR_RATIO, EDGE_FACTOR_DEGREE_RATIO)):
        reasons["optimum_untrusted"] = (
            f"at invariance = {hyper['invariance']:g} the generalized eigenvalues mu_k of the form "
            f"X^T L X are too coarse to decide W (optimal_linear takes them from the edge differences "
            f"of the features)")
    if forms_loss(W, forms, relation, hyper, N) is None:
        reasons["loss_untrusted"] = (f"the loss from the forms may carry more than {FORMS_LOSS_RTOL:g} "
                                     f"of round-off (optimal_linear evaluates it on Z)")
    return reasons


#: The loss is taken from the forms of a general graph when the round-off bound of
#: :math:`X^\top L X = X^\top D_G X - X^\top G X` in its invariance term is at most this
#: fraction of the loss (otherwise it is evaluated on ``Z``, edge by edge).
FORMS_LOSS_RTOL = 1e-9


def forms_loss(W, forms, relation, hyper, n_samples):
    r"""The VICReg loss at :math:`Z = XW + \mathbf 1 b^\top` from ``details["forms"]``, or None.

    Groups: :func:`loss_from_forms` (their :math:`X^\top L X` comes from within-group
    contrasts, without cancellation). A general graph: the same, unless the invariance term
    may carry more round-off than ``FORMS_LOSS_RTOL`` of the loss: :math:`X^\top L X` is
    there a difference of two forms of size :math:`X^\top D_G X`, whose error is bounded by
    :math:`2N\epsilon\,\operatorname{tr}(W^\top Y^\top D_G Y W)` (sums of :math:`N` terms; the
    weighted scatter stands for the shifted :math:`X^\top D_G X`), times :math:`2\gamma/N`.
    Then None, and the caller evaluates the loss on ``Z``.
    """
    laplacian, scatter, weighted = forms
    loss = loss_from_forms(W, laplacian, scatter, hyper)
    # W^T A W and W^T B W cancel when W has entries of very different sizes (features in
    # very different units): then the loss comes from Z
    floor = max(abs(loss), 1e-4 * hyper["variance"] * W.shape[1])
    if loss_from_forms_error(W, laplacian, scatter, hyper) > FORMS_LOSS_RTOL * floor:
        return None
    if relation == "groups" or not hyper["invariance"]:
        return loss
    bound = (hyper["invariance"] * (4.0 * n_samples * np.finfo(float).eps)
             * abs(float(np.sum(W * (weighted @ W)))))
    return loss if bound <= FORMS_LOSS_RTOL * abs(loss) else None


def degree_scale(T, forms, relation, G, n_samples):
    r"""The scale :math:`\delta` of the round-off of a general graph's form, or 0 on groups.

    On a general graph :math:`X^\top L X = X^\top D_G X - X^\top G X` is known to
    :math:`\epsilon\delta`, :math:`\delta` the largest eigenvalue of the :math:`D_G`-weighted
    scatter in the whitened basis, :math:`N\lambda_{max}(T^\top Y^\top D_G Y T/N)` (at most the
    largest degree), not to :math:`\epsilon\mu_{max}`: smooth features on a graph have
    :math:`\mu_{max} \ll \delta` (views 1e-6 apart on a weighted pairing graph: the optimum 2.2e-6
    above the true one at invariance 1e10, 2e-3 at 1e12). Without the forms, half of
    ``_roundoff.degree_bound`` (at least the largest degree). Groups: 0 (no cancellation).
    """
    if relation != "graph" or T.shape[1] == 0:
        return 0.0
    if forms is None:
        return 0.5 * degree_bound(G)
    return n_samples * float(np.linalg.eigvalsh(T.T @ forms[2] @ T)[-1])


def needs_edge_factor(A, T, forms, relation, G, n_samples, hyper, ratios):
    r"""Whether :math:`\mu` must come from :func:`edge_factor_solve`: invariance times
    :math:`\mu_{max}`, or times :func:`degree_scale`, above ``ratios`` (two factors) times variance.

    :math:`\mu_k` from the form is known to :math:`\epsilon\mu_{max}` (:math:`\epsilon\delta` on
    a general graph), and the loss pays :math:`2\gamma t_k\mu_k`. ``A`` is
    :math:`T^\top X^\top L X T/N` (with :math:`B = I/N`).
    """
    mu_max = n_samples * float(np.linalg.eigvalsh(A)[-1]) if A.size else 0.0
    gamma, alpha = hyper["invariance"], hyper["variance"]
    with np.errstate(over="ignore"):  # an invariance near 1e308: inf compares as it should
        return bool(gamma * mu_max > ratios[0] * alpha
                    or gamma * degree_scale(T, forms, relation, G, n_samples) > ratios[1] * alpha)


def solve(A, B, T, n_components, what):
    r"""``(mu, Q)``: :math:`A q = \mu B q` in the basis ``T`` (:math:`W = T Q`), the ``n_components`` smallest.

    Raises the error of a zero feature space (every sample the same) and of a
    too large ``n_components``, naming ``what`` bounds it.
    """
    from .._validation import check_n_components

    if T.shape[1] == 0:
        raise ValueError(
            f"{what} is 0: every sample has the same features, so no direction has variance and "
            f"Z could only be constant; check X (constant columns, identical rows, the kernel).")
    mu, P = linalg.generalized_eigh(A, B)
    K = check_n_components(n_components, mu.size, what=what)
    # The eigenvector signs of the whitening basis are arbitrary (LAPACK), and with
    # covariance < variance the rotation R mixes columns, so a sign must be fixed before
    # it: the sign rule on the coefficients in the features' own coordinates.
    return np.maximum(mu[:K], 0.0), linalg.sign_flip(T @ P[:, :K])


def edge_factor_solve(features, T, G, n_components, what):
    r"""``(mu, Q)`` as :func:`solve`, from the SVD of the weighted edge differences (small :math:`\mu` accurate).

    With :math:`X_cT = U_0R` (QR, :math:`U_0` orthonormal) and the edge factor
    :math:`M = [\sqrt{G_{ij}}\,(u_i - u_j)]_{i<j}`, :math:`M^\top M = U_0^\top L U_0`, so
    :math:`\mu_k = \sigma_k^2` (ascending) and :math:`Q = \sqrt N\,TR^{-1}P` with :math:`P`
    the right singular vectors. Why: the eigenvalues of the form :math:`X^\top LX` are
    known to :math:`\epsilon\mu_{max}` only, and the loss pays :math:`2\gamma t_k\mu_k`
    and decides :math:`t_k = 1 - \gamma\mu_k/\alpha`; singular values of the factor are
    known to :math:`\epsilon\sigma_{max}`, i.e. :math:`\mu_k` to
    :math:`2\epsilon\sqrt{\mu_k\mu_{max}} + \epsilon^2\mu_{max}` (a direction of zero
    Dirichlet energy gets :math:`\mu \approx \epsilon^2\mu_{max}`, not :math:`\epsilon\mu_{max}`).
    Costs an SVD of (edges x r): used when a large invariance weight needs it.
    """
    from .._validation import check_n_components

    centred = linalg.zero_constant_columns(features - features.mean(axis=0), features)
    U0, R = np.linalg.qr(centred @ T)
    if isinstance(G, LabelRelation):  # L = sum_c w n_c (I - 1 1^T / n_c): one row per sample
        means = G.class_sums(U0) / G.sizes[:, None]
        M = np.sqrt(G.weight * G.sizes[G.codes])[:, None] * (U0 - means[G.codes])
    else:
        upper = scipy.sparse.triu(G, 1).tocoo()
        M = np.sqrt(upper.data)[:, None] * (U0[upper.row] - U0[upper.col])
    r = U0.shape[1]
    _, s, Vt = np.linalg.svd(M, full_matrices=True) if M.shape[0] < r else \
        np.linalg.svd(M, full_matrices=False)
    sigma = np.zeros(r)
    sigma[: s.size] = s
    order = np.argsort(sigma, kind="stable")
    K = check_n_components(n_components, r, what=what)
    P = Vt[order[:K]].T
    Q = np.sqrt(features.shape[0]) * T @ scipy.linalg.solve_triangular(R, P)
    return sigma[order[:K]] ** 2, linalg.sign_flip(Q)
