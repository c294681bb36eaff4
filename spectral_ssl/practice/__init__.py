r"""From the loss people train to its optimum, and trained embeddings diagnosed.

Practitioners train a library's loss (lightly's ``VICRegLoss``, ``BarlowTwinsLoss``,
``NTXentLoss``, the official code, solo-learn) with its default constants, not the graph
form the closed forms solve. This module takes the library's own constructor keywords:

* :func:`optimal_linear_for` -- the best linear encoder for that loss (the nearest
  graph-form optimum as the start, then the library's loss itself minimised numerically);
* :func:`diagnose` -- how far trained embeddings are from the optimum: loss gap, principal
  angle between the spans, rank and predicted rank, per-direction std, RankMe in the
  conventions in use;
* :func:`library_loss` and :func:`graph_form_hyperparameters` -- the library's value
  (:mod:`spectral_ssl.reference`) and the mapped graph-form constants.

The derivation of every mapping constant is ``spectral_ssl.symbolic.practice``; the
documentation page "From your training code to the optimum" states them with their tests.
"""

from ._diagnose import Diagnosis, diagnose, rankme
from ._libraries import LIBRARIES, LIBRARY_DEFAULTS, METHODS, check_nonzero_rows, graph_form, library_value, resolve
from ._optimum import DEFAULT_RESTARTS, SMOOTHINGS, LibraryRepresentation, optimal_linear_for, optimal_views_for


def library_loss(method, Z_a, Z_b, *, library="lightly", **library_kwargs):
    """The library's loss at the two views ``Z_a``, ``Z_b`` (row ``i`` of each: one sample).

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> # each row's positive is identical (cosine 1), its two negatives orthogonal: log(1 + 2 e^-2)
    >>> round(library_loss("nt_xent", Z, Z), 6), round(float(np.log(1 + 2 * np.exp(-2))), 6)
    (0.239545, 0.239545)
    """
    _, constants = resolve(method, library, library_kwargs)
    from ._optimum import check_views

    Z_a, Z_b = check_views(Z_a, Z_b, names=("Z_a", "Z_b"), min_samples=1 if method == "nt_xent" else 2)
    if method == "nt_xent":
        check_nonzero_rows(Z_a, "Z_a")
        check_nonzero_rows(Z_b, "Z_b")
    return library_value(method, library, Z_a, Z_b, constants)


def library_loss_and_gradient(method, Z_a, Z_b, *, library="lightly", hinge_smoothing=0.0, **library_kwargs):
    r"""The library's loss and its analytic gradient with respect to both views.

    Returns ``(value, dZ_a, dZ_b)``; the value equals :func:`library_loss`. For an encoder
    :math:`Z = XW + \mathbf 1b^\top` the chain rule gives
    :math:`\partial/\partial W = X_a^\top dZ_a + X_b^\top dZ_b` and
    :math:`\partial/\partial b = \mathbf 1^\top(dZ_a + dZ_b)`: enough to train a linear
    encoder with ``scipy.optimize.minimize``.

    ``hinge_smoothing`` :math:`\delta \ge 0` (VICReg only) replaces the variance hinge
    :math:`\text{relu}(x)`, :math:`x = 1 - \sqrt{\text{var}+\epsilon}`, by the softplus
    :math:`\delta\log(1 + e^{x/\delta})`, smooth and above the hinge by at most
    :math:`\delta\log 2` per column and view, so the loss moves by at most
    :math:`2w\delta\log 2` (:math:`w` the variance weight, :math:`\mu/2` in lightly). Gradient
    training stalls at the hinge's kink (column std exactly 1); minimising the smoothed loss for
    decreasing :math:`\delta` (a continuation, as :func:`optimal_linear_for` does with
    :data:`SMOOTHINGS`) does not. 0 (the default) is the library's loss itself.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> A, B = rng.standard_normal((10, 3)), rng.standard_normal((10, 3))
    >>> value, dA, dB = library_loss_and_gradient("barlow_twins", A, B)
    >>> bool(np.isclose(value, library_loss("barlow_twins", A, B))), dA.shape
    (True, (10, 3))
    """
    from ._libraries import value_and_gradient
    from ._optimum import check_views

    from .._validation import check_scalar

    _, constants = resolve(method, library, library_kwargs)
    hinge_smoothing = check_scalar(hinge_smoothing, name="hinge_smoothing", low=0.0)
    if hinge_smoothing > 0 and method != "vicreg":
        raise ValueError(f"hinge_smoothing applies to VICReg's variance hinge only; method={method!r} has "
                         f"no hinge: leave hinge_smoothing=0.")
    Z_a, Z_b = check_views(Z_a, Z_b, names=("Z_a", "Z_b"), min_samples=1 if method == "nt_xent" else 2)
    if method == "nt_xent":
        check_nonzero_rows(Z_a, "Z_a")
        check_nonzero_rows(Z_b, "Z_b")
    return value_and_gradient(method, library, constants, hinge_smoothing)(Z_a, Z_b)


def graph_form_hyperparameters(method, n_samples, *, library="lightly", **library_kwargs):
    """The keywords of ``methods.<method>`` for the graph-form problem nearest to the library's loss.

    Returns ``(hyperparameters, scale, factor)``: the library's loss at views ``(A, B)`` is
    ``graph_loss(scale * [A; B]) / factor`` when both views have equal statistics
    (``factor`` is ``None`` for VICReg, where it is the number of components ``K``).

    Examples
    --------
    >>> hyper, scale, _ = graph_form_hyperparameters("vicreg", 101)
    >>> hyper["variance"], hyper["covariance"], round(hyper["invariance"], 6), round(scale**2, 6)
    (25.0, 2.0, 24.752475, 1.01)
    """
    _, constants = resolve(method, library, library_kwargs)
    return graph_form(method, library, constants, n_samples)


__all__ = ["Diagnosis", "DEFAULT_RESTARTS", "LIBRARIES", "LIBRARY_DEFAULTS", "LibraryRepresentation", "METHODS",
           "diagnose", "graph_form_hyperparameters", "library_loss", "library_loss_and_gradient", "optimal_linear_for", "optimal_views_for",
           "rankme", "SMOOTHINGS"]
