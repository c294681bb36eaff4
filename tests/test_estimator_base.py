"""What the shared estimator base passes to the solvers, and the fit arguments it refuses."""

import re

import numpy as np
import pytest

from spectral_ssl.estimators import BarlowTwins, SimCLR, SpectralContrastive, VICReg

X = np.random.default_rng(0).standard_normal((12, 3))


@pytest.mark.parametrize("estimator, regime, expected", [
    (VICReg(variance=2.0, covariance=0.5, invariance=0.1, variance_kind="hinge", eps=1e-3, restarts=3,
            random_state=7), "linear",
     {"variance": 2.0, "covariance": 0.5, "invariance": 0.1, "variance_kind": "hinge", "eps": 1e-3,
      "restarts": 3, "random_state": 7}),
    (SimCLR(temperature=0.2, restarts=2, max_iter=50, random_state=1), "kernel",
     {"temperature": 0.2, "restarts": 2, "max_iter": 50, "random_state": 1}),
    (BarlowTwins(off_diagonal=0.1, centered=False, restarts=2, random_state=3), "nonparametric",
     {"off_diagonal": 0.1, "centered": False, "restarts": 2, "random_state": 3, "constraint": None}),
    (BarlowTwins(constraint="whitened", restarts=2), "linear",
     {"off_diagonal": 5e-3, "centered": True, "restarts": 2, "random_state": 0, "constraint": "whitened"}),
    (BarlowTwins(whiten=True, regularization=0.5), "kernel",
     {"off_diagonal": 5e-3, "centered": True, "restarts": 8, "random_state": 0, "constraint": None,
      "whiten": True, "regularization": 0.5}),
    (SpectralContrastive(), "linear", {}),
])
def test_the_solver_receives_the_estimators_parameters(estimator, regime, expected):
    assert estimator._method_kwargs(regime) == expected


@pytest.mark.parametrize("estimator, implicit", [
    (VICReg(), {"nonparametric": True, "linear": True, "kernel": False}),
    (SimCLR(), {"nonparametric": False, "linear": False, "kernel": False}),
    (SpectralContrastive(), {"nonparametric": True, "linear": False, "kernel": False}),
    (BarlowTwins(), {"nonparametric": False, "linear": False, "kernel": False}),
    (BarlowTwins(constraint="whitened"), {"nonparametric": True, "linear": False, "kernel": False}),
])
def test_where_the_label_relation_stays_implicit(estimator, implicit):
    assert {regime: estimator._implicit_labels(regime) for regime in implicit} == implicit


@pytest.mark.parametrize("relation, keyword, message", [
    ("knn", "groups", "groups is given but relation='knn' ignores it; use relation='groups' to build the graph "
                      "from groups, or drop groups."),
    ("labels", "graph", "graph is given but relation='labels' ignores it; use relation='precomputed' to fit on "
                        "that graph, or drop graph."),
    ("groups", "graph", "graph is given but relation='groups' ignores it; use relation='precomputed' to fit on "
                        "that graph, or drop graph."),
])
def test_a_fit_argument_the_relation_does_not_read_is_refused(relation, keyword, message):
    argument = np.repeat(np.arange(6), 2) if keyword == "groups" else np.ones((12, 12)) - np.eye(12)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        VICReg(relation=relation).fit(X, np.repeat(np.arange(4), 3), **{keyword: argument})
