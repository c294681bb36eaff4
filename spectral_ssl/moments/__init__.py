r"""Moments of large inputs for the linear regime: feature-space reductions at very large :math:`N`.

In the linear regime :math:`Z = XW + \mathbf 1 b^\top` every closed form of the
toolkit sees the :math:`N` samples only through a few :math:`D\times D`
matrices (THEORY.md, section 3):

* :math:`X^\top\mathbf 1` (column sums) and :math:`X^\top X`;
* :math:`X^\top H X = X^\top X - (X^\top\mathbf 1)(X^\top\mathbf 1)^\top/N`
  (the scatter; :math:`\operatorname{Cov} = X^\top H X/N`);
* :math:`X^\top D_G X = \sum_i d_i x_i x_i^\top`, :math:`X^\top G X`, and
  :math:`X^\top L X = X^\top D_G X - X^\top G X`;
* :math:`X^\top d` and :math:`\operatorname{vol} = \mathbf 1^\top d`.

:func:`reductions` computes them in one pass over row chunks, in
:math:`O(\mathrm{nnz}(G)D + ND^2)` time and :math:`O(\text{chunk}\cdot D + D^2)`
memory besides ``G``, from an in-memory array, a ``numpy.memmap``, the path of
a ``.npy`` file (read chunk by chunk through ``np.load(mmap_mode="r")``), or a
dask array (blockwise, on whatever dask scheduler is active). The statistics of a
chunk, their formulas (groups without ``G``, the shift against round-off) and the
in-memory pass the solvers use are in :mod:`spectral_ssl.forms` (layer 1), which this
package re-exports ``FeatureReductions`` from.

**Row chunks of G.** For rows :math:`a{:}b`, :math:`(GX)_{a:b} = G_{a:b,\,J}X_J`
where :math:`J` is the set of columns holding a nonzero of :math:`G_{a:b}`
(at most :math:`\mathrm{nnz}(G_{a:b})` rows of :math:`X` are gathered), so
:math:`X^\top G X = \sum_{\text{chunks}} X_{a:b}^\top (GX)_{a:b}`. With groups, a
chunk holds whole groups (consecutive labels after a stable sort).

:func:`vicreg_linear` solves the linear VICReg closed form from these
reductions (the same generalized eigenproblem and reduced solver as
:func:`spectral_ssl.methods.vicreg.optimal_linear`, with the same sign rule),
so it scales to :math:`N = 10^7` samples read from disk.

This package was the module ``spectral_ssl.scale``, which still re-exports every
public name.

Layout
------
A package of private modules, each re-exported here (import from
``spectral_ssl.moments``, never from a private module):

=================  ==========================================================
``_chunks``        row access to ``X`` (array, memmap, ``.npy``), chunk plans
``_dask``          the blockwise pass on a dask array, ``dask_from_npy``
``_passes``        ``reductions`` and ``column_signs``: the passes over ``X``
``_solutions``     ``LinearSolution``, ``vicreg_linear(_from_reductions)``
=================  ==========================================================

Arrows point down this table; no private module imports this ``__init__``. The
settings ``CHUNK_BYTES`` and ``SIGN_TIE_RTOL`` are read when a pass runs: assign them
on this package (``moments.CHUNK_BYTES = 2**20``), which forwards the assignment.
"""

import sys
import types

from . import _chunks, _passes
from ._chunks import CHUNK_BYTES
from ._dask import dask_from_npy
from ._passes import SIGN_TIE_RTOL, column_signs, reductions
from ..forms import FeatureReductions
from ._solutions import LinearSolution, vicreg_linear, vicreg_linear_from_reductions

__all__ = [
    "reductions", "column_signs", "dask_from_npy", "vicreg_linear", "vicreg_linear_from_reductions",
    "FeatureReductions", "LinearSolution", "CHUNK_BYTES", "SIGN_TIE_RTOL",
]

# Functions and classes defined in the private modules carry this package's name as their
# ``__module__``: where the API reference documents them, and how reprs and pickles name them.
for _name in __all__:
    _value = globals()[_name]
    if getattr(_value, "__module__", "").startswith(__name__ + "._"):
        _value.__module__ = __name__
del _name, _value

#: setting name -> the private module whose functions read it at call time
_SETTINGS = {"CHUNK_BYTES": _chunks, "SIGN_TIE_RTOL": _passes}


class _MomentsModule(types.ModuleType):
    """This package's module type: assigning a setting also assigns it where it is read.

    ``moments.CHUNK_BYTES = 2**20`` (or ``monkeypatch.setattr``) changes later passes, as
    it did when every function lived in one module.
    """

    def __setattr__(self, name, value):
        if name in _SETTINGS:
            setattr(_SETTINGS[name], name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _MomentsModule
