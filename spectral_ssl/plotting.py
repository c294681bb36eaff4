r"""Matplotlib figures of the closed-form optima.

Every function returns a :class:`matplotlib.figure.Figure` built without
``pyplot`` (no backend, no global state): it works on headless machines, the
caller saves it with ``fig.savefig(path)`` (rendered by the Agg backend), and in
Jupyter it shows itself as the last expression of a cell, with or without
``%matplotlib inline`` (a :class:`spectral_ssl._figure.NotebookFigure`). Pass
``ax=`` to draw into your own axes instead (one :class:`~matplotlib.axes.Axes`, or
one per panel for the multi-panel figures): the function then returns the
figure those axes belong to. One small style, :data:`STYLE`, is applied to
every figure.

The spectrum figures test the theory's fourth claim, rank collapse as a
function of the hyper-parameters: the optimum has per-direction variances
:math:`t_k` (``rep.scales``), so the singular values of the centred
representation :math:`HZ` are :math:`\sqrt{N t_k}` (:math:`Z^\top H Z/N`
has eigenvalues :math:`t_k`; a rotation :math:`R` does not change them).
The figures plot the measured singular values against that prediction.

The figures of the paper's claims (:mod:`spectral_ssl.plotting_claims` draws them from a
claim's data) are defined in a private module and documented here:

.. autofunction:: spectral_ssl.plotting.sweep_figure

.. autofunction:: spectral_ssl.plotting.bars_figure

.. autofunction:: spectral_ssl.plotting.singular_value_overlay_figure

.. autofunction:: spectral_ssl.plotting.embeddings_figure
"""

import numpy as np

from ._figure import STYLE  # noqa: F401  (plotting.STYLE: the toolkit's figure style)
from ._figure import decorate_spectrum_axes as _decorate
from ._figure import figure_axes as _figure
from ._figure import style as _style
from ._panels import bars_figure, embeddings_figure, singular_value_overlay_figure, sweep_figure
from ._panels import check_panels as _check_panels
from ._panels import principal_coordinates as _principal_coordinates

#: Short names of the hyper-parameters in titles and legends.
_SHORT = {"variance": "var", "covariance": "cov", "invariance": "inv"}


def singular_values(rep):
    """Singular values of the centred representation :math:`HZ`, in decreasing order."""
    Z = np.asarray(rep.Z, dtype=np.float64)
    return np.linalg.svd(Z - Z.mean(axis=0), compute_uv=False)


def predicted_singular_values(rep):
    r"""The theory's singular values :math:`\sqrt{N t_k}` (``rep.scales`` are :math:`t_k`), decreasing."""
    t = np.clip(np.asarray(rep.scales, dtype=np.float64), 0.0, None)
    return np.sort(np.sqrt(rep.Z.shape[0] * t))[::-1]


def format_hyperparameters(hyper, keys=("variance", "covariance", "invariance", "variance_kind")):
    """``"var=1, cov=1, inv=0.1, square"``: the hyper-parameters that shape the optimum."""
    parts = []
    for key in keys:
        if key not in hyper:
            continue
        value = hyper[key]
        if isinstance(value, str):
            parts.append(value)
        else:
            parts.append(f"{_SHORT.get(key, key)}={value:g}")
    return ", ".join(parts)


def _check_rep(rep):
    for attribute in ("Z", "scales"):
        if not hasattr(rep, attribute):
            raise TypeError(
                f"rep must be a Representation (with Z and scales), got {type(rep).__name__}."
            )


