"""Torch-only helpers shared by the lightly cross-checks and ``benchmarks/practice_table.py``.

Nothing here is imported by the package: torch appears only in cross-check tests and benchmarks.

* :class:`TorchvisionStandIn` -- lightly 1.6.0 imports torchvision at import time only (its losses
  never call it) and PyPI's torchvision does not import with torch 2.13.0, so a minimal stand-in
  is put on ``sys.meta_path`` while ``lightly.loss`` is imported (:func:`import_lightly_loss`).
* :func:`train_linear` -- a ``torch.nn.Linear`` encoder (float64, with bias) trained full batch on
  two views with a lightly loss: Adam, then L-BFGS with a strong-Wolfe line search; returns the
  trained views, weights, loss and the final gradient norm.
"""

import importlib.abc
import importlib.machinery
import sys
import types

import numpy as np


class Anything:
    """Any torchvision attribute: callable, subclassable, with any attribute."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return Anything()

    def __getattr__(self, name):
        return Anything()

    def __mro_entries__(self, bases):
        return (object,)


class StubModule(types.ModuleType):
    """A torchvision module of the stand-in: every attribute is :class:`Anything`."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything()


class TorchvisionStandIn(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finder and loader answering every ``torchvision`` import with a :class:`StubModule`."""

    def find_spec(self, fullname, path, target=None):
        if fullname == "torchvision" or fullname.startswith("torchvision."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        module.__version__ = "0.0.0-stand-in"


def import_lightly_loss():
    """``lightly.loss`` imported with the stand-in, which is removed afterwards (ImportError if absent)."""
    finder = TorchvisionStandIn()
    had_torchvision = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "torchvision"}
    sys.meta_path.insert(0, finder)
    try:
        import lightly.loss as loss_module
    finally:
        sys.meta_path.remove(finder)
        for name in [k for k in sys.modules if k.split(".")[0] == "torchvision"]:
            del sys.modules[name]
        sys.modules.update(had_torchvision)
    return loss_module


def train_linear(torch, loss, X_a, X_b, n_components, *, seed=0, adam_steps=1000, lbfgs_steps=1000,
                 learning_rate=1e-2):
    """Train ``Z = X W + b`` (``torch.nn.Linear``, float64) on the two views with ``loss``, full batch.

    ``adam_steps`` Adam steps (``learning_rate``) from torch's default initialisation (seed
    ``seed``), then at most ``lbfgs_steps`` iterations of ``torch.optim.LBFGS`` (strong-Wolfe
    line search, history 50, tolerances 1e-12 on the gradient and 1e-15 on changes).

    Returns
    -------
    dict
        ``Z_a``, ``Z_b`` (trained views), ``W`` (D x K), ``b`` (K,), ``loss`` (torch's value at
        the end) and ``gradient_norm`` (Euclidean norm of the gradient over ``W`` and ``b`` there).
    """
    torch.manual_seed(seed)
    encoder = torch.nn.Linear(X_a.shape[1], n_components).double()
    A, B = torch.from_numpy(np.ascontiguousarray(X_a)), torch.from_numpy(np.ascontiguousarray(X_b))
    adam = torch.optim.Adam(encoder.parameters(), lr=learning_rate)
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

    if lbfgs_steps > 0:
        lbfgs.step(closure)
    value = closure()
    gradient_norm = float(torch.sqrt(sum((p.grad**2).sum() for p in encoder.parameters())))
    with torch.no_grad():
        return {"Z_a": encoder(A).numpy().copy(), "Z_b": encoder(B).numpy().copy(),
                "W": encoder.weight.numpy().T.copy(), "b": encoder.bias.numpy().copy(),
                "loss": float(value), "gradient_norm": gradient_norm}


def digits_views(setting, n_per_class=50, noise=0.1, random_state=0):
    """Two views of scikit-learn's digits (rows ``i`` of the two arrays: one image).

    ``setting``:

    * ``"relative"`` -- the toolkit's ``datasets.digits(n_per_class)`` views
      (``graphs.make_views`` with its ``view_options``): a one-pixel shift, then Gaussian noise of
      ``0.1`` times *each pixel's* standard deviation (quiet border pixels get almost no noise);
    * ``"absolute"`` -- all 1797 images, pixels scaled to [0, 1], a one-pixel shift, then Gaussian
      noise of standard deviation ``noise`` (default 0.1, i.e. 1.6 on the raw 0..16 scale) on
      *every* pixel (``n_per_class`` unused).

    A linear encoder with bias absorbs any invertible affine map of the pixels, so the raw 0..16
    scale, [0, 1] or standardised pixels have the same optimum; the noise model is what differs.
    """
    from sklearn.datasets import load_digits

    from spectral_ssl import graphs
    from spectral_ssl.experiments import datasets

    if setting == "relative":
        data = datasets.digits(n_per_class, random_state=random_state)
        X = data.X
        views, _ = graphs.make_views(X, random_state=random_state, **data.view_options)
    elif setting == "absolute":
        X = load_digits().data / 16.0
        views, _ = graphs.make_views(X, random_state=random_state, augment=("shift",), image_shape=(8, 8))
        views = views + noise * np.random.default_rng(random_state).standard_normal(views.shape)
    else:
        raise ValueError(f"setting must be 'relative' or 'absolute', got {setting!r}.")
    n = X.shape[0]
    return views[:n], views[n:]
