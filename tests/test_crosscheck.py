"""Cross-check spectral_ssl.reference against the real reference library (lightly 1.6.0).

Run with ``python -m pytest -m crosscheck`` after installing the pinned versions:
``pip install torch==2.13.0`` (the local CPU build) and ``pip install --no-deps lightly==1.6.0``.
lightly imports torchvision at import time only (the three losses never call it), and
PyPI's torchvision does not import with torch 2.13.0, so the fixture below puts a
minimal stand-in for ``torchvision`` (``tests/lightly_torch.py``) in ``sys.modules`` for the duration
of the import.
"""

import sys

import numpy as np
import pytest

from spectral_ssl import reference

from lightly_torch import StubModule, TorchvisionStandIn  # the torchvision stand-in, shared with benchmarks

pytestmark = pytest.mark.crosscheck

PINNED = {"torch": "2.13.0", "lightly": "1.6.0"}
RTOL = 1e-12


@pytest.fixture(scope="module")
def lightly_loss():
    torch = pytest.importorskip("torch")
    if not torch.__version__.startswith(PINNED["torch"]):
        pytest.skip(f"needs torch=={PINNED['torch']}, found {torch.__version__}")
    finder = TorchvisionStandIn()
    had_torchvision = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "torchvision"}
    sys.meta_path.insert(0, finder)
    try:
        lightly = pytest.importorskip("lightly")
        if lightly.__version__ != PINNED["lightly"]:
            pytest.skip(f"needs lightly=={PINNED['lightly']}, found {lightly.__version__}")
        import lightly.loss as loss_module
    finally:
        sys.meta_path.remove(finder)
        for name in [k for k in sys.modules if k.split(".")[0] == "torchvision"]:
            del sys.modules[name]
        sys.modules.update(had_torchvision)
    return torch, loss_module


def _batches(seed, n=32, dim=16):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, dim)) * rng.uniform(0.2, 2.0, size=dim)
    B = A + 0.3 * rng.standard_normal((n, dim))
    return A, B


def _torch_value(torch, loss, A, B):
    with torch.no_grad():
        return float(loss(torch.from_numpy(A), torch.from_numpy(B)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vicreg_official_matches_lightly(lightly_loss, seed):
    torch, losses = lightly_loss
    A, B = _batches(seed)
    expected = _torch_value(torch, losses.VICRegLoss(), A, B)
    assert reference.vicreg(A, B, convention="official") == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_barlow_twins_lightly_matches_lightly(lightly_loss, seed):
    torch, losses = lightly_loss
    A, B = _batches(seed)
    expected = _torch_value(torch, losses.BarlowTwinsLoss(), A, B)
    assert reference.barlow_twins(A, B, convention="lightly") == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("temperature", [0.1, 0.5])
def test_nt_xent_lightly_matches_lightly(lightly_loss, seed, temperature):
    torch, losses = lightly_loss
    A, B = _batches(seed)
    expected = _torch_value(torch, losses.NTXentLoss(temperature=temperature), A, B)
    assert reference.nt_xent(A, B, temperature=temperature, convention="lightly") == pytest.approx(
        expected, rel=RTOL
    )


def test_stand_in_is_removed_after_import(lightly_loss):
    # The stand-in must not leak into the rest of the test session.
    assert not any(k.split(".")[0] == "torchvision" for k in sys.modules) or all(
        not isinstance(sys.modules[k], StubModule) for k in sys.modules if k.split(".")[0] == "torchvision"
    )
