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

from spectral_ssl import practice

from lightly_torch import digits_views, train_linear  # the one torch training loop (shared with benchmarks)
from test_crosscheck import lightly_loss  # noqa: F401  (the fixture importing lightly with the stand-in)

pytestmark = pytest.mark.crosscheck

K = 8

#: VICReg on 500 images: the hinge keeps most directions; the span compared is that of the
#: optimum's directions with std >= 0.5 (well above the shrunk ones, whose small std is a
#: trade-off the two optimisers may settle differently).
VICREG_PER_CLASS = 50


def _views(n_per_class):
    return digits_views("relative", n_per_class)


def _train(torch, loss, X_a, X_b, *, adam_steps, lbfgs_steps, seed=0):
    out = train_linear(torch, loss, X_a, X_b, K, seed=seed, adam_steps=adam_steps, lbfgs_steps=lbfgs_steps)
    return out["Z_a"], out["Z_b"], out["loss"], out["W"]


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
    Z_a, Z_b, torch_value, _ = _train(torch, losses.NTXentLoss(), X_a, X_b, adam_steps=300, lbfgs_steps=700)
    trained = practice.library_loss("nt_xent", Z_a, Z_b)
    assert trained == pytest.approx(torch_value, rel=1e-12)  # reference's value is lightly's
    rep = practice.optimal_linear_for("nt_xent", X_a, X_b, K)
    assert rep.library_loss <= trained + 1e-8 * abs(trained)


def test_barlow_twins_optimum_is_not_beaten_by_training(torch_threads):
    torch, losses = torch_threads
    X_a, X_b = _views(20)
    Z_a, Z_b, torch_value, _ = _train(torch, losses.BarlowTwinsLoss(), X_a, X_b, adam_steps=300, lbfgs_steps=700)
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
    Z_a, Z_b, torch_value, W = _train(torch, losses.VICRegLoss(), X_a, X_b, adam_steps=1500, lbfgs_steps=1500)
    # 2 random starts: on digits they agree with 8 to 4e-7 (the default's 12 is for small,
    # many-minima problems and would cost ~30 s more here)
    rep = practice.optimal_linear_for("vicreg", X_a, X_b, K, restarts=2)
    return Z_a, Z_b, torch_value, rep, W, (X_a, X_b)


def test_vicreg_optimum_is_within_the_kink_gap(vicreg_trained):
    Z_a, Z_b, torch_value, rep, _, _ = vicreg_trained
    trained = practice.library_loss("vicreg", Z_a, Z_b)
    assert trained == pytest.approx(torch_value, rel=1e-12)
    # the per-view solve is not beaten by training; the pooled graph-form optimum is within the
    # kink gap measured in issue #15 (up to 4.2 % above training)
    assert rep.library_loss <= trained * (1 + 1e-6)
    assert rep.details["pooled_library_loss"] <= trained * 1.05


def _gap_span(Z, separated):
    return np.linalg.svd(Z - Z.mean(0), full_matrices=False)[0][:, :separated]


