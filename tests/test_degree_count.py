"""How many times ``solve`` computes the degrees of the graph (#18).

Every row sum of a square sparse graph (``G.sum(axis=1)``: ``linalg.degrees`` and the
hand-written sums alike) is counted while ``solve`` runs, for every method in every regime.
Each solve computes them at most once and hands them to its loss; a second computation fails
here. Before (#18): spectral contrastive non-parametric on pairs 3, kernel on a kNN graph 3,
linear on a kNN graph 2; VICReg kernel on pairs 4 (and see the test for the rest).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from spectral_ssl import graphs, solve


@pytest.fixture
def degree_sums(monkeypatch):
    """A list that grows by one at every row sum of a square CSR matrix."""
    calls = []
    for cls in (sp.csr_matrix, sp.csr_array):
        original = cls.sum

        def counted(self, axis=None, *args, _original=original, **kwargs):
            if axis in (1, -1) and self.shape[0] == self.shape[1]:
                calls.append(self.shape)
            return _original(self, axis, *args, **kwargs)

        monkeypatch.setattr(cls, "sum", counted)
    return calls


def _problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    pairs = graphs.from_groups(np.repeat(np.arange(30), 2))
    return X, pairs, graphs.knn(X, 5)


#: (method, regime, relation) -> row sums of G per solve, where not 1. VICReg's linear solve
#: on pairs takes its forms from the group sums and contrasts, and its loss from the forms.
NOT_ONE = {("vicreg", "linear", "pairs"): 0}

#: Options that keep the numerical solvers (SimCLR's, Barlow Twins' loss as written) short: the
#: count does not depend on how many starts run, since the degrees are computed before the search.
QUICK = {"simclr": {"restarts": 1, "max_iter": 50}, "barlow_twins": {"restarts": 1}}


@pytest.mark.parametrize("relation", ["pairs", "knn"])
@pytest.mark.parametrize("regime", ["nonparametric", "linear", "kernel"])
@pytest.mark.parametrize("method", ["vicreg", "spectral_contrastive", "barlow_twins", "simclr"])
def test_solve_computes_the_degrees_at_most_once(degree_sums, method, regime, relation):
    # Before (#18): every kernel solve 2 (VICReg, spectral contrastive) to 4 (Barlow Twins, whose
    # linear solve also 4), SimCLR 2-3 in every regime, Barlow Twins non-parametric 2-3,
    # VICReg non-parametric on a kNN graph 2: the loss of the result summed G again.
    X, pairs, knn = _problem()
    G = pairs if relation == "pairs" else knn
    degree_sums.clear()  # graph construction is not the solve
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        solve(method, G, 3, None if regime == "nonparametric" else X, regime=regime,
              **QUICK.get(method, {}))
    assert len(degree_sums) == NOT_ONE.get((method, regime, relation), 1), degree_sums


@pytest.mark.parametrize("regime, relation, expected", [
    ("nonparametric", "knn", 1), ("linear", "pairs", 0), ("linear", "knn", 1), ("kernel", "knn", 1),
])
def test_whitened_barlow_twins_computes_the_degrees_at_most_once(degree_sums, regime, relation, expected):
    # the closed forms: the linear one from the forms alone on pairs (was 4 in the linear and
    # kernel regimes before #18)
    X, pairs, knn = _problem()
    G = pairs if relation == "pairs" else knn
    degree_sums.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        solve("barlow_twins", G, 3, None if regime == "nonparametric" else X, regime=regime,
              constraint="whitened")
    assert len(degree_sums) == expected, degree_sums


def test_the_counter_sees_the_sums(degree_sums):
    # the fixture counts linalg.degrees and a hand-written row sum alike (not a column sum)
    from spectral_ssl import linalg

    G = graphs.from_groups([0, 0, 1, 1])
    degree_sums.clear()
    linalg.degrees(G)
    np.asarray(G.sum(axis=1)).ravel()
    G.sum(axis=0)
    assert len(degree_sums) == 2



@pytest.mark.parametrize("method", ["vicreg", "spectral_contrastive", "barlow_twins", "simclr"])
def test_certify_computes_the_degrees_a_fixed_number_of_times_whatever_the_evaluations(
        degree_sums, monkeypatch, method):
    # the certificate's L-BFGS searches evaluate the loss tens to hundreds of times: before,
    # every evaluation summed G again; now the search reads the degrees it computed once
    from spectral_ssl import certify
    from spectral_ssl.methods import REGISTRY

    evaluations = []
    original = REGISTRY[method].loss_and_gradient

    def counted(*args, **kwargs):
        evaluations.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(REGISTRY[method], "loss_and_gradient", counted)
    X, pairs, _ = _problem()
    degree_sums.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        certify.certify(method, pairs, 2, X=X, regime="linear", restarts=2, random_state=0,
                        max_iter=30, solve_options=QUICK.get(method))
    assert len(evaluations) > 10
    assert len(degree_sums) <= 2, (len(degree_sums), len(evaluations))
