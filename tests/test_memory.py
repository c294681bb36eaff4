"""Tests of spectral_ssl.memory (the budget) and of the structure checks and scalable paths it guards."""

import numpy as np
import scipy.linalg
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from spectral_ssl import graphs, linalg, memory
from spectral_ssl.linalg import canonical_basis, sign_flip


@pytest.mark.parametrize("text, expected", [
    ("4GiB", 4 * 2**30), ("500MB", 500 * 10**6), ("1.5e9", 1_500_000_000), ("2 kib", 2048),
    ("25%", ("%", 0.25)), (1000, 1000), (2.5e3, 2500)])
def test_parse_size(text, expected):
    assert memory.parse_size(text) == expected


def test_budget_precedence_set_then_environment_then_available(monkeypatch):
    monkeypatch.setenv(memory.ENVIRONMENT_VARIABLE, "3MiB")
    assert memory.budget() == 3 * 2**20
    with memory.budget_limit(1234):
        assert memory.budget() == 1234
        with memory.budget_limit("2kB"):
            assert memory.budget() == 2000
        assert memory.budget() == 1234
    assert memory.budget() == 3 * 2**20
    monkeypatch.setattr(memory, "available_memory", lambda: 10_000)
    monkeypatch.setenv(memory.ENVIRONMENT_VARIABLE, "30%")
    assert memory.budget() == 3000
    monkeypatch.delenv(memory.ENVIRONMENT_VARIABLE)
    assert memory.budget() == int(memory.DEFAULT_FRACTION * 10_000)


def test_available_memory_is_positive_and_below_the_machine():
    pages = memory.available_memory()
    total = None
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                total = int(line.split()[1]) * 1024
    assert 0 < pages <= total


def test_check_passes_under_and_refuses_over_the_budget():
    with memory.budget_limit(8 * 100 * 100):
        memory.check_square(100, call="f()", alternative="g")  # exactly the budget: allowed
        with pytest.raises(memory.MemoryBudgetError, match=r"^f\(\) would need 79\.7 KiB \(a matrix of 101 x "
                                                           r"101 float64\), more than the memory budget of "
                                                           r"78\.1 KiB; g, or raise the budget"):
            memory.check_square(101, call="f()", alternative="g")
    assert issubclass(memory.MemoryBudgetError, MemoryError)


def test_guarded_call_still_runs_when_it_fits():
    X = np.random.default_rng(0).standard_normal((30, 2))
    with memory.budget_limit(5 * 8 * 30 * 30):
        G = graphs.gaussian(X, 1.0)
    assert G.nnz == 30 * 29


# --------------------------------------------------------------------------- check_graph on every format


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr", "dia", "lil", "dok"])
@pytest.mark.parametrize("kind", ["matrix", "array"])
def test_every_sparse_format_gives_the_same_graph(fmt, kind):
    G = graphs.knn(np.random.default_rng(1).standard_normal((20, 3)), 3)
    M = G.asformat(fmt) if kind == "matrix" else getattr(sp, f"{fmt}_array")(G)
    out = graphs.check(M)
    assert out.format == "csr" and out.dtype == np.float64
    assert np.array_equal(out.toarray(), G.toarray())


def test_duplicate_entries_are_summed_as_scipy_defines_them():
    G = sp.coo_matrix(([1.0, 2.0, 3.0], ([0, 0, 1], [1, 1, 0])), shape=(2, 2))
    assert graphs.check(G).toarray().tolist() == [[0.0, 3.0], [3.0, 0.0]]


def test_symmetry_is_relative_to_each_edge():
    heavy = np.array([[0, 1e9, 0], [1e9, 0, 1e-2], [0, 1e-2 * (1 + 1e-12), 0]])
    assert graphs.check(heavy).nnz == 4  # round-off within 1e-10 of the edge's weight passes
    heavy[2, 1] = 0
    with pytest.raises(ValueError, match=r"G\[1, 2\] = 0\.01 but G\[2, 1\] = 0\)"):
        graphs.check(heavy)


