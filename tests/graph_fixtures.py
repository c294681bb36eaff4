"""Graph builders and a subspace comparison shared by the method and spectral tests."""

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from spectral_ssl import graphs


def max_angle(A, B):
    """Largest principal angle (radians) between the column spans of A and B."""
    return float(np.max(sla.subspace_angles(A, B)))


def weighted_graph(n, n_neighbors, seed=0):
    """A connected Gaussian kNN graph with a generic (simple) spectrum."""
    X = np.random.default_rng(seed).standard_normal((n, 3))
    G = graphs.gaussian(X, bandwidth=1.0, n_neighbors=n_neighbors)
    assert connected_components(G, directed=False)[0] == 1
    return G


def regular_graph(n, n_cycles=3, seed=0):
    """Sum of random Hamiltonian cycles, G = sum_c (P_c + P_c^T): weighted degree 2 * n_cycles."""
    rng = np.random.default_rng(seed)
    G = sp.csr_matrix((n, n))
    for _ in range(n_cycles):
        order = rng.permutation(n)
        P = sp.csr_matrix((np.ones(n), (order, np.roll(order, -1))), shape=(n, n))
        G = G + P + P.T
    return G.tocsr()
