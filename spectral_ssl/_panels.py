"""The figures of :mod:`spectral_ssl.plotting_claims`: accuracy / rank sweeps, bar comparisons,
measured singular values against the predicted :math:`\\sqrt{N t_k}`, and 2-D embeddings.

Re-exported (and documented) by :mod:`spectral_ssl.plotting`; each takes ``ax=`` and returns a
:class:`spectral_ssl._figure.NotebookFigure` (or the figure of the given axes).
"""

import numpy as np

from ._figure import decorate_spectrum_axes, figure_axes, style


def check_panels(panels, what):
    """``panels`` as a list, refused with a ``ValueError`` naming the function ``what`` when empty."""
    panels = list(panels)
    if not panels:
        raise ValueError(f"{what} needs at least one panel.")
    return panels


def principal_coordinates(Z, n_axes=2):
    r"""Coordinates of the rows of ``Z`` on its first ``n_axes`` centred principal axes.

    With the thin SVD :math:`Z - \mathbf 1\bar z^\top = U S V^\top`, the
    coordinates are :math:`U_{:, :n} S_{:n}` (:math:`n` = ``n_axes``), padded
    with zero columns when ``Z`` has fewer directions; the sign rule of
    :func:`spectral_ssl.linalg.sign_flip` is then applied (each axis's entry of
    largest absolute value positive; within a relative ``SIGN_TIE_RTOL`` the first
    row decides), so that reruns draw the same picture even when a symmetric
    configuration makes two entries of opposite signs tie up to round-off.

    Parameters
    ----------
    Z : array_like, shape (N, K)
    n_axes : int

    Returns
    -------
    ndarray, shape (N, n_axes)
        Row :math:`i`: where row :math:`i` of ``Z`` is drawn.

    Examples
    --------
    A 1-D representation: its centred values, largest positive, and a zero second axis.

    >>> principal_coordinates([[0.0], [1.0], [5.0]]).round(12).tolist()
    [[-2.0, 0.0], [-1.0, 0.0], [3.0, 0.0]]
    """
    # Imported here, not at the top: `import spectral_ssl.plotting` then does not load linalg
    # (scipy.sparse) for the figures that never need a sign rule.
    from .linalg import sign_flip

    Zc = np.asarray(Z, dtype=np.float64)
    Zc = Zc - Zc.mean(axis=0)
    U, s, _ = np.linalg.svd(Zc, full_matrices=False)
    coords = np.zeros((Zc.shape[0], n_axes))
    kept = min(n_axes, s.size)
    coords[:, :kept] = U[:, :kept] * s[:kept]
    return sign_flip(coords)