# --------------------------------------------------------------------------- component null space


def _former_null_space(G, K):
    """The former implementation: an explicit orthonormal basis, then canonical_basis."""
    n_comp, labels = connected_components(G, directed=False)
    sizes = np.bincount(labels)
    indicators = np.zeros((G.shape[0], n_comp))
    indicators[np.arange(G.shape[0]), labels] = 1 / np.sqrt(sizes[labels])
    constant = np.sqrt(sizes / G.shape[0])
    complement = np.linalg.svd(np.eye(n_comp) - np.outer(constant, constant))[0][:, : n_comp - 1]
    return sign_flip(canonical_basis(indicators @ complement, K))


@pytest.mark.parametrize("seed", range(6))
def test_component_null_space_equals_the_explicit_canonical_basis(seed):
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 7, 40)  # shuffled groups of unequal sizes, singletons possible
    groups[:2] = 99  # at least one pair
    G = graphs.from_groups(groups)
    c = connected_components(G, directed=False)[0]
    for K in range(1, c):
        values, vectors = linalg.laplacian_eigenpairs(G, K)
        assert np.array_equal(values, np.zeros(K))
        np.testing.assert_allclose(vectors, _former_null_space(G, K), atol=1e-12)
        np.testing.assert_allclose(vectors.T @ vectors, np.eye(K), atol=1e-12)


