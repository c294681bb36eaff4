r"""Classical spectral embedding methods: the "equivalent" of each SSL method.

Balestriero and LeCun (NeurIPS 2022) show that the optimum of each
self-supervised loss is a classical spectral embedding: VICReg is Laplacian
Eigenmaps (linear regime: Locality Preserving Projections), spectral
contrastive learning is kernel PCA of the normalised adjacency, SimCLR is
(generalised) classical MDS / Isomap and linear Barlow Twins is canonical
correlation analysis. This module implements those classical methods directly,
one function each, so that the closed forms in :mod:`spectral_ssl.methods` can
be compared with them.

Return convention
-----------------
Every function returns a plain tuple of ndarrays:

* :func:`laplacian_eigenmaps`, :func:`classical_mds`, :func:`isomap`,
  :func:`kernel_pca`: ``(embedding, eigenvalues)``, ``embedding`` of shape
  ``(N, K)`` (one row per sample) and ``eigenvalues`` of shape ``(K,)`` in the
  order the method ranks them (ascending for Laplacians, descending for Gram
  matrices).
* :func:`locality_preserving_projections`: ``(embedding, eigenvalues,
  projection)``, with ``embedding = X @ projection``.
* :func:`cca`: ``(directions_left, directions_right, correlations)``; the
  canonical variates are the centred inputs times the directions.

Sign and basis rules are those of :mod:`spectral_ssl.linalg`: each column of a
returned embedding has its largest-magnitude entry positive
(:func:`spectral_ssl.linalg.sign_flip`); a linear map's columns flip with the
embedding they produce; degenerate eigenspaces get the basis of
:func:`spectral_ssl.linalg.canonical_basis`. Compare outputs by subspace
(principal angles), not entry by entry, when eigenvalues are repeated.

Layout
------
Private modules re-exported here: ``_graph`` (Laplacian Eigenmaps, LPP), ``_mds``
(classical MDS, the kNN geodesics, Isomap, kernel PCA), ``_cca`` (CCA), over ``_common``
(dense square checks, double centring, the top eigenpairs off the constant vector).
:func:`classical_mds` is the package's one MDS and :func:`knn_geodesics` its one
kNN-to-geodesic assembly.

References
----------
* M. Belkin and P. Niyogi, "Laplacian eigenmaps for dimensionality reduction
  and data representation", Neural Computation 15(6), 2003.
* X. He and P. Niyogi, "Locality preserving projections", NIPS 2003.
* W. S. Torgerson, "Multidimensional scaling: I. Theory and method",
  Psychometrika 17, 1952.
* J. B. Tenenbaum, V. de Silva and J. C. Langford, "A global geometric
  framework for nonlinear dimensionality reduction", Science 290, 2000.
* B. Schölkopf, A. Smola and K.-R. Müller, "Nonlinear component analysis as a
  kernel eigenvalue problem", Neural Computation 10(5), 1998.
* H. Hotelling, "Relations between two sets of variates", Biometrika 28, 1936.
* R. Balestriero and Y. LeCun, "Contrastive and non-contrastive
  self-supervised learning recover global and local spectral embedding
  methods", NeurIPS 2022.
"""

from ._cca import cca
from ._common import RANK_RTOL
from ._graph import laplacian_eigenmaps, locality_preserving_projections
from ._mds import classical_mds, isomap, kernel_pca, knn_geodesics

__all__ = [
    "laplacian_eigenmaps",
    "locality_preserving_projections",
    "classical_mds",
    "isomap",
    "knn_geodesics",
    "kernel_pca",
    "cca",
]


# Functions and classes defined in the private modules carry this package's name as their
# ``__module__``: where the API reference documents them, and how reprs and pickles name them.
for _name in __all__:
    _value = globals()[_name]
    if getattr(_value, "__module__", "").startswith(__name__ + "._"):
        _value.__module__ = __name__
del _name, _value
