r"""Two views in, graph form out: the entry point for paired-view (``loss(z_a, z_b)``) users.

Self-supervised code is usually written for a batch of pairs: row :math:`i` of
``Z_a`` and row :math:`i` of ``Z_b`` are two views of one sample. The graph
form of this package sees the same batch as one stacked matrix and a relation
graph:

.. math::

    Z = \begin{bmatrix} Z_a \\ Z_b \end{bmatrix} \in \mathbb R^{2N\times K},
    \qquad G_{i,\,N+i} = G_{N+i,\,i} = 1 \quad (i = 1..N),

every other entry of :math:`G` zero (the *pairing graph*). :func:`from_views`
builds both, so every method and loss of the package applies to two views:

* ``losses.<method>(Z, G, ...)``: the graph-form loss of the pair (related to
  the reference libraries' two-view losses by the factors documented in
  :mod:`spectral_ssl.reference`, e.g. ``losses.simclr(Z, G) == 2 N nt_xent(Z_a, Z_b)``);
* ``solve(method, G, K, X=X)`` with ``X, G = from_views(X_a, X_b)``: the
  optimal linear (or kernel) encoder of the two views of the inputs.

With more than two views (``from_views(V_1, V_2, V_3)``) each sample's views are
all pairwise positives: :math:`G` links row :math:`i` of every view with row
:math:`i` of every other view.
"""

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from . import graphs
from ._validation import check_features


class Views(NamedTuple):
    """The stacked views and their pairing graph; unpack as ``Z, G = from_views(Z_a, Z_b)``."""

    #: ndarray of float64, shape (V * N, D): the views stacked, view after view.
    data: np.ndarray
    #: scipy.sparse.csr_matrix, shape (V * N, V * N): row i of each view linked with row i
    #: of every other view, weight 1.
    graph: sp.csr_matrix


def from_views(*views):
    r"""Stack paired views and build their pairing graph.

    Parameters
    ----------
    *views : array_like, each of shape (N, D)
        Two (or more) views of the same ``N`` samples: row ``i`` of each is a view
        of sample ``i``. Representations (``Z_a, Z_b``) or inputs (``X_a, X_b``)
        alike; every view must have the same shape, finite real entries and at
        least 2 rows.

    Returns
    -------
    Views
        A named pair ``(data, graph)``: ``data = np.vstack(views)`` (float64, shape
        ``(V N, D)``) and ``graph``, the CSR pairing graph :math:`G` with
        :math:`G_{vN+i,\,wN+i} = 1` for views :math:`v \ne w` and zero elsewhere
        (``graphs.from_groups(np.tile(np.arange(N), V))``).

    Raises
    ------
    TypeError
        Fewer than two views, or a view that is not a real numeric array (sparse,
        text, complex).
    ValueError
        A view that is not 2-D, has fewer than 2 rows, contains NaN or inf, or
        has another shape than the first view.

    Examples
    --------
    Two views of 8 samples (a representation and a noisy copy of it):

    >>> import numpy as np
    >>> from spectral_ssl import from_views, losses, reference
    >>> rng = np.random.default_rng(0)
    >>> Z_a = rng.standard_normal((8, 3))
    >>> Z_b = Z_a + 0.1 * rng.standard_normal((8, 3))
    >>> Z, G = from_views(Z_a, Z_b)
    >>> Z.shape, G.shape, int(G.nnz)  # one edge per pair, stored in both directions
    ((16, 3), (16, 16), 16)
    >>> int(G[0, 8]), int(G[8, 0]), int(G[0, 1])
    (1, 1, 0)

    The graph-form loss of the pair is the method's loss of ``(Z, G)``; SimCLR's is
    ``2 N`` times lightly's ``NTXentLoss`` of the two views:

    >>> simclr = losses.simclr(Z, G, temperature=0.5)
    >>> bool(np.isclose(simclr, 2 * 8 * reference.nt_xent(Z_a, Z_b, temperature=0.5)))
    True
    >>> loss = losses.vicreg(Z, G, variance=25.0, covariance=1.0, invariance=25.0)

    With inputs instead of representations it gives the optimal encoder of the two
    views: here linear VICReg (the official weights) on 50 pairs of noisy copies,
    exact, mapping new samples with ``transform``:

    >>> from spectral_ssl import solve
    >>> X_a = rng.standard_normal((50, 4))
    >>> X, G = from_views(X_a, X_a + 0.1 * rng.standard_normal((50, 4)))
    >>> rep = solve("vicreg", G, 2, X=X)
    >>> rep.exact, rep.rank, rep.transform(X_a[:5]).shape
    (True, 2, (5, 2))
    """
    if len(views) < 2:
        raise TypeError(
            f"from_views needs at least two views, got {len(views)}; call from_views(Z_a, Z_b) with "
            f"row i of Z_a and row i of Z_b two views of sample i."
        )
    names = ["Z_a", "Z_b"] + [f"views[{k}]" for k in range(2, len(views))]
    arrays = [check_features(view, name=name, min_samples=2) for view, name in zip(views, names)]
    shape = arrays[0].shape
    for array, name in zip(arrays[1:], names[1:]):
        if array.shape != shape:
            raise ValueError(
                f"{name} has shape {array.shape} but Z_a has shape {shape}; the views must pair "
                f"row for row (row i of each is a view of sample i) and have the same columns."
            )
    n_samples = shape[0]
    graph = graphs.from_groups(np.tile(np.arange(n_samples), len(arrays)))
    return Views(np.vstack(arrays), graph)


__all__ = ["from_views", "Views"]