def sweep_figure(panels, *, xlabel, log_x=False, suptitle=None, legend_title=None, ax=None):
    r"""Line plots of a measured quantity against a swept hyper-parameter, one axes per panel.

    Parameters
    ----------
    panels : list of dict
        ``{"title": str, "ylabel": str, "curves": [curve, ...]}`` with optional
        ``"vlines"`` (``[{"x": float, "color": str, "label": str}]``, dotted
        vertical lines, e.g. a predicted threshold), ``"hline"``
        (``(y, label)``, a dashed reference such as chance level) and
        ``"ylim"`` (``(low, high)``). A curve is
        ``{"label": str, "x": array, "y": array}`` with optional ``"yerr"`` (error
        bars, e.g. standard errors over seeds), ``"color"``,
        ``"marker"`` (default ``"o"``), ``"markersize"``, ``"linestyle"``, ``"drawstyle"``
        (e.g. ``"steps-post"``) and ``"highlight"`` (an x value marked with a
        star, e.g. the best setting).
    xlabel : str
        Label of the x axis (shared by the panels).
    log_x : bool
        Logarithmic x axis.
    suptitle : str, optional
    legend_title : str, optional
    ax : Axes or array of Axes, optional
        One axes per panel to draw into, instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    panels = check_panels(panels, "sweep_figure")
    with style():
        single = len(panels) == 1
        fig, axes = figure_axes(1, len(panels), width=5.2 if single else 4.0,
                                height=3.6 if single else 3.3, ax=ax, function="sweep_figure")
        for ax, panel in zip(axes[0], panels):
            for i, curve in enumerate(panel["curves"]):
                color = curve.get("color", f"C{i % 10}")
                x = np.asarray(curve["x"], dtype=np.float64)
                y = np.asarray(curve["y"], dtype=np.float64)
                ax.plot(x, y, marker=curve.get("marker", "o"), markersize=curve.get("markersize", 3.5),
                        color=color,
                        linestyle=curve.get("linestyle", "-"),
                        drawstyle=curve.get("drawstyle", "default"), label=curve["label"])
                if curve.get("yerr") is not None:
                    ax.errorbar(x, y, yerr=np.asarray(curve["yerr"], dtype=np.float64), fmt="none",
                                ecolor=color, elinewidth=1.0, capsize=2.5)
                if curve.get("highlight") is not None:
                    j = int(np.argmin(np.abs(x - curve["highlight"])))
                    ax.plot(x[j], y[j], marker="*", markersize=11, color=color,
                            markeredgecolor="black", markeredgewidth=0.6, linestyle="none")
            for line in panel.get("vlines", ()):
                ax.axvline(line["x"], color=line.get("color", "0.4"), linestyle=":", linewidth=1.1,
                           label=line.get("label"))
            if panel.get("hline") is not None:
                value, label = panel["hline"]
                ax.axhline(value, color="0.5", linestyle="--", linewidth=1.0, label=label)
            if log_x:
                ax.set_xscale("log")
                # On an axis spanning about a decade matplotlib labels every minor tick
                # (3e-2, 4e-2, ...) and the labels overlap; without them only one label may be
                # left. Label 1, 2 and 5 times each power of ten, in plain numbers.
                from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

                plain = FuncFormatter(lambda value, _: f"{value:g}")
                ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
                ax.xaxis.set_major_formatter(plain)
                ax.xaxis.set_minor_formatter(NullFormatter())
            if panel.get("ylim") is not None:
                ax.set_ylim(*panel["ylim"])
            ax.set_xlabel(xlabel)
            ax.set_ylabel(panel["ylabel"])
            ax.set_title(panel["title"])
        if single:
            axes[0, 0].legend(loc="best", fontsize=8, title=legend_title, title_fontsize=8)
        else:
            handles, labels = axes[0, 0].get_legend_handles_labels()
            seen = set(labels)
            for ax in axes[0, 1:]:
                for h, lab in zip(*ax.get_legend_handles_labels()):
                    if lab not in seen:
                        handles.append(h)
                        labels.append(lab)
                        seen.add(lab)
            fig.legend(handles, labels, loc="outside right center", fontsize=8, title=legend_title,
                       title_fontsize=8)
        if suptitle:
            fig.suptitle(suptitle, fontsize=10)
    return fig


def bars_figure(panels, *, suptitle=None, ax=None):
    """Grouped comparison: one bar per method, one axes per measured quantity.

    Parameters
    ----------
    panels : list of dict
        ``{"title": str, "ylabel": str, "labels": [str], "values": [float]}``
        with optional ``"errors"`` (one error bar per bar, e.g. standard errors
        over seeds), ``"colors"`` (one per bar), ``"zero_below"`` (values of
        smaller magnitude are labelled "~0"; default :math:`10^{-4}` times the
        largest), ``"reference"``
        (``(value, label)``: a dashed horizontal line, e.g. the supervised
        baseline), ``"threshold"`` (``(value, label)``: a dotted line, e.g.
        the rule's cut-off) and ``"ylim"``.
    suptitle : str, optional
    ax : Axes or array of Axes, optional
        One axes per panel to draw into, instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    panels = check_panels(panels, "bars_figure")
    with style():
        fig, axes = figure_axes(1, len(panels), width=3.3, height=3.3, ax=ax, function="bars_figure")
        for ax, panel in zip(axes[0], panels):
            labels = list(panel["labels"])
            values = np.asarray(panel["values"], dtype=np.float64)
            colors = panel.get("colors") or [f"C{i % 10}" for i in range(len(labels))]
            x = np.arange(len(labels))
            errors = panel.get("errors")
            ax.bar(x, values, width=0.7, color=colors,
                   yerr=None if errors is None else np.asarray(errors, dtype=np.float64),
                   capsize=3 if errors is not None else 0)
            span = np.nanmax(np.abs(values)) if values.size else 1.0
            zero_below = panel.get("zero_below", 1e-4 * max(span, 1e-300))
            for i, v in enumerate(values):
                text = f"{v:.3g}" if abs(v) >= zero_below else "~0"
                ax.text(i, v + 0.01 * span, text, ha="center", va="bottom", fontsize=7)
            if panel.get("reference") is not None:
                value, label = panel["reference"]
                ax.axhline(value, color="black", linestyle="--", linewidth=1.0, label=label)
            if panel.get("threshold") is not None:
                value, label = panel["threshold"]
                ax.axhline(value, color="C3", linestyle=":", linewidth=1.2, label=label)
            if panel.get("reference") is not None or panel.get("threshold") is not None:
                ax.legend(loc="upper center", ncol=2, fontsize=8)
            ax.set_xticks(x, labels, rotation=35, ha="right", fontsize=7)
            if panel.get("ylim") is not None:
                ax.set_ylim(*panel["ylim"])
            ax.set_ylabel(panel["ylabel"])
            ax.set_title(panel["title"])
            ax.grid(axis="x", visible=False)
        if suptitle:
            fig.suptitle(suptitle, fontsize=10)
    return fig


def singular_value_overlay_figure(series, *, n_samples, suptitle=None, ax=None):
    r"""Measured singular values (markers) over the predicted :math:`\sqrt{N t_k}` (lines).

    Unlike :func:`spectra_figure`, the measured values need not come from a
    ``Representation``: pass the singular values of any optimum (e.g. a
    numerical minimiser of the loss) next to the theory's prediction.

    Parameters
    ----------
    series : list of dict
        ``{"label": str, "measured": array, "predicted": array}`` (singular
        values in decreasing order; ``predicted`` is :math:`\sqrt{N t_k}`).
    n_samples : int
        :math:`N`, shown in the title.
    suptitle : str, optional
    ax : Axes, optional
        The axes to draw into, instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    series = check_panels(series, "singular_value_overlay_figure")
    with style():
        fig, axes = figure_axes(1, 1, width=5.4, height=3.6, ax=ax,
                                function="singular_value_overlay_figure")
        ax = axes[0, 0]
        K = 1
        for i, item in enumerate(series):
            measured = np.sort(np.asarray(item["measured"], dtype=np.float64))[::-1]
            predicted = np.sort(np.asarray(item["predicted"], dtype=np.float64))[::-1]
            k = np.arange(1, predicted.size + 1)
            K = max(K, predicted.size)
            color = f"C{i % 10}"
            ax.plot(k, predicted, "-", color=color, alpha=0.55, linewidth=2.0)
            ax.plot(k, measured[: predicted.size], "x", color=color, label=item["label"])
        decorate_spectrum_axes(ax, K)
        ax.set_title(f"measured (x) vs predicted $\\sqrt{{N t_k}}$ (line), N={n_samples}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        if suptitle:
            fig.suptitle(suptitle, fontsize=10)
    return fig


def embeddings_figure(embeddings, color, *, color_label="label", categorical=True, suptitle=None,
                      ncols=4, ax=None):
    """2-D views of several representations, points coloured by a label or a coordinate.

    Each representation is drawn on its first two centred principal axes (its
    own 2-D coordinates when it has two columns), with the sign rule of
    :func:`spectral_ssl.linalg.sign_flip` so that reruns draw the same picture.

    Parameters
    ----------
    embeddings : dict
        ``{title: (N, K) array}``, ``K >= 2``.
    color : array_like, shape (N,)
        Class labels (``categorical=True``: one colour per class, legend) or
        a continuous coordinate (colour bar labelled ``color_label``).
    color_label : str
    categorical : bool
    suptitle : str, optional
    ncols : int
        Axes per row (ignored with ``ax``).
    ax : array of Axes, optional
        One axes per embedding to draw into (any shape, read in row-major order),
        instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not embeddings:
        raise ValueError("embeddings_figure needs at least one embedding.")
    color = np.asarray(color)
    n = len(embeddings)
    ncols = n if ax is not None else max(1, min(int(ncols), n))
    nrows = int(np.ceil(n / ncols))
    with style():
        fig, axes = figure_axes(nrows, ncols, width=2.8, height=2.7, ax=ax,
                                function="embeddings_figure")
        mappable = None
        for ax in axes.ravel()[n:]:
            ax.set_visible(False)
        for ax, (title, Z) in zip(axes.ravel(), embeddings.items()):
            Z = np.asarray(Z, dtype=np.float64)
            if Z.ndim != 2 or Z.shape[0] != color.shape[0] or Z.shape[1] < 1:
                raise ValueError(
                    f"embedding {title!r} has shape {Z.shape}; it needs one row per entry of color "
                    f"({color.shape[0]})."
                )
            coords = principal_coordinates(Z)
            if categorical:
                classes = np.unique(color)
                for j, c in enumerate(classes):
                    sel = color == c
                    ax.scatter(coords[sel, 0], coords[sel, 1], s=5, color=f"C{j % 10}", label=str(c))
            else:
                mappable = ax.scatter(coords[:, 0], coords[:, 1], c=color.astype(float), s=5,
                                      cmap="viridis")
            ax.set_title(title)
            ax.set_xlabel("principal axis 1")
            ax.set_ylabel("principal axis 2")
            ax.set_xticks([])
            ax.set_yticks([])
        if categorical:
            handles, labels = axes.ravel()[0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="outside right center", fontsize=8, title=color_label,
                       title_fontsize=8, markerscale=2)
        elif mappable is not None:
            fig.colorbar(mappable, ax=axes.ravel().tolist(), label=color_label, shrink=0.7)
        if suptitle:
            fig.suptitle(suptitle, fontsize=10)
    return fig