def test_pairing_graph_of_200000_samples_stays_small():
    # The former dense N x N/2 basis would need 160 GB here; the closed form needs N x K.
    N, K = 200_000, 4
    G = graphs.from_groups(np.tile(np.arange(N // 2), 2))
    with memory.budget_limit("200MiB"):  # nothing here may build an N x N matrix
        values, Z = linalg.laplacian_eigenpairs(G, K)
    assert Z.shape == (N, K) and np.all(values == 0)
    # pivots are the first pairs: column k is 1/2 on pair k, -1/(N - 2(k+1)) after it, normalised
    expected = np.sqrt((N - 2) / (2 * N))  # (1/2) / sqrt(1/2 + 1/(N - 2)), the entry on pair 0
    assert Z[0, 0] == pytest.approx(expected, rel=1e-12) and Z[N // 2, 0] == Z[0, 0]
    np.testing.assert_allclose(Z.T @ Z, np.eye(K), atol=1e-10)
    np.testing.assert_allclose(Z.sum(axis=0), 0, atol=1e-8)


def _weighted_components(rng):
    """A few connected components of 2-6 samples, random weights over 1e-2..1e2, shuffled."""
    blocks = []
    for size in rng.integers(2, 7, size=rng.integers(3, 8)):
        A = np.triu(rng.random((size, size)) < 0.6, 1) * rng.uniform(1e-2, 1e2, (size, size))
        A[np.arange(size - 1), np.arange(1, size)] = rng.uniform(1e-2, 1e2, size - 1)  # connected
        blocks.append(A + A.T)
    G = sp.csr_matrix(scipy.linalg.block_diag(*blocks))
    order = rng.permutation(G.shape[0])
    return G[order][:, order]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("deflate", [False, True])
def test_normalized_null_space_equals_the_dense_canonical_basis(seed, deflate):
    # Independent route: LAPACK's eigh of the dense L_sym, the null space (minus D^1/2 1 when
    # deflated) and the documented canonical-basis and sign rules applied to it.
    rng = np.random.default_rng(seed)
    G = _weighted_components(rng)
    d = np.asarray(G.sum(axis=1)).ravel()
    c = connected_components(G, directed=False)[0]
    values, vectors = np.linalg.eigh(np.eye(d.size) - G.toarray() / np.sqrt(np.outer(d, d)))
    null = vectors[:, :c]
    assert values[c - 1] < 1e-12 < values[c]
    if deflate:
        trivial = np.sqrt(d) / np.linalg.norm(np.sqrt(d))
        null = np.linalg.svd(null - np.outer(trivial, trivial @ null), full_matrices=False)[0][:, : c - 1]
    for K in range(1, c - deflate + 1):
        got_values, got = linalg.laplacian_eigenpairs(G, K, kind="normalized", deflate=deflate)
        assert np.array_equal(got_values, np.zeros(K))
        np.testing.assert_allclose(got, sign_flip(canonical_basis(null, K)), atol=1e-12)
        np.testing.assert_allclose(G @ (got / np.sqrt(d)[:, None]), got * np.sqrt(d)[:, None], atol=1e-12)


def test_laplacian_eigenpairs_deflate_is_checked():
    G = graphs.from_groups([0, 0, 1, 1])
    with pytest.raises(ValueError, match="deflate=False is only defined for kind='normalized'"):
        linalg.laplacian_eigenpairs(G, 1, deflate=False)
    with pytest.raises(TypeError, match="deflate must be True or False, got 1"):
        linalg.laplacian_eigenpairs(G, 1, kind="normalized", deflate=1)


def test_spectral_contrastive_on_a_pairing_graph_of_200000_samples():
    # Every pair is a component: A-bar has eigenvalue 1 N/2 times, so the optimum is K pair
    # indicators with nu = 1 (loss -K). An eigensolver meets an N/2-fold null space here
    # (minutes at N = 2000); the closed form needs the N x K result only.
    from spectral_ssl.methods import spectral_contrastive

    N, K = 200_000, 8
    G = graphs.from_groups(np.tile(np.arange(N // 2), 2))
    with memory.budget_limit("300MiB"):
        rep = spectral_contrastive.optimal_representation(G, K)
    assert rep.exact and rep.rank == K
    assert rep.loss == pytest.approx(-K, rel=1e-12)
    np.testing.assert_array_equal(rep.eigenvalues, np.ones(K))
    np.testing.assert_array_equal(rep.Z[: N // 2], rep.Z[N // 2:])  # constant on each pair
    assert np.count_nonzero(rep.Z) == 2 * K  # column k: sqrt(vol / d) on one pair, 0 elsewhere
    assert rep.Z.max() == pytest.approx(np.sqrt(N / 2), rel=1e-12)


def test_simclr_loss_refuses_pairwise_arrays_beyond_the_budget():
    # 2000 samples: a few 2000 x 2000 float64 arrays (32 MB each) against a 1 MB budget.
    import numpy as np
    import scipy.sparse as sp
    from spectral_ssl import losses

    Z = np.ones((2000, 2))
    G = sp.csr_matrix((2000, 2000))
    with memory.budget_limit("1MB"):
        with pytest.raises(memory.MemoryBudgetError, match="losses.simclr"):
            losses.simclr(Z, G)


@pytest.mark.parametrize("centered", [True, False])
def test_barlow_twins_on_a_pairing_graph_of_200000_samples(centered):
    # K <= c - centred components: the loss-zero closed form, columns constant on pairs. A basis
    # of all N/2 component indicators (the former construction) would need 149 GiB.
    from spectral_ssl.methods import barlow_twins

    N, K = 200_000, 8
    G = graphs.from_groups(np.tile(np.arange(N // 2), 2))
    with memory.budget_limit("300MiB"):
        rep = barlow_twins.optimal_representation(G, K, centered=centered)
    assert rep.exact and rep.rank == K
    assert abs(rep.loss) < 1e-18 * N
    np.testing.assert_array_equal(rep.Z[: N // 2], rep.Z[N // 2:])  # constant on each pair
    Zc = rep.Z - rep.Z.mean(axis=0) if centered else rep.Z
    np.testing.assert_allclose(Zc.T @ Zc / N, np.eye(K), atol=1e-10)  # D_G = I: whitened columns
