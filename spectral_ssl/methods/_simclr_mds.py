r"""The MDS view of SimCLR (Theorem 2): the squared distances it fits on the sphere.

Private; re-exported by :mod:`spectral_ssl.methods.simclr`, where the theorem is stated.
"""

import numpy as np
import scipy.stats

from .. import linalg, spectral
from .._validation import check_features, check_graph, check_n_components, check_option
from ..losses import row_norms_checked
from ._names import DISPLAY_NAMES
from ._simclr_common import check_temperature

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
    tau = check_temperature(temperature)
    N = G.shape[0]
    if G.nnz != N * (N - 1):
        raise ValueError(
            f"G has {N * (N - 1) - G.nnz} zero off-diagonal weights: {DISPLAY_NAMES['simclr']}'s target -2 tau log G "
            f"is then +inf (the optimum is an infimum, not attained). The MDS target needs a dense "
            f"relation such as graphs.gaussian(X, bandwidth) with n_neighbors=None."
        )
    if G.data.max() > 1.0:
        raise ValueError(
            f"G has weights above 1 (max {G.data.max():.6g}) and would give negative target squared "
            f"distances; pass G / G.max() (the {DISPLAY_NAMES['simclr']} minimiser is unchanged by scaling G)."
        )
    target = G.toarray()
    off = ~np.eye(N, dtype=bool)
    target[off] = -2.0 * tau * np.log(target[off])
    return target


def mds_embedding(G, n_components, *, temperature=0.5, return_eigenvalues=False):
    r"""Classical MDS of :func:`mds_target`: the Euclidean embedding SimCLR approximates.

    With :math:`\Delta` = ``mds_target(G, temperature)`` (squared distances),
    :math:`B = -\tfrac12 H\Delta H` and its :math:`K` largest eigenpairs
    :math:`(\ell_k, v_k)` off the constant vector:
    :math:`Y = [v_1..v_K]\operatorname{diag}(\sqrt{\max(\ell_k, 0)})`
    (negative eigenvalues, from a non-Euclidean :math:`\Delta`, give zero
    columns). :math:`\lVert y_i - y_j\rVert^2 = \Delta_{ij}` exactly when
    :math:`\Delta` is Euclidean of dimension :math:`\le K`. This is
    :func:`spectral_ssl.spectral.classical_mds` of the inner products
    :math:`-\tfrac12\Delta` (``kind="gram"``, whose :math:`HSH` is the same
    :math:`B`); columns follow its sign rule. The constant vector
    (:math:`B\mathbf 1 = 0`, a translation) is never among the first :math:`N - 1`;
    with :math:`K = N` it is the last one, eigenvalue 0 and a zero column, at its
    place in the descending order.

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
    # The inner products -Delta/2 rather than the distances sqrt(Delta): classical_mds would
    # square the distances again, and the square root loses the last bits of small targets.
    Y, values = spectral.classical_mds(-0.5 * target, min(K, N - 1), kind="gram")
    if K == N:  # the constant vector, eigenvalue 0 exactly, which classical_mds leaves out
        where = int(np.searchsorted(-values, 0.0))
        values = np.insert(values, where, 0.0)
        Y = np.insert(Y, where, 0.0, axis=1)
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
    row_norms_checked(Z)
    if kind == "stress":
        if temperature is None:
            raise ValueError("kind='stress' needs the temperature: pass temperature= or a Representation.")
        tau = check_temperature(temperature)
    else:
        tau = 1.0  # the correlations do not depend on it
    target = mds_target(G, temperature=tau)
    Zn = linalg.unit_rows(Z)[0]
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
