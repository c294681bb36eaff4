"""The figure class of :mod:`spectral_ssl.plotting`, and where a plotting function draws.

The plotting functions never import ``pyplot``: a figure built with
``matplotlib.figure.Figure`` works on headless machines, needs no backend and
is never kept alive by pyplot's global list of figures. The price is that
IPython has no display hook for such a figure: without ``%matplotlib inline``
(or an earlier ``import matplotlib.pyplot``) a notebook prints
``<Figure size 420x320 with 1 Axes>`` instead of the picture.
:class:`NotebookFigure` closes that gap with a ``_repr_png_`` method, which
IPython calls for the last expression of a cell.

No double display: when the inline backend *is* active, IPython's registered
PNG formatter for ``Figure`` (it applies to subclasses) is used instead of
``_repr_png_``, so the output still holds one image; and the inline backend only
redraws pyplot's own figures at the end of a cell, which these are not.
"""

import io

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

#: Resolution of the PNG shown in notebooks (the figure sizes are in inches).
NOTEBOOK_DPI = 100


class NotebookFigure(Figure):
    """A :class:`matplotlib.figure.Figure` that shows itself as a PNG in Jupyter.

    It is an ordinary figure in every other respect: ``savefig``, ``axes``,
    ``add_subplot`` and pickling work as usual, and no ``pyplot`` state is
    created.
    """

    def _repr_png_(self):
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=NOTEBOOK_DPI, bbox_inches="tight")
        return buffer.getvalue()


def new_figure(nrows=1, ncols=1, *, width, height, **subplot_kw):
    """A :class:`NotebookFigure` of ``nrows x ncols`` axes (each ``width x height`` inches), constrained layout.

    Returns the figure and its axes as a 2-D object array (``squeeze=False``);
    ``subplot_kw`` go to :meth:`matplotlib.figure.Figure.subplots` (e.g. ``width_ratios``).
    """
    fig = NotebookFigure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fig, axes


def user_axes(ax, nrows=1, ncols=1, *, function="this function"):
    """The caller's axes as an ``(nrows, ncols)`` object array, checked, and the figure they belong to.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or array_like of Axes
        One axes when the figure has one panel, otherwise ``nrows * ncols``
        axes (any shape, read in row-major order).
    nrows, ncols : int
        The panels the plotting function draws.
    function : str
        Named in the error messages.

    Returns
    -------
    figure : matplotlib.figure.Figure or SubFigure
        ``ax.figure`` of the first axes: figure-level artists (a suptitle, a
        shared legend or colour bar) go there.
    axes : ndarray of Axes, shape (nrows, ncols)
    """
    flat = [ax] if isinstance(ax, Axes) else list(np.asarray(ax, dtype=object).ravel())
    wrong = [type(item).__name__ for item in flat if not isinstance(item, Axes)]
    if wrong:
        raise TypeError(
            f"ax must be a matplotlib Axes or an array of Axes (e.g. from fig.subplots), got "
            f"{wrong[0]}; pass ax=None to let {function} create its own figure."
        )
    if len(flat) != nrows * ncols:
        shape = "one Axes" if nrows * ncols == 1 else f"{nrows * ncols} Axes ({nrows} x {ncols} panels)"
        raise ValueError(
            f"{function} draws {shape} but ax holds {len(flat)}; pass as many axes as panels, "
            f"or ax=None for a new figure."
        )
    axes = np.empty((nrows, ncols), dtype=object)
    for index, item in enumerate(flat):
        axes[index // ncols, index % ncols] = item
    return flat[0].figure, axes


#: rc parameters shared by every figure of the toolkit.
STYLE = {
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.4,
    "lines.markersize": 5,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
}


def style():
    """A context in which matplotlib uses :data:`STYLE` (the toolkit's figure style)."""
    import matplotlib

    return matplotlib.rc_context(STYLE)


def figure_axes(nrows=1, ncols=1, *, width=4.2, height=3.2, ax=None, function="this function"):
    """A new figure with an ``nrows x ncols`` grid of axes, or the caller's axes ``ax`` checked.

    Returns ``(figure, axes)``, ``axes`` a 2-D object array (see :func:`new_figure` and
    :func:`user_axes`).
    """
    if ax is not None:
        return user_axes(ax, nrows, ncols, function=function)
    return new_figure(nrows, ncols, width=width, height=height)


def decorate_spectrum_axes(ax, K):
    """Axis labels and limits of a singular-value plot of ``K`` components."""
    ax.set_xlabel("component $k$ (sorted)")
    ax.set_ylabel("singular value")
    ax.set_xlim(0.5, K + 0.5)
    ax.set_ylim(bottom=0.0)
    if K <= 20:
        ax.set_xticks(np.arange(1, K + 1, 1 if K <= 10 else 2))