def spectrum_figure(rep, *, title=None, ax=None):
    r"""Singular values of the centred :math:`Z` against the predicted :math:`\sqrt{N t_k}`.

    Parameters
    ----------
    rep : Representation (any regime)
    title : str, optional
        Default: method, regime, hyper-parameters, rank and :math:`N`.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (e.g. one panel of your own figure) instead of a
        new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One axes (``ax``'s figure when given); crosses are measured, the line is the prediction.

    Examples
    --------
    >>> import numpy as np
    >>> from spectral_ssl import graphs, plotting
    >>> from spectral_ssl.methods import vicreg
    >>> G = graphs.knn(np.linspace(0, 1, 30)[:, None], n_neighbors=3)
    >>> rep = vicreg.optimal_representation(G, 3, variance=1.0, covariance=1.0, invariance=2.0)
    >>> fig = plotting.spectrum_figure(rep)   # in Jupyter: shown as a picture
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['predicted $\\sqrt{N t_k}$', 'singular values of $HZ$']
    """
    _check_rep(rep)
    with _style():
        fig, axes = _figure(ax=ax, function="spectrum_figure")
        ax = axes[0, 0]
        observed = singular_values(rep)
        predicted = predicted_singular_values(rep)
        k = np.arange(1, predicted.size + 1)
        ax.plot(k, predicted, "-", color="C0", alpha=0.55, label="predicted $\\sqrt{N t_k}$")
        ax.plot(k, observed[: predicted.size], "x", color="C3", label="singular values of $HZ$")
        _decorate(ax, len(rep.scales))
        if title is None:
            title = (f"{rep.method} ({getattr(rep, 'regime', '?')}): "
                     f"{format_hyperparameters(rep.hyperparameters)}\n"
                     f"N={rep.Z.shape[0]}, K={rep.Z.shape[1]}, rank={rep.rank}")
        ax.set_title(title)
        ax.legend(loc="lower left")
    return fig


def spectra_figure(panels, *, suptitle=None, label_key="invariance", ax=None):
    r"""Several optima overlaid per panel: how the spectrum collapses as a weight grows.

    Parameters
    ----------
    panels : dict or list
        ``{panel title: [item, ...]}``, one axes per entry (side by side); a
        plain list is one panel titled by its first representation's regime.
        An item is a ``Representation`` or a ``(legend label, Representation)`` pair.
    suptitle : str, optional
        Title of the whole figure.
    label_key : str
        For items without a label: the hyper-parameter named in the legend
        (other hyper-parameters are named too when they differ from the
        panel's first representation).
    ax : Axes or array of Axes, optional
        One axes per panel to draw into, instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Crosses: measured singular values of :math:`HZ`; lines: :math:`\sqrt{N t_k}`.
    """
    if not isinstance(panels, dict):
        panels = list(panels)
        if not panels:
            raise ValueError("panels is empty; give at least one representation.")
        first = panels[0][1] if isinstance(panels[0], tuple) else panels[0]
        panels = {getattr(first, "regime", ""): panels}
    if not panels or any(len(items) == 0 for items in panels.values()):
        raise ValueError("every panel needs at least one representation.")
    labelled = {}
    for name, items in panels.items():
        pairs = [item if isinstance(item, tuple) else (None, item) for item in items]
        for _, rep in pairs:
            _check_rep(rep)
        base = pairs[0][1].hyperparameters
        filled = []
        for label, rep in pairs:
            if label is None:
                hyper = rep.hyperparameters
                others = [k for k in ("variance", "covariance", "variance_kind")
                          if k in hyper and hyper.get(k) != base.get(k)]
                label = format_hyperparameters(hyper, keys=(label_key, *others))
            filled.append((label, rep))
        labelled[name] = filled
    with _style():
        fig, axes = _figure(1, len(labelled), width=3.6, height=3.6, ax=ax, function="spectra_figure")
        for ax, (name, pairs) in zip(axes[0], labelled.items()):
            for i, (label, rep) in enumerate(pairs):
                observed = singular_values(rep)
                predicted = predicted_singular_values(rep)
                k = np.arange(1, predicted.size + 1)
                color = f"C{i % 10}"
                ax.plot(k, predicted, "-", color=color, alpha=0.5)
                ax.plot(k, observed[: predicted.size], "x", color=color,
                        label=f"{label} (rank {rep.rank})")
            _decorate(ax, max(len(rep.scales) for _, rep in pairs))
            ax.set_title(f"{name}  (N={pairs[0][1].Z.shape[0]})")
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8,
                      title="x: singular values of $HZ$;  line: $\\sqrt{N t_k}$", title_fontsize=8)
        if suptitle:
            fig.suptitle(suptitle, fontsize=10)
    return fig


# ---- method comparison figures

