r"""The label relation kept implicit: :math:`G = w\sum_c (\mathbf 1_c\mathbf 1_c^\top - I_c)`.

:func:`spectral_ssl.graphs.from_labels` stores every pair of a class: the sum of the
squared class sizes (:math:`4\times10^9` entries for :math:`N = 2\times10^5` samples
in 10 classes). A union of cliques is known from the class of each sample, so
:class:`LabelRelation` keeps only the :math:`N` class codes and acts as :math:`G`:

* :math:`(GZ)_i = w\,(s_{c(i)} - z_i)`, :math:`s_c = \sum_{j\in c} z_j` (class sums),
  :math:`O(NK)`;
* degrees :math:`d_i = w\,(n_{c(i)} - 1)`, volume :math:`w\sum_c n_c(n_c - 1)`;
* Dirichlet energy :math:`\tfrac12\sum_{ij}G_{ij}\lVert z_i - z_j\rVert^2
  = w\sum_c n_c\sum_{i\in c}\lVert z_i - \bar z_c\rVert^2` (from
  :math:`\sum_{i,j\in c}\lVert z_i - z_j\rVert^2 = 2n_c\sum_{i\in c}\lVert z_i - \bar z_c\rVert^2`,
  a sum of non-negative terms: no cancellation).

Its Laplacian spectra are known in closed form
(:func:`spectral_ssl.linalg.label_laplacian_eigenpairs`). Layer 0: the losses, the
validation and the methods recognise it; :mod:`spectral_ssl.graphs` documents it.
"""

import numpy as np
import scipy.sparse as sp

from . import memory


def check_labels(values, name):
    """1-D labels of at least 2 entries, no NaN / inf / None, one comparable kind (returned as an array)."""
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one entry per sample), got shape {values.shape}.")
    if values.size < 2:
        raise ValueError(f"{name} must have at least 2 entries, got {values.size}.")
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        raise ValueError(f"{name} contains NaN or inf; every sample needs a valid {name[:-1]}.")
    if values.dtype.kind in "cmMV":
        raise TypeError(f"{name} has dtype {values.dtype}; give integers or strings, one per sample.")
    if values.dtype.kind == "O":
        # np.unique would give every NaN (and None) a group of its own: refuse missing entries.
        missing = [k for k, v in enumerate(values.tolist())
                   if v is None or (isinstance(v, (float, np.floating)) and not np.isfinite(v))]
        if missing:
            raise ValueError(
                f"{name} contains NaN, inf or None (first: entry {missing[0]}); every sample needs "
                f"a valid {name[:-1]}."
            )
        try:
            np.unique(values)
        except TypeError:
            raise TypeError(f"{name} mixes types that cannot be compared (e.g. numbers and strings); "
                            f"give one kind of {name[:-1]} per array.") from None
    return values


def label_codes(values, name):
    """``(classes, codes, sizes)`` of validated labels; refuses labels with no two equal entries."""
    classes, codes = np.unique(values, return_inverse=True)
    codes = codes.ravel().astype(np.int64)
    sizes = np.bincount(codes)
    if sizes.max() < 2:
        raise ValueError(
            f"{name} has no two samples in the same group, so the graph would be empty; "
            f"each group needs at least 2 members."
        )
    return classes, codes, sizes


def clique_graph(codes, sizes, call, name, weight=1.0):
    """The CSR graph linking samples of equal code (weight ``weight``), built without a loop.

    Refused by the memory budget when the stored pairs (sum of squared sizes) do not fit.
    """
    n = codes.size
    n_entries = int(np.sum(sizes.astype(np.float64) ** 2))
    memory.check(40.0 * n_entries, call=call,
                 need=f"the {n_entries - n} stored pairs of a graph linking every two samples of a "
                      f"group (the sum of the squared group sizes, largest {int(sizes.max())})",
                 alternative="keep the relation implicit (graphs.from_labels(y, implicit=True): "
                             "O(N) memory, accepted by the non-parametric VICReg, spectral "
                             "contrastive and Barlow Twins optima and their losses), or relate "
                             "fewer pairs: a k-NN graph within each group, pairs of views "
                             "(graphs.from_groups of the source index), or a subsample per group")
    order = np.argsort(codes, kind="stable")  # members of each group, by increasing index
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    span = sizes[codes]  # every sample is paired with its whole group, itself included
    rows = np.repeat(np.arange(n), span)
    first = np.concatenate(([0], np.cumsum(span)[:-1]))
    cols = order[np.repeat(starts[codes] - first, span) + np.arange(rows.size)]
    keep = rows != cols
    indptr = np.concatenate(([0], np.cumsum(span - 1)))
    G = sp.csr_matrix((np.full(int(indptr[-1]), float(weight)), cols[keep], indptr), shape=(n, n))
    G.has_sorted_indices = True  # members are listed by increasing index
    return G


