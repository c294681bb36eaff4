"""VICReg linear/kernel: the component snap (``_roundoff.component_constant``) keeps Z = XW + b.

Snapping columns within 1e-9 of the component indicators to exact constants is right when
that Z is still reachable (the indicators' combination lies in span[X, 1] and the 1e-9 is
round-off), and wrong when the views really differ (review linear, finding 1): views of one
group differing by 1e-9 have mu ~ 4e-18, an accurate Dirichlet energy; the snap returned a
Z that no (W, b) reaches, ``Z != transform(X)`` by 1e-9 relative, and ``rep.loss`` 22% below
the optimum over all (W, b), with ``exact=True``.

References are independent of the solver: the optimum over all (W, b) from the generalized
eigenvalues mu of the exact edge differences (x_i - x_j, no cancellation: Sterbenz) in a
whitened basis of the centred features (numpy SVD), with variance = covariance = 1
(t_k = max(0, 1 - gamma mu_k), loss sum_k (t_k - 1)^2 + 2 gamma mu_k t_k).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from spectral_ssl import graphs, losses
from spectral_ssl.methods import vicreg

HYPER = {"variance": 1.0, "covariance": 1.0}


def _views():
    """10 groups of 4 views whose features differ by 1e-9 (relative to 1)."""
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(10), 4)
    X = rng.normal(size=(10, 4))[groups] + 1e-9 * rng.normal(size=(40, 4))
    return X, groups


def _path_graph(groups):
    """Each group's views joined by a path (not a clique): the general sparse path."""
    i = np.flatnonzero(groups[:-1] == groups[1:])
    P = sp.coo_matrix((np.ones(i.size), (i, i + 1)), shape=(groups.size,) * 2)
    return (P + P.T).tocsr()


def _optimum(X, G, K, gamma):
    """min over (W, b) of VICReg (variance = covariance = 1), in numpy from the edge differences."""
    Xc = X - X.mean(axis=0)
    s = np.linalg.norm(Xc, axis=0)
    _, S, Vt = np.linalg.svd(Xc / s, full_matrices=False)
    T = (Vt.T / S) / s[:, None]  # (Xc T)^T (Xc T) = I
    C = sp.coo_matrix(G)
    dX = (X[C.row] - X[C.col]) @ T
    mu = np.linalg.eigvalsh((C.data[:, None] * dX).T @ dX / 2)[:K]
    t = np.maximum(0.0, 1.0 - gamma * mu)
    return float(np.sum((t - 1.0) ** 2 + 2.0 * gamma * mu * t))


@pytest.mark.parametrize("gamma", [1e8, 1e17])
@pytest.mark.parametrize("graph", ["groups", "paths"])
@pytest.mark.parametrize("regime", ["linear", "kernel"])
def test_close_views_keep_z_reachable_and_the_loss_at_the_optimum(regime, graph, gamma):
    # before: |Z - transform(X)| = 1.06e-9 (groups) / 8.7e-10 (paths) of max |Z|, and rep.loss
    # 2.5617e-9 against the optimum 3.2670e-9 (gamma 1e8), 1.7877 against 2.2443 (1e17):
    # 22% below what any (W, b) reaches; the kernel regime (linear kernel) the same
    X, groups = _views()
    G = graphs.from_groups(groups) if graph == "groups" else _path_graph(groups)
    hyper = dict(HYPER, invariance=gamma)
    if regime == "linear":
        rep = vicreg.optimal_linear(X, G, 3, **hyper)
    else:
        rep = vicreg.optimal_kernel(X, G, 3, kernel="linear", **hyper)
    Zt = rep.transform(X)
    assert rep.exact
    # the kernel's transform rounds at eps * s_max / s_min of the Gram matrix (here 1e-15)
    assert np.abs(rep.Z - Zt).max() <= 1e-12 * np.abs(Zt).max()
    best = _optimum(X, G, 3, gamma)
    assert rep.loss == pytest.approx(best, rel=1e-6)
    assert losses.vicreg(rep.Z, G, **hyper) == pytest.approx(best, rel=1e-6)
    assert losses.vicreg(Zt, G, **hyper) == pytest.approx(best, rel=1e-6)


@pytest.mark.parametrize("offset", [0.0, 1e6])
def test_justified_snap_is_kept_and_reachable(offset):
    # two paths and an isolated sample, D = N - 1: every centred Z is X W + b, two directions
    # constant on the components have mu = 0 (the solver's mu_2 = 6.4e-16 is round-off) and
    # loss 0; the snap makes them exactly constant, and (W, b) still give that Z. With features
    # at 1e6 a refitted b' is off by one ulp of mean(X) W' (4.1e-10 of Z, 1ece627): the solver's
    # own (W, b) reach the snapped Z and are kept (5.8e-16)
    X = np.random.default_rng(0).standard_normal((7, 6)) + offset
    A = np.zeros((7, 7))
    A[0, 1] = A[1, 2] = A[3, 4] = A[4, 5] = 1.0
    G = sp.csr_matrix(A + A.T)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = vicreg.optimal_linear(X, G, 2, variance=1.0, covariance=0.0, invariance=1e20)
    assert rep.exact
    for block in ([0, 1, 2], [3, 4, 5]):
        assert np.all(rep.Z[block] == rep.Z[block[0]])  # exactly constant: energy 0
    assert losses.vicreg(rep.Z, G, variance=1.0, covariance=0.0, invariance=1e20) <= 2e-12
    assert np.abs(rep.Z - rep.transform(X)).max() <= 1e-13 * np.abs(rep.Z).max()
