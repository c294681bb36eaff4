"""Figures of the paper's claims, drawn from the data a ``ClaimResult`` carries.

The claims (:mod:`spectral_ssl.experiments.claims`) return numbers, never
figures; :func:`claim_figures` turns a result's ``data`` into matplotlib figures
with the panels of :mod:`spectral_ssl.plotting` (error bars are standard errors
over the seeds). A quick run's figures say "quick, indicative" in their title.
"""

import numpy as np

from . import plotting

_COLORS = {"VICReg": "C0", "VICReg, small invariance": "C0", "VICReg, high invariance": "C0",
           "VICReg, large invariance": "C9", "VICReg, low invariance": "C9", "spectral contrastive": "C2",
           "Barlow Twins (whitened: CCA)": "C1", "Barlow Twins (loss as written)": "C5", "Barlow Twins": "C1",
           "SimCLR": "C3", "LDA (supervised)": "0.35", "Isomap (classical MDS of geodesics)": "0.35",
           "Laplacian Eigenmaps": "0.65"}


def _title(result, text):
    where = f" ({result.dataset})" if result.dataset else ""
    quick = f" [{result.label}]" if result.quick else ""
    return f"{text}{where}{quick}"


def _mean_se(entry):
    se = entry.get("se")
    return entry["mean"], (0.0 if se is None else se)


def _aligned(result, ax):
    data = result.data
    lda, _ = _mean_se(data["lda"])
    panels = []
    for relation in data["relations"]:
        methods = data["methods"]
        values = [_mean_se(data["accuracy"][relation][m]) for m in methods]
        panels.append({"title": relation, "ylabel": "held-out probe accuracy", "labels": methods,
                       "values": [v for v, _ in values], "errors": [e for _, e in values],
                       "colors": [_COLORS.get(m, "C7") for m in methods], "reference": (lda, "LDA"),
                       "threshold": (lda - data["margin"], f"LDA - {data['margin']:g}"), "ylim": (0, 1.15)})
    return {"accuracy": plotting.bars_figure(panels, ax=ax.get("accuracy"), suptitle=_title(
        result, "Claim 1: aligned relation -> supervised accuracy (mean ± s.e. over seeds)"))}


def _low_data(result, ax):
    data = result.data
    panels = []
    for probe, title in (("linear", "linear probe (verdict)"), ("nearest", "1-NN probe (sees scales)")):
        curves = []
        for method, points in data["curves"][probe].items():
            if not points:
                continue
            n_c = sorted(int(k) for k in points)
            stats = [_mean_se(points[k] if k in points else points[str(k)]) for k in n_c]
            curves.append({"label": method, "x": n_c, "y": [m for m, _ in stats], "yerr": [e for _, e in stats],
                           "color": _COLORS.get(method, "C7"),
                           "marker": "o" if len(n_c) > 1 else "s", "markersize": 4 if len(n_c) > 1 else 7})
        vlines = [{"x": n, "color": "0.75", "label": "void for the linear probe" if i == 0 else None}
                  for i, n in enumerate(data["void"])]
        if data["judged"] is not None:
            vlines.append({"x": data["judged"], "color": "C3", "label": "judged n_c"})
        panels.append({"title": title, "ylabel": "held-out accuracy", "curves": curves, "vlines": vlines,
                       "hline": (data["chance"], "chance"), "ylim": (0, 1.02)})
    return {"accuracy_vs_samples": plotting.sweep_figure(
        panels, xlabel="training samples per class $n_c$", log_x=True,
        ax=ax.get("accuracy_vs_samples"),
        suptitle=_title(result, "Claim 2: label graph with few samples per class"))}


def _misaligned(result, ax):
    panels = []
    for regime in result.data["regimes"]:
        if regime["void"] or not regime["accuracy"]:
            continue
        methods = list(regime["accuracy"])
        values = [_mean_se(regime["accuracy"][m]) for m in methods]
        labels = [f"{m} (rank {regime['rank'][m]:.0f})" for m in methods]
        panels.append({"title": regime["name"], "ylabel": "held-out probe accuracy", "labels": labels,
                       "values": [v for v, _ in values], "errors": [e for _, e in values],
                       "colors": [_COLORS.get(m, "C7") for m in methods], "ylim": (0, 1.1)})
    if not panels:
        return {}
    return {"accuracy_by_regime": plotting.bars_figure(
        panels, ax=ax.get("accuracy_by_regime"),
        suptitle=_title(result, "Claim 3: misaligned relations (void regimes left out)"))}