#: Bar colours of the four methods in the comparison figures.
METHOD_COLORS = {"vicreg": "C0", "spectral_contrastive": "C2", "barlow_twins": "C1", "simclr": "C3"}


def rank_components_figure(panels, *, n_components, suptitle=None, ax=None):
    r"""Rank of each optimum against the number of connected components of its relation graph.

    One axes per panel, one bar per optimum: its rank (filled bar: a closed
    form, ``exact=True``; hatched: a numerical optimum), a black tick at the
    number of connected components :math:`c` of the graph it was computed on,
    and a dashed line at :math:`K`. The paper's claim made visible: optima
    confined to the graph's component structure (Barlow Twins, SimCLR,
    spectral contrastive) have rank :math:`\le c` (:math:`c - 1` when the
    constant direction is removed), VICReg with a small invariance weight keeps
    up to :math:`K` directions.

    Parameters
    ----------
    panels : list of dict
        ``{"title": str, "bars": [bar, ...]}``; a bar is a dict with ``label``
        (str), ``rank`` (int), ``components`` (int), ``method`` (str, picks the
        colour from :data:`METHOD_COLORS`) and ``exact`` (bool).
    n_components : int
        :math:`K`.
    suptitle : str, optional
    ax : Axes or array of Axes, optional
        One axes per panel to draw into, instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    panels = list(panels)
    if not panels or any(not panel.get("bars") for panel in panels):
        raise ValueError("rank_components_figure needs at least one panel, each with at least one bar.")
    widths = [max(2.4, 0.42 * len(panel["bars"]) + 0.9) for panel in panels]
    with _style():
        if ax is None:
            from ._figure import new_figure

            fig, axes = new_figure(1, len(panels), width=sum(widths) / len(panels), height=3.6,
                                   width_ratios=widths)
        else:
            fig, axes = _figure(1, len(panels), ax=ax, function="rank_components_figure")
        axes = axes[0]
        for ax, panel in zip(axes, panels):
            bars = panel["bars"]
            x = np.arange(len(bars))
            # Components up to 4K are drawn to scale; larger counts are clipped and written out.
            scale = max([n_components] + [bar["rank"] for bar in bars]
                        + [bar["components"] for bar in bars if bar["components"] <= 4 * n_components])
            ymax = 1.12 * scale + 1
            for i, bar in enumerate(bars):
                color = METHOD_COLORS.get(bar["method"], f"C{4 + i % 6}")
                ax.bar(i, bar["rank"], width=0.7, color=color if bar["exact"] else "white",
                       edgecolor=color, hatch=None if bar["exact"] else "////", linewidth=1.2)
                c = bar["components"]
                clipped = c > ymax
                shown = 0.96 * ymax if clipped else c
                ax.plot([i - 0.42, i + 0.42], [shown, shown], "-", color="black", linewidth=2.0,
                        label="components $c$ of $G$" if i == 0 else None)
                if clipped:
                    ax.text(i, shown - 0.01 * ymax, f"c={c}", ha="center", va="top", fontsize=6)
                # The rank, written where it cannot hide the component tick.
                ax.text(i, bar["rank"] / 2 if bar["rank"] >= 0.2 * ymax
                        else max(bar["rank"], 0 if clipped else c) + 0.02 * ymax,
                        str(bar["rank"]), ha="center", va="center" if bar["rank"] >= 0.2 * ymax
                        else "bottom", fontsize=7,
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                              "alpha": 0.85})
            ax.axhline(n_components, color="0.4", linestyle="--", linewidth=1.0,
                       label=f"$K$ = {n_components}")
            ax.set_xticks(x, [bar["label"] for bar in bars], rotation=55, ha="right", fontsize=7)
            ax.set_xlim(-0.6, len(bars) - 0.4)
            ax.set_ylim(0, ymax)
            ax.set_ylabel("rank of the optimum")
            ax.set_title(panel["title"])
            ax.grid(axis="x", visible=False)
        from matplotlib.patches import Patch

        handles, labels = axes[0].get_legend_handles_labels()
        handles += [Patch(facecolor="0.6", edgecolor="0.6", label="closed form (exact)"),
                    Patch(facecolor="white", edgecolor="0.4", hatch="////",
                          label="numerical optimum")]
        labels += ["closed form (exact)", "numerical optimum"]
        fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=8)
        if suptitle:
            fig.suptitle(suptitle, fontsize=10)
    return fig


def simclr_mds_figure(panels, *, suptitle=None, color_label="position along the roll", ax=None):
    r"""SimCLR against classical MDS of its relation's distances, one row per relation.

    Columns: (1) squared chord distances
    :math:`\lVert\hat z_i - \hat z_j\rVert^2` of the row-normalised SimCLR
    representation against the target :math:`\Delta_{ij} = -2\tau\log G_{ij}`
    (one dot per pair :math:`i < j`; the line is :math:`y = x + c` with the
    free constant :math:`c` fitted, where the matching bound of the loss is
    attained); (2) classical MDS of :math:`\Delta` (its first two coordinates;
    ISOMAP when the distances are graph geodesics); (3) the SimCLR
    representation on its first two centred principal axes. Points coloured by
    ``color``.

    Parameters
    ----------
    panels : list of dict
        ``{"title": str, "target": (N, N) ndarray, "Z": (N, K) ndarray,
        "mds": (N, >= 2) ndarray, "color": (N,) ndarray, "agreement": float}``
        (``agreement``: the Spearman correlation shown in the scatter's title).
    suptitle : str, optional
    color_label : str
        Label of the colour bar.
    ax : array of Axes, optional
        ``3 * len(panels)`` axes (one row of three per panel) to draw into,
        instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    panels = _check_panels(panels, "simclr_mds_figure")
    with _style():
        fig, axes = _figure(len(panels), 3, width=3.3, height=3.0, ax=ax, function="simclr_mds_figure")
        mappable = None
        for row, panel in zip(axes, panels):
            target = np.asarray(panel["target"], dtype=np.float64)
            Z = np.asarray(panel["Z"], dtype=np.float64)
            Zn = Z / np.linalg.norm(Z, axis=1)[:, None]
            chord2 = np.maximum(2.0 - 2.0 * (Zn @ Zn.T), 0.0)
            upper = np.triu_indices(target.shape[0], k=1)
            t, q = target[upper], chord2[upper]
            shift = float(np.mean(q - t))
            ax = row[0]
            ax.plot(t, q, ".", markersize=1.0, alpha=0.15, color="C0", rasterized=True)
            line = np.array([0.0, t.max()])
            ax.plot(line, line + shift, "-", color="C3", linewidth=1.0,
                    label=f"$y = x {'+' if shift >= 0 else '-'} {abs(shift):.2f}$")
            ax.set_xlabel(r"MDS target $\Delta_{ij} = -2\tau\log G_{ij}$")
            ax.set_ylabel(r"SimCLR $\|\hat z_i - \hat z_j\|^2$")
            ax.set_title(f"{panel['title']}\nSpearman {panel['agreement']:.4f}")
            ax.legend(loc="lower right")
            color = np.asarray(panel["color"], dtype=np.float64)
            mds = np.asarray(panel["mds"], dtype=np.float64)
            for ax, coords, name in ((row[1], mds[:, :2], "classical MDS of the target"),
                                     (row[2], _principal_coordinates(Zn), "SimCLR (principal axes)")):
                mappable = ax.scatter(coords[:, 0], coords[:, 1], c=color, s=6, cmap="viridis")
                ax.set_aspect("equal", adjustable="datalim")
                ax.set_title(name)
                ax.set_xticks([])
                ax.set_yticks([])
        fig.colorbar(mappable, ax=axes[:, 2].tolist(), label=color_label, shrink=0.6)
        if suptitle:
            fig.suptitle(suptitle, fontsize=10)
    return fig


__all__ = ["STYLE", "METHOD_COLORS", "singular_values", "predicted_singular_values",
           "format_hyperparameters", "spectrum_figure", "spectra_figure", "rank_components_figure",
           "simclr_mds_figure", "sweep_figure", "bars_figure", "singular_value_overlay_figure",
           "embeddings_figure"]
