r"""Exact self-supervised losses in graph form (Balestriero and LeCun 2022, section 2).

Every loss takes the representation ``Z`` (N x K, one row per sample, all views
stacked) and the relation graph ``G`` (N x N). Covariances use the
:math:`1/N` normalisation of the derivations:

.. math:: \operatorname{Cov}(Z) = Z^\top H Z / N, \qquad H = I - \mathbf 1\mathbf 1^\top / N .

(The reference libraries divide by :math:`N - 1`; :mod:`spectral_ssl.reference`
implements those conventions and states the factor between the two.)

Each public loss validates its input and returns a float, or
``(value, gradient)`` with ``return_gradient=True``; the gradient is
analytic (tests compare it with finite differences). The ``..._value_and_gradient``
twins (``vicreg_value_and_gradient`` etc.) take an already validated CSR ``G`` and its
degrees and skip validation, for optimisation loops.

Layout: one private module per loss (``_vicreg``, ``_simclr``, ``_spectral_contrastive``,
``_barlow_twins``) over ``_common`` (exact centring and scaling, weight normalisation);
everything public is re-exported here.
"""

from ._barlow_twins import barlow_twins, barlow_twins_correlation, barlow_twins_value_and_gradient
from .._validation import check_flag  # formerly defined here; the name keeps working
from ._simclr import row_norms_checked, simclr, simclr_value_and_gradient
from ._spectral_contrastive import spectral_contrastive, spectral_contrastive_value_and_gradient
from ._vicreg import (
    VARIANCE_KINDS,
    covariance_term,
    invariance_term,
    variance_penalty,
    variance_term,
    vicreg,
    vicreg_value_and_gradient,
)

__all__ = [
    "VARIANCE_KINDS", "invariance_term", "variance_term", "covariance_term", "vicreg", "simclr",
    "spectral_contrastive", "barlow_twins_correlation", "barlow_twins",
    "vicreg_value_and_gradient", "simclr_value_and_gradient", "spectral_contrastive_value_and_gradient",
    "barlow_twins_value_and_gradient", "variance_penalty", "row_norms_checked",
]


# Functions and classes defined in the private modules carry this package's name as their
# ``__module__``: where the API reference documents them, and how reprs and pickles name them.
for _name in __all__:
    _value = globals()[_name]
    if getattr(_value, "__module__", "").startswith(__name__ + "._"):
        _value.__module__ = __name__
del _name, _value

# Former private names that modules outside this package import; they keep working until
# those callers switch to the public spelling on the right.
_vicreg_value_and_gradient = vicreg_value_and_gradient
_simclr_value_and_gradient = simclr_value_and_gradient
_spectral_contrastive_value_and_gradient = spectral_contrastive_value_and_gradient
_barlow_twins_value_and_gradient = barlow_twins_value_and_gradient
_variance_penalty = variance_penalty
_row_norms_checked = row_norms_checked
_check_flag = check_flag