def _local_global(result, ax):
    data = result.data
    figures = {}
    example = data.get("example")
    if example:
        embeddings = {name: np.asarray(Z) for name, Z in example["embeddings"].items()}
        figures["embeddings"] = plotting.embeddings_figure(
            embeddings, np.asarray(example["color"]), color_label="arc length along the roll",
            categorical=False, ax=ax.get("embeddings"),
            suptitle=_title(result, "Claim 4: optima on the dense geodesic relation (first seed)"))
    names = list(data["globality"])
    values = [_mean_se(data["globality"][m]) for m in names]
    figures["globality"] = plotting.bars_figure([
        {"title": "globality (> 0: closer to Isomap)", "ylabel": "far-pair Spearman - reference midpoint",
         "labels": names, "values": [v for v, _ in values], "errors": [e for _, e in values],
         "colors": [_COLORS.get(m, "C7") for m in names], "threshold": (0.0, "midpoint")}],
        ax=ax.get("globality"), suptitle=_title(result, "Claim 4: global or local, method by method"))
    return figures


def _rank(result, ax):
    data = result.data
    figures = {"singular_values": plotting.singular_value_overlay_figure(
        [{"label": s["label"], "measured": s["measured"], "predicted": s["predicted"]} for s in data["series"]],
        n_samples=data["n_samples"], ax=ax.get("singular_values"),
        suptitle=_title(result, "Claim 5: VICReg, numerical minimum of the exact loss vs the theorem"))}
    points = [(s["ratio"], int(np.sum(np.asarray(s["measured"]) > 1e-3 * np.sqrt(data["n_samples"]))))
              for s in data["series"] if s["equal_weights"]]
    if points:
        lam = np.asarray(data["eigenvalues"])
        ratios = np.array([p[0] for p in points])
        fine = np.geomspace(ratios.min() / 2, ratios.max() * 2, 400)
        order = np.argsort(ratios)
        figures["rank_vs_invariance"] = plotting.sweep_figure([
            {"title": "", "ylabel": "rank of the optimum", "ylim": (-0.5, data["K"] + 1.5), "curves": [
                {"label": r"predicted $\#\{\lambda_k < \alpha/\gamma\}$", "x": fine,
                 "y": [int(np.sum(lam < 1.0 / r)) for r in fine], "marker": "", "color": "C0"},
                {"label": "measured (numerical minimum, first seed)", "x": ratios[order],
                 "y": np.array([p[1] for p in points])[order], "marker": "x", "markersize": 8,
                 "linestyle": "none", "color": "C3"}]}],
            xlabel=r"invariance / variance  $\gamma/\alpha$", log_x=True,
            ax=ax.get("rank_vs_invariance"),
            suptitle=_title(result, "Claim 5: VICReg rank against invariance (variance = covariance = 1)"))
    return figures


_BUILDERS = {"aligned_graph": _aligned, "low_data_regime": _low_data, "misaligned_graph": _misaligned,
             "local_vs_global": _local_global, "rank_collapse": _rank}


def claim_figures(result, *, ax=None):
    """``{name: Figure}`` for a :class:`~spectral_ssl.experiments.claims.ClaimResult`.

    Also stores them in ``result.figures`` (for ``save_figures`` and reports).

    Parameters
    ----------
    result : ClaimResult
    ax : dict, optional
        ``{figure name: Axes or array of Axes}``: draw those figures into your own
        axes (one per panel), the others into new figures. The names are the keys of
        the returned dict (e.g. ``"accuracy"`` for ``aligned_graph``).

    Returns
    -------
    dict
        ``{name: matplotlib.figure.Figure}`` (the figure of the given axes for the
        names in ``ax``).
    """
    try:
        builder = _BUILDERS[result.name]
    except KeyError:
        raise ValueError(f"no figures for claim {result.name!r}; known: {sorted(_BUILDERS)}.") from None
    result.figures = builder(result, dict(ax or {})) if result.data else {}  # a void claim has nothing to draw
    return result.figures


__all__ = ["claim_figures"]