def test_vicreg_training_stalls_at_the_hinge_kink_and_continuing_reaches_the_optimum(vicreg_trained):
    # Measured (issue #15): torch's Adam + strong-Wolfe L-BFGS on lightly's VICRegLoss stops where
    # column stds sit on the hinge's kink (std = 1) and its gradient jumps (norm ~1, not small): a
    # stall, not a local minimum. From that very point L-BFGS on the loss with the hinge smoothed
    # (relu -> d softplus(x/d), d = 1e-2, 1e-3, 1e-4: the loss moves by at most 2 w d log 2 = 1.7e-3
    # at the last step) descends 0.03 to the toolkit's optimum. Plain L-BFGS from 6 random starts
    # stalled at 6.91-6.99, the continuation from the same starts reached 6.85452-6.85484.
    import scipy.optimize

    Z_a, Z_b, torch_value, rep, W_trained, (X_a, X_b) = vicreg_trained
    assert torch_value > rep.library_loss * (1 + 1e-3)  # the stall is measurably above the optimum
    w = W_trained.ravel()
    for smoothing in (1e-2, 1e-3, 1e-4):
        def objective(flat, smoothing=smoothing):
            W = flat.reshape(W_trained.shape)
            value, gA, gB = practice.library_loss_and_gradient("vicreg", X_a @ W, X_b @ W, hinge_smoothing=smoothing)
            return value, (X_a.T @ gA + X_b.T @ gB).ravel()

        w = scipy.optimize.minimize(objective, w, jac=True, method="L-BFGS-B",
                                    options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-12}).x
    W = w.reshape(W_trained.shape)
    continued = practice.library_loss("vicreg", X_a @ W, X_b @ W)
    assert continued == pytest.approx(rep.library_loss, rel=2e-4)
    # the span of the optimum's directions above its largest std gap (0.456 -> 3e-5: 7 of 8)
    std = np.linalg.svd(rep.Z - rep.Z.mean(0), compute_uv=False) / np.sqrt(rep.Z.shape[0])
    separated = int(np.argmax(std[:-1] / std[1:])) + 1
    assert separated == 7
    Z = np.vstack([X_a @ W, X_b @ W])
    angle = np.degrees(np.max(scipy.linalg.subspace_angles(_gap_span(Z, separated), _gap_span(rep.Z, separated))))
    assert angle < 1.0
    # rank: the continued point keeps the optimum's 7 directions and shrinks the 8th as it does
    std_c = np.linalg.svd(Z - Z.mean(0), compute_uv=False) / np.sqrt(Z.shape[0])
    assert np.all(std_c[:7] > 0.3) and std_c[7] < 1e-2


def test_vicreg_collapses_to_three_of_eight_on_absolute_noise_views_as_predicted(torch_threads):
    # The reviewers' rank 3 of 8 (issue #15) is reproduced by the views, not by the pixel scale
    # (a linear encoder with bias absorbs 0..16, [0, 1] or standardised pixels alike): all 1797
    # digits in [0, 1], a one-pixel shift, then Gaussian noise of std 0.1 on every pixel (1.6 on
    # the raw scale). The toolkit's views add noise of 0.1 x each pixel's std instead, which leaves
    # the quiet border pixels almost noiseless: there the optimum keeps 7 of 8 (test above).
    # Measured over 5 seeds (benchmarks/results/practice_table.md): training reaches the optimum
    # 11.675639 (gradient norm <= 3e-6), stds 1.7113, 1.4648, 1.0154 then < 1e-3, span angle 0.000 deg.
    torch, losses = torch_threads
    X_a, X_b = digits_views("absolute")
    rep = practice.optimal_linear_for("vicreg", X_a, X_b, K, restarts=2)  # see vicreg_trained
    W0 = rep.details["start_W"]  # the pooled hinge solver's prediction (the graph-form mapping)
    for Z in (rep.Z, np.vstack([X_a @ W0, X_b @ W0])):
        std = np.linalg.svd(Z - Z.mean(0), compute_uv=False) / np.sqrt(Z.shape[0])
        assert np.all(std[:3] > 0.9) and np.all(std[3:] < 1e-2)  # predicted: 3 directions of 8
    for seed in (0, 1):
        out = train_linear(torch, losses.VICRegLoss(), X_a, X_b, K, seed=seed, adam_steps=1500, lbfgs_steps=1500)
        Z = np.vstack([out["Z_a"], out["Z_b"]])
        std = np.linalg.svd(Z - Z.mean(0), compute_uv=False) / np.sqrt(Z.shape[0])
        assert np.all(std[:3] > 0.9) and np.all(std[3:] < 1e-2)  # trained: collapsed to 3 of 8 as well
        assert out["gradient_norm"] < 1e-4  # converged, not stalled (no column sits on the kink)
        assert out["loss"] == pytest.approx(rep.library_loss, rel=1e-6)
        angle = np.max(scipy.linalg.subspace_angles(_gap_span(Z, 3), _gap_span(rep.Z, 3)))
        assert np.degrees(angle) < 0.1
