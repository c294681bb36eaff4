"""Behaviour of ``spectral_ssl.methods.simclr`` pinned across its split into private modules.

Every public function of the module is run on small fixed cases and summarised by numbers
that do not depend on the basis of the optimum (SimCLR's optimum is unique only up to a
rotation of the embedding space and the sign rule): the loss, the rank, the singular values
of the centred, row-normalised ``Z`` and its Gram matrix (the cosines) at fixed index pairs.

The stored values live in ``tests/data/simclr_pinned.json``. They were computed by
:func:`compute_pins` on main before the split; a failure means a change of behaviour. When
a change is intended, regenerate them with::

    SPECTRAL_SSL_REPIN=1 PYTHONPATH=$PWD python -m pytest tests/test_simclr_pinned.py -n 0

and say in the commit message why the numbers moved.
"""

import json
import os
import pathlib
import warnings

import numpy as np
import pytest

from spectral_ssl import graphs
from spectral_ssl.methods import simclr

PIN_FILE = pathlib.Path(__file__).resolve().parent / "data" / "simclr_pinned.json"

#: Relative tolerance. The numerical optima are deterministic for a fixed ``random_state``
#: (two runs agree to the last bit on one machine); 1e-6 leaves room for another BLAS.
#: Entries that are round-off beside the largest of their array (a collapsed singular
#: value) are compared at ``RTOL`` times that largest entry.
RTOL = 1e-6


def gram_summary(Z, unit_rows=True):
    """Rotation- and sign-invariant numbers of ``Z``: centred singular values and Gram entries.

    With ``unit_rows`` the rows are normalised first: the loss sees only row directions, so
    the scale of a linear or kernel ``Z`` is a flat direction of the loss, fixed only by where
    the optimiser stopped, while the cosines are fixed by the optimum.
    """
    Z = np.asarray(Z, dtype=np.float64)
    if unit_rows:
        Z = Z / np.linalg.norm(Z, axis=1)[:, None]
    N = Z.shape[0]
    s = np.linalg.svd(Z - Z.mean(axis=0), compute_uv=False)
    gram = Z @ Z.T
    index = [(0, 0), (0, 1), (1, 2), (3, 5), (N - 1, N - 1), (2, N - 2), (N // 2, N // 3)]
    return {"singular_values": s, "gram": np.array([gram[i, j] for i, j in index])}


def mixture(n, n_features=6, seed=0):
    """Four Gaussian blobs (written here, not the package's dataset helper)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 4
    centres = 3.0 * rng.standard_normal((4, n_features))
    return centres[labels] + rng.standard_normal((n, n_features)), labels


def _representation_pins(out, name, rep):
    out[f"{name}.loss"] = [rep.loss]
    out[f"{name}.rank"] = [rep.rank]
    out[f"{name}.exact"] = [float(rep.exact)]
    for field, value in gram_summary(rep.Z).items():
        out[f"{name}.{field}"] = value


def compute_pins():
    """Every pinned number, as a dict of name -> list of floats.

    Cases: Theorem 3's simplex (closed form, and the numerical solver on the same cliques),
    the non-parametric numerical optimum on a kNN graph, the linear and the kernel regimes on
    small features, the MDS view on a Gaussian relation and the decomposition of the loss.
    Restarts are passed explicitly so that the pins follow the solver, not its defaults.
    """
    out = {}
    cliques = graphs.from_groups(np.tile(np.arange(3), 4))  # 3 cliques of 4
    _representation_pins(out, "simplex", simclr.optimal_representation(cliques, 4, temperature=0.5))
    _representation_pins(out, "simplex_numerical", simclr.optimal_representation(
        cliques, 2, temperature=0.5, solver="numerical", restarts=2, random_state=0))
    X, labels = mixture(32)
    knn = graphs.knn(X, 4)
    _representation_pins(out, "knn_nonparametric", simclr.optimal_representation(
        knn, 3, temperature=0.5, restarts=2, random_state=0))
    _representation_pins(out, "linear", simclr.optimal_linear(
        X, knn, 3, temperature=0.5, restarts=2, random_state=0))
    _representation_pins(out, "linear_labels", simclr.optimal_linear(
        X, graphs.from_labels(labels), 2, temperature=0.3, restarts=1, random_state=3))
    _representation_pins(out, "kernel", simclr.optimal_kernel(
        X[:24], graphs.knn(X[:24], 4), 2, kernel="rbf", bandwidth=4.0, temperature=0.5, restarts=1,
        random_state=0))
    gauss = graphs.gaussian(X[:20], bandwidth=4.0)
    Y, values = simclr.mds_embedding(gauss, 3, temperature=0.5, return_eigenvalues=True)
    out["mds_embedding.eigenvalues"] = values
    for field, value in gram_summary(Y, unit_rows=False).items():
        out[f"mds_embedding.{field}"] = value
    out["mds_target"] = simclr.mds_target(gauss, temperature=0.5)[[0, 3, 7, 19], [1, 5, 2, 0]]
    Z = np.random.default_rng(1).standard_normal((32, 3))
    out["decompose"] = list(simclr.decompose(Z, knn, temperature=0.5))
    out["simplex_loss"] = [simclr.simplex_loss(4, 3, temperature=0.2, weight=2.0)]
    out["mds_agreement"] = [simclr.mds_agreement(Z[:20], gauss, kind=kind, temperature=0.5)
                            for kind in simclr.AGREEMENT_KINDS]
    return {name: np.asarray(value, dtype=np.float64).ravel().tolist() for name, value in out.items()}


def _computed():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # collapse warnings of the simplex cases are expected
        return compute_pins()


@pytest.fixture(scope="module")
def computed():
    pins = _computed()
    if os.environ.get("SPECTRAL_SSL_REPIN") == "1":
        PIN_FILE.parent.mkdir(exist_ok=True)
        PIN_FILE.write_text(json.dumps(pins, indent=1, sort_keys=True) + "\n")
    return pins


STORED = json.loads(PIN_FILE.read_text()) if PIN_FILE.exists() else {}


def test_the_same_outputs_are_pinned(computed):
    stored = json.loads(PIN_FILE.read_text())  # re-read: a re-pinning run has just written it
    assert sorted(computed) == sorted(stored)
    assert len(stored) >= 30


@pytest.mark.parametrize("name", sorted(STORED))
def test_output_unchanged(computed, name):
    expected = np.asarray(STORED[name])
    actual = np.asarray(computed[name])
    assert actual.shape == expected.shape, name
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * max(scale, 1e-12), err_msg=name)
