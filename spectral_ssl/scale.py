"""The former name of :mod:`spectral_ssl.moments` (feature-space reductions for large N).

Every public name of :mod:`spectral_ssl.moments` is re-exported here, so
``from spectral_ssl import scale`` and ``scale.vicreg_linear(...)`` keep working; new code
imports :mod:`spectral_ssl.moments`. Assigning ``CHUNK_BYTES`` or ``SIGN_TIE_RTOL`` here
assigns it on :mod:`spectral_ssl.moments` too.
"""

import sys
import types

from . import moments
from .moments import (
    CHUNK_BYTES,
    SIGN_TIE_RTOL,
    FeatureReductions,
    LinearSolution,
    column_signs,
    dask_from_npy,
    reductions,
    vicreg_linear,
    vicreg_linear_from_reductions,
)

__all__ = list(moments.__all__)


class _ScaleModule(types.ModuleType):
    """This module's type: a setting assigned here is assigned on :mod:`spectral_ssl.moments`."""

    def __setattr__(self, name, value):
        if name in ("CHUNK_BYTES", "SIGN_TIE_RTOL"):
            setattr(moments, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _ScaleModule