def implicit_refusal(name="G"):
    """The message of a function that needs an explicit graph but was given a :class:`LabelRelation`."""
    return (f"{name} is an implicit label relation (graphs.LabelRelation) and this function needs an "
            f"explicit sparse graph. Pass {name}.to_sparse() (the sum of the squared class sizes "
            f"in memory; graphs.from_labels(y) builds the same), or use a function that takes the "
            f"implicit relation: the non-parametric optimal_representation of VICReg, spectral "
            f"contrastive and Barlow Twins, vicreg.optimal_linear, and losses.vicreg, "
            f"losses.spectral_contrastive, losses.barlow_twins.")


class LabelRelation:
    r"""The label relation :math:`G_{ij} = w\,1[y_i = y_j]`, :math:`i \ne j`, without its pairs.

    Built by :func:`spectral_ssl.graphs.from_labels` with ``implicit=True``. It holds
    the class code of every sample (:math:`O(N)` memory) and behaves as the symmetric
    matrix :math:`G` where a computation only needs its action: ``G @ Z``
    (:math:`w(s_{c(i)} - z_i)`, :math:`s_c` the class sums, :math:`O(NK)`),
    ``G.sum(axis=1)`` (degrees :math:`w(n_c - 1)`), :meth:`dirichlet_energy`. It is
    the graph :func:`spectral_ssl.graphs.from_labels` returns, entry for entry
    (:meth:`to_sparse`), and is never converted to it silently: a function that needs
    the explicit graph raises ``TypeError`` naming :meth:`to_sparse`.

    Parameters
    ----------
    labels : array_like of shape (N,)
        One class per sample (integers or strings; no NaN or None); at least one class
        with two samples.

    Attributes
    ----------
    classes_ : ndarray, the sorted distinct labels
    codes : ndarray of int64, shape (N,), the index in ``classes_`` of each sample
    sizes : ndarray of int64, shape (n_classes,), the class sizes :math:`n_c`
    weight : float, 1.0 (:math:`w`; the losses work on copies scaled by :meth:`scaled`)
    shape : (N, N)

    Examples
    --------
    >>> import numpy as np
    >>> G = LabelRelation([1, 2, 1])
    >>> (G @ np.array([[1.0], [2.0], [4.0]])).ravel().tolist()
    [4.0, 0.0, 1.0]
    >>> G.to_sparse().toarray()
    array([[0., 0., 1.],
           [0., 0., 0.],
           [1., 0., 0.]])
    """

    __array_ufunc__ = None  # ndarray @ G defers to G.__rmatmul__ (numpy never densifies G)

    def __init__(self, labels):
        labels = check_labels(labels, "labels")
        self.classes_, self.codes, self.sizes = label_codes(labels, "labels")
        self.weight = 1.0  # scaled() copies (the losses' normalisation) carry another
        n = self.codes.size
        self.shape = (n, n)
        # N x C indicator P: class sums P^T Z, broadcast back P S (N stored ones)
        self._indicator = sp.csr_matrix((np.ones(n), self.codes, np.arange(n + 1)),
                                        shape=(n, self.sizes.size))

    @property
    def n_classes(self):
        """The number of classes (connected components, singletons included)."""
        return int(self.sizes.size)

    @property
    def nnz(self):
        r"""The number of entries the explicit graph stores, :math:`\sum_c n_c(n_c - 1)` (a Python int)."""
        return int(sum(int(m) * (int(m) - 1) for m in self.sizes))

    @property
    def T(self):
        """``G`` itself (symmetric)."""
        return self

    def scaled(self, factor):
        """The same relation with weight ``weight * factor``."""
        out = object.__new__(LabelRelation)
        out.__dict__.update(self.__dict__)
        out.weight = self.weight * float(factor)
        return out

    def degrees(self):
        r"""Degrees :math:`d_i = w\,(n_{c(i)} - 1)`, shape (N,)."""
        return self.weight * (self.sizes[self.codes] - 1).astype(np.float64)

    def sum(self, axis=None):
        """As ``scipy.sparse``'s: the volume (``axis=None``), or the degrees as an (N, 1) / (1, N) array."""
        if axis is None:
            return self.weight * float(self.nnz)
        if axis in (1, -1):
            return self.degrees()[:, None]
        if axis in (0, -2):
            return self.degrees()[None, :]
        raise ValueError(f"axis must be None, 0 or 1, got {axis!r}.")

    def class_sums(self, Z):
        r"""Class sums :math:`s_c = \sum_{i \in c} z_i`, shape (n_classes, K)."""
        return self._indicator.T @ np.asarray(Z, dtype=np.float64)

    def _check_operand(self, Z):
        Z = np.asarray(Z)
        if Z.ndim not in (1, 2) or Z.shape[0] != self.shape[0]:
            raise ValueError(f"G @ Z needs Z of shape ({self.shape[0]},) or ({self.shape[0]}, K), "
                             f"got {Z.shape}.")
        return Z.astype(np.float64, copy=False)

    def __matmul__(self, Z):
        Z = self._check_operand(Z)
        return self.weight * (self._indicator @ (self._indicator.T @ Z) - Z)

    def __rmatmul__(self, Z):
        return (self @ np.asarray(Z).T).T

    dot = __matmul__

    def dirichlet_energy(self, Z):
        r""":math:`\operatorname{tr}(Z^\top L Z) = w\sum_c n_c\sum_{i\in c}\lVert z_i - \bar z_c\rVert^2` (no cancellation)."""
        Z = self._check_operand(Z)
        Z = Z[:, None] if Z.ndim == 1 else Z
        means = self.class_sums(Z) / self.sizes[:, None]
        residual = Z - self._indicator @ means
        per_sample = np.einsum("ij,ij->i", residual, residual)
        return float(self.weight * np.dot(self.sizes[self.codes].astype(np.float64), per_sample))

    def to_sparse(self):
        """The explicit CSR graph (what :func:`spectral_ssl.graphs.from_labels` returns), within the memory budget."""
        return clique_graph(self.codes, self.sizes, "LabelRelation.to_sparse()", "labels", self.weight)

    def toarray(self):
        """The dense N x N graph, within the memory budget."""
        n = self.shape[0]
        memory.check(8.0 * n * n, call="LabelRelation.toarray()", need=f"a dense {n} x {n} matrix",
                     alternative="use the relation's action (G @ Z) or to_sparse()")
        G = self.weight * (self.codes[:, None] == self.codes[None, :]).astype(np.float64)
        np.fill_diagonal(G, 0.0)
        return G

    def __repr__(self):
        return f"LabelRelation(n_samples={self.shape[0]}, n_classes={self.n_classes})"


def check_relation(G, name="G"):
    """A :class:`LabelRelation` as it is, any other graph through ``_validation.check_graph``."""
    if isinstance(G, LabelRelation):
        return G
    from ._validation import check_graph

    return check_graph(G, name=name)


def relation_degrees(G):
    r"""The degrees :math:`d = G\mathbf 1` of a checked relation, as a flat array: ``G.sum(axis=1)``.

    ``G``: what :func:`check_relation` returns (a CSR float64 graph or a :class:`LabelRelation`,
    whose ``sum`` gives :math:`w(n_c - 1)`). The one computation of the degrees:
    :func:`spectral_ssl.linalg.degrees` is its public, validating face; the losses, which sit
    beside ``linalg`` in layer 1 and cannot import it, call this directly.
    """
    return np.asarray(G.sum(axis=1)).ravel()
