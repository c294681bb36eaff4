r"""The paper's downstream claims as experiments with stated verdict rules.

Balestriero and LeCun (NeurIPS 2022) draw four consequences from the closed
forms (``docs/theory.md``); each function here measures one of them on data
``(X, y)`` and returns a :class:`ClaimResult`: the claim in one sentence, the
measured numbers (``table``), figures, and a verdict ``supported`` computed
from the numbers by the rule written in the function's docstring (and copied
into ``ClaimResult.rule``). No verdict is hard-coded: every rule compares
measurements with thresholds fixed before the run.

* :func:`aligned_graph` -- with the label graph every method recovers the
  supervised solution (linear regime: Fisher LDA).
* :func:`low_data_regime` -- VICReg keeps within-class directions with variance
  :math:`1 - \gamma n_c/\alpha`; with few samples per class the invariance
  weight must be high (:math:`\gamma/\alpha \ge 1/n_c`).
* :func:`misaligned_graph` -- with a relation misaligned with the labels, VICReg
  with a small invariance weight should be preferred (the arXiv and the
  NeurIPS readings differ on Barlow Twins; the function reports which one the
  numbers support).
* :func:`local_vs_global` -- contrastive methods (SimCLR, spectral contrastive)
  are global, non-contrastive ones (VICReg, Barlow Twins) local.
* :func:`rank_collapse` -- the rank of the optimum against the
  hyper-parameters: VICReg's singular values are :math:`\sqrt{N t_k}`.
* :func:`run_all` -- all of them on one data set.

Probes. :func:`~spectral_ssl.experiments.probe.linear_probe` standardises every
feature, so it sees which directions a representation keeps (its rank), not
their scales. Two claims are about scales (VICReg's :math:`t_k`), so the
experiments also report a scale-sensitive probe, :func:`nearest_neighbour_probe`
(1-nearest-neighbour on the raw representation, the "k-NN evaluation" of the
self-supervised literature); each rule says which probe it uses.

Sizes: the defaults follow the paper's synthetic setting (:math:`N = 256`
training rows, :math:`K = 32`); the numerical SimCLR optimisations are the
slow part, so they run on the smallest sizes that keep the comparison
meaningful. Every L-BFGS loop runs with one BLAS thread
(``threadpoolctl``), which is much faster on a shared machine.
"""

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize
from scipy.linalg import subspace_angles

from .. import graphs, linalg
from .._threads import single_threaded_blas
from .._validation import check_features, check_random_state, check_scalar
from ..methods import barlow_twins, simclr, spectral_contrastive, vicreg
from .datasets import swiss_roll
from .probe import linear_probe

#: Display names of the methods in tables and figures.
METHOD_LABELS = {"vicreg": "VICReg", "spectral_contrastive": "spectral contrastive",
                 "barlow_twins": "Barlow Twins", "simclr": "SimCLR"}

_COLORS = {"vicreg": "C0", "spectral_contrastive": "C2", "barlow_twins": "C1", "simclr": "C3",
           "lda": "0.35"}


# --------------------------------------------------------------------------- result type


@dataclass(kw_only=True, repr=False)
class ClaimResult:
    """One claim of the paper, measured.

    Attributes
    ----------
    name : str
        Identifier, e.g. ``"aligned_graph"``.
    statement : str
        The paper's claim in one sentence.
    rule : str
        How ``supported`` is computed from the numbers (thresholds included).
    supported : bool
        The verdict of ``rule``.
    table : list of dict
        The measured values, one dict per row (same keys in every row of a block).
    figures : dict
        ``{name: matplotlib.figure.Figure}``.
    summary : str
        The key numbers in one or two sentences.
    dataset : str
        Name of the data set the claim was measured on.
    details : dict
        Extra results a report may use (e.g. ``"reading"`` for the misaligned claim).
    elapsed : float
        Seconds the experiment took.
    """

    name: str
    statement: str
    rule: str
    supported: bool
    table: list
    figures: dict
    summary: str
    dataset: str = ""
    details: dict = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def verdict(self):
        """``"supported"`` or ``"not supported"``."""
        return "supported" if self.supported else "not supported"

    def columns(self):
        """Column names of ``table`` in order of first appearance."""
        seen = {}
        for row in self.table:
            for key in row:
                seen.setdefault(key, None)
        return list(seen)

    def to_markdown(self, *, figure_paths=None, float_format=".3g", heading_level=3):
        """Markdown: heading with the verdict, statement, rule, summary, table, figure links.

        Parameters
        ----------
        figure_paths : dict, optional
            ``{figure name: path}`` (e.g. from :meth:`save_figures`); each is
            embedded as an image. Without it the figures are only listed by name.
        float_format : str
            Format of float cells.
        heading_level : int
            Number of ``#`` of the heading.

        Returns
        -------
        str
        """
        title = self.name + (f" ({self.dataset})" if self.dataset else "")
        lines = [f"{'#' * int(heading_level)} {title}: **{self.verdict.upper()}**", "",
                 f"*Claim.* {self.statement}", "", f"*Rule.* {self.rule}", "",
                 f"*Result.* {self.summary}", ""]
        columns = self.columns()
        if columns:
            lines.append("| " + " | ".join(columns) + " |")
            lines.append("|" + "---|" * len(columns))
            for row in self.table:
                lines.append("| " + " | ".join(_format_cell(row.get(c), float_format)
                                               for c in columns) + " |")
            lines.append("")
        if self.figures:
            if figure_paths:
                for name in self.figures:
                    if name in figure_paths:
                        lines.append(f"![{self.name}: {name}]({figure_paths[name]})")
            else:
                lines.append("Figures: " + ", ".join(self.figures))
            lines.append("")
        return "\n".join(lines)

    def save_figures(self, directory, *, prefix=None, format="png"):
        """Save every figure as ``<directory>/<prefix>_<name>.<format>``; return ``{name: path}``.

        Characters other than letters, digits, ``-``, ``_`` and ``.`` become ``_`` in the
        file name (Markdown links break on spaces). ``prefix`` defaults to ``<name>_<dataset>``.
        """
        from pathlib import Path

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        if prefix is None:
            prefix = self.name + (f"_{self.dataset}" if self.dataset else "")
        paths = {}
        for name, fig in self.figures.items():
            stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in f"{prefix}_{name}")
            path = directory / f"{stem}.{format}"
            fig.savefig(path)
            paths[name] = str(path)
        return paths

    def __repr__(self):
        return (f"ClaimResult(name={self.name!r}, dataset={self.dataset!r}, "
                f"supported={self.supported}, rows={len(self.table)}, figures={list(self.figures)})")


def _format_cell(value, float_format):
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return format(float(value), float_format)
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(_format_cell(v, float_format) for v in value)
    return str(value)


# --------------------------------------------------------------------------- shared helpers


def _check_data(X, y):
    X = check_features(X, name="X")
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must be 1-D with one label per row of X ({X.shape[0]}), got shape {y.shape}.")
    classes, y_codes = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ValueError("y has a single class; the claims need at least two classes.")
    return X, y_codes, classes.size


def _check_relation_labels(relation_labels, y):
    if relation_labels is None:
        return y
    relation_labels = np.asarray(relation_labels)
    if relation_labels.shape != y.shape:
        raise ValueError(
            f"relation_labels must have one entry per sample ({y.shape[0]}), got shape {relation_labels.shape}."
        )
    return np.unique(relation_labels, return_inverse=True)[1]


def _check_int(value, name, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}.")
    return int(value)


def _check_sequence(values, name, *, low=None, high=None, integer=False):
    values = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must be a non-empty 1-D sequence of finite numbers.")
    if low is not None and np.any(values < low):
        raise ValueError(f"{name} must be >= {low}, got {values.min():g}.")
    if high is not None and np.any(values > high):
        raise ValueError(f"{name} must be <= {high}, got {values.max():g}.")
    if integer:
        if np.any(values != np.round(values)):
            raise ValueError(f"{name} must hold integers, got {values.tolist()}.")
        return [int(v) for v in values]
    return [float(v) for v in values]


def _per_class(y, pool, n_per_class, rng, *, name):
    """``n_per_class`` random indices of every class among ``pool``."""
    chosen = []
    for c in np.unique(y):
        members = pool[y[pool] == c]
        if members.size < n_per_class:
            raise ValueError(
                f"{name}={n_per_class} but class {c} has only {members.size} samples available; "
                f"use a smaller {name} or more data."
            )
        chosen.append(rng.choice(members, size=n_per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def _split(y, n_train, n_test, rng):
    """Balanced disjoint train / test indices; ``None`` sizes split each class in half."""
    counts = np.bincount(y)
    if n_train is None:
        n_train = int(counts.min()) // 2
    if n_test is None:
        n_test = int(counts.min()) - n_train
    n_train = _check_int(n_train, "n_train_per_class", 2)
    n_test = _check_int(n_test, "n_test_per_class", 1)
    everything = np.arange(y.size)
    test = _per_class(y, everything, n_test, rng, name="n_test_per_class")
    pool = np.setdiff1d(everything, test)
    train = _per_class(y, pool, n_train, rng, name="n_train_per_class")
    return train, test


def nearest_neighbour_probe(train_repr, y_train, test_repr, y_test):
    r"""Accuracy of the 1-nearest-neighbour classifier on the raw representation.

    Unlike :func:`~spectral_ssl.experiments.probe.linear_probe`, nothing is
    standardised: a direction with a small scale (VICReg's :math:`t_k` close
    to 0) contributes little to the Euclidean distances, so this probe sees the
    scales of a representation, not only its rank.

    Parameters
    ----------
    train_repr : array_like, shape (n_train, K)
    y_train : array_like, shape (n_train,)
    test_repr : array_like, shape (n_test, K)
    y_test : array_like, shape (n_test,)

    Returns
    -------
    accuracy : float in [0, 1]
        Ties (equal distances) go to the training row that comes first.

    Examples
    --------
    >>> import numpy as np
    >>> nearest_neighbour_probe(np.array([[0.0], [10.0]]), [0, 1], np.array([[1.0], [8.0]]), [0, 1])
    1.0
    """
    A = check_features(train_repr, name="train_repr", min_samples=1)
    B = check_features(test_repr, name="test_repr", min_samples=1)
    if A.shape[1] != B.shape[1]:
        raise ValueError(
            f"test_repr has {B.shape[1]} columns but train_repr has {A.shape[1]}; "
            f"both must come from the same representation."
        )
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    if y_train.shape != (A.shape[0],) or y_test.shape != (B.shape[0],):
        raise ValueError("y_train and y_test need one label per row of train_repr and test_repr.")
    d2 = np.sum(B**2, axis=1)[:, None] - 2.0 * B @ A.T + np.sum(A**2, axis=1)[None, :]
    return float(np.mean(y_train[np.argmin(d2, axis=1)] == y_test))


def _top_span(Z, dim):
    """Orthonormal basis of the ``dim`` leading left singular vectors of the centred ``Z``."""
    Zc = Z - Z.mean(axis=0)
    U, s, _ = np.linalg.svd(Zc, full_matrices=False)
    return U[:, :dim], s


def _max_angle_degrees(A, B):
    return float(np.degrees(np.max(subspace_angles(A, B))))


def _energy_fraction(Z, basis):
    r"""Fraction of the centred ``Z``'s squared Frobenius norm inside ``span(basis)`` (orthonormal)."""
    Zc = Z - Z.mean(axis=0)
    total = float(np.sum(Zc**2))
    if total == 0.0:
        return 0.0
    return float(np.sum((basis.T @ Zc) ** 2) / total)


def _centred_indicators(labels):
    """Orthonormal basis of the centred class indicators (C - 1 columns)."""
    E = np.eye(labels.max() + 1)[labels]
    return _top_span(E, np.unique(labels).size - 1)[0]


def _mean_degree(G):
    return float(G.sum()) / G.shape[0]


def _vicreg_hyper(ratio):
    """VICReg weights with variance = covariance = 1 (the paper's diagonal case), invariance = ratio."""
    return {"variance": 1.0, "covariance": 1.0, "invariance": float(ratio)}


# --------------------------------------------------------------------------- claim 1: aligned


#: Methods whose linear optimum with a balanced label graph is Fisher's criterion exactly.
_EIGENPROBLEM_METHODS = ("vicreg", "spectral_contrastive", "barlow_twins")

_ALIGNED_STATEMENT = (
    "With the label graph (positives = samples of the same class), every SSL method recovers the "
    "supervised solution: in the linear regime its span is Fisher LDA's and a linear probe on it is "
    "as accurate as LDA."
)


def aligned_graph(X, y, *, n_train_per_class=None, n_test_per_class=None, relation_labels=None,
                  temperature=0.5, accuracy_margin=0.05, energy_threshold=0.9, angle_threshold=1.0,
                  random_state=0):
    r"""Claim 1: an aligned relation recovers the supervised solution.

    A balanced train / test split; the relation is the label graph
    :math:`G_{ij} = 1[y_i = y_j]` of the training samples
    (:func:`spectral_ssl.graphs.from_labels`). For :math:`C` classes each method
    gets the :math:`C-1` dimensions of the supervised subspace (spectral
    contrastive :math:`C`, since its optimum always contains the constant
    direction, which centring removes):

    * linear regime (``optimal_linear``): VICReg (variance = covariance = 1,
      invariance = :math:`0.1/\bar d`, :math:`\bar d` the mean degree), spectral
      contrastive, Barlow Twins (whitened CCA, ``centered=True``), SimCLR
      (numerical, ``temperature``). Measured on the training rows: the maximal
      principal angle between the span of the centred representation and the
      span of the centred LDA projection (``sklearn`` LDA fitted on the same
      samples and labels), and the *LDA energy*, the fraction of the centred
      representation's variance inside the LDA span. Measured on the held-out
      rows: the accuracy of :func:`~spectral_ssl.experiments.probe.linear_probe`
      (trained on the training rows), next to the same probe on the LDA features.
    * non-parametric regime (``optimal_representation``): maximal principal angle
      between the centred :math:`Z` and the centred class indicators.

    **Rule.** Supported iff (i) every method's probe accuracy is at least LDA's
    minus ``accuracy_margin`` (0.05); (ii) the methods whose linear optimum is a
    generalized eigenproblem (VICReg, spectral contrastive, Barlow Twins: with a
    balanced label graph each is Fisher's criterion, ``docs/theory.md``) have a
    linear span within ``angle_threshold`` degrees (1) of LDA's; (iii) every
    non-parametric optimum is within ``angle_threshold`` degrees of the class
    indicators. SimCLR's linear optimum has no closed form and the theory does not
    say it is LDA's span: its angle and LDA energy are reported (and the
    ``energy_threshold``, 0.9, is marked in the figure) but only its accuracy enters
    the rule.

    Parameters
    ----------
    X : array_like, shape (N, D)
    y : array_like, shape (N,)
        The downstream labels (LDA and the probe use them).
    n_train_per_class, n_test_per_class : int, optional
        Default: ``256 // C`` training samples per class (the paper's
        :math:`N = 256`; at most half of the smallest class) and every remaining
        sample of the smallest class for testing.
    relation_labels : array_like, shape (N,), optional
        Labels the relation graph is built from (default ``y``: the aligned
        case). Passing labels unrelated to ``y`` builds a misaligned relation,
        for which the claim should fail.
    temperature : float
        SimCLR's :math:`\tau`.
    accuracy_margin, energy_threshold, angle_threshold : float
        The rule's thresholds.
    random_state : None, int or numpy Generator

    Returns
    -------
    ClaimResult
        ``table`` rows: ``regime``, ``method``, ``max_angle_deg``,
        ``lda_energy`` (linear only), ``probe_accuracy`` (linear only), ``rank``.
    """
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    started = time.perf_counter()
    X, y, C = _check_data(X, y)
    relation = _check_relation_labels(relation_labels, y)
    temperature = check_scalar(temperature, name="temperature", low=0.0, low_inclusive=False)
    accuracy_margin = check_scalar(accuracy_margin, name="accuracy_margin", low=0.0)
    energy_threshold = check_scalar(energy_threshold, name="energy_threshold", low=0.0, high=1.0)
    angle_threshold = check_scalar(angle_threshold, name="angle_threshold", low=0.0, high=90.0)
    rng = check_random_state(random_state)
    if n_train_per_class is None:
        n_train_per_class = max(2, min(int(np.bincount(y).min()) // 2, 256 // C))
    train, test = _split(y, n_train_per_class, n_test_per_class, rng)
    Xtr, ytr, Xte, yte = X[train], y[train], X[test], y[test]
    if np.any(np.bincount(relation[train]) == 1):
        raise ValueError(
            "relation_labels leave a training sample alone in its relation class (no positive pair); "
            "use relation classes with at least two training samples each."
        )
    G = graphs.from_labels(relation[train])
    d_bar = _mean_degree(G)
    dim = C - 1

    lda = LinearDiscriminantAnalysis(n_components=dim).fit(Xtr, ytr)
    lda_basis, _ = _top_span(lda.transform(Xtr), dim)
    lda_accuracy = linear_probe(lda.transform(Xtr), ytr, lda.transform(Xte), yte)
    table = [{"regime": "linear", "method": "LDA (supervised)", "max_angle_deg": 0.0,
              "lda_energy": 1.0, "probe_accuracy": lda_accuracy, "rank": dim}]

    solvers = {
        "vicreg": lambda: vicreg.optimal_linear(Xtr, G, dim, **_vicreg_hyper(0.1 / d_bar)),
        "spectral_contrastive": lambda: spectral_contrastive.optimal_linear(Xtr, G, dim + 1),
        "barlow_twins": lambda: barlow_twins.optimal_linear(Xtr, G, dim, centered=True),
        "simclr": lambda: simclr.optimal_linear(Xtr, G, dim, temperature=temperature, restarts=1,
                                                max_iter=2000, random_state=rng),
    }
    linear = {}
    with single_threaded_blas():
        for method, solve in solvers.items():
            rep = solve()
            Ztr = rep.transform(Xtr)
            span, _ = _top_span(Ztr, dim)
            row = {"regime": "linear", "method": METHOD_LABELS[method],
                   "max_angle_deg": _max_angle_degrees(span, lda_basis),
                   "lda_energy": _energy_fraction(Ztr, lda_basis),
                   "probe_accuracy": linear_probe(Ztr, ytr, rep.transform(Xte), yte),
                   "rank": int(rep.rank)}
            linear[method] = row
            table.append(row)

        indicators = _centred_indicators(ytr)
        nonparametric = {}
        for method, solve in {
            "vicreg": lambda: vicreg.optimal_representation(G, dim, **_vicreg_hyper(0.1 / d_bar)),
            "spectral_contrastive": lambda: spectral_contrastive.optimal_representation(G, dim + 1),
            "barlow_twins": lambda: barlow_twins.optimal_representation(G, dim, centered=True,
                                                                        restarts=1, random_state=rng),
            "simclr": lambda: simclr.optimal_representation(G, dim, temperature=temperature,
                                                            restarts=2, random_state=rng),
        }.items():
            rep = solve()
            span, _ = _top_span(rep.Z, dim)
            row = {"regime": "nonparametric", "method": METHOD_LABELS[method],
                   "max_angle_deg": _max_angle_degrees(span, indicators), "lda_energy": None,
                   "probe_accuracy": None, "rank": int(rep.rank)}
            nonparametric[method] = row
            table.append(row)

    worst_energy = min(r["lda_energy"] for r in linear.values())
    worst_gap = max(lda_accuracy - r["probe_accuracy"] for r in linear.values())
    worst_linear_angle = max(linear[m]["max_angle_deg"] for m in _EIGENPROBLEM_METHODS)
    worst_angle = max(r["max_angle_deg"] for r in nonparametric.values())
    supported = (worst_gap <= accuracy_margin and worst_linear_angle <= angle_threshold
                 and worst_angle <= angle_threshold)
    rule = (f"every method: probe accuracy >= LDA's - {accuracy_margin:g}; VICReg, spectral "
            f"contrastive, Barlow Twins: linear max angle to the LDA span <= {angle_threshold:g} deg; "
            f"every non-parametric optimum: max angle to the class indicators <= {angle_threshold:g} deg "
            f"(SimCLR's linear span is reported, not judged)")
    accs = ", ".join(f"{METHOD_LABELS[m]} {r['probe_accuracy']:.3f}" for m, r in linear.items())
    angles = ", ".join(f"{METHOD_LABELS[m]} {r['max_angle_deg']:.2g}" for m, r in linear.items())
    summary = (f"LDA probe accuracy {lda_accuracy:.3f}; methods {accs} (worst gap {worst_gap:+.3f}). "
               f"Linear max angle to LDA span (deg): {angles}; SimCLR's LDA energy "
               f"{linear['simclr']['lda_energy']:.3f}. "
               f"Non-parametric max angle to class indicators {worst_angle:.2g} deg. "
               f"{len(train)} training / {len(test)} test samples, {C} classes.")

    figures = {"accuracy_alignment": _aligned_figure(linear, nonparametric, lda_accuracy,
                                                     accuracy_margin, energy_threshold)}
    return ClaimResult(name="aligned_graph", statement=_ALIGNED_STATEMENT, rule=rule,
                       supported=bool(supported), table=table, figures=figures, summary=summary,
                       details={"lda_accuracy": lda_accuracy, "worst_energy": worst_energy,
                                "worst_accuracy_gap": worst_gap,
                                "worst_linear_angle": worst_linear_angle,
                                "worst_nonparametric_angle": worst_angle},
                       elapsed=time.perf_counter() - started)


def _aligned_figure(linear, nonparametric, lda_accuracy, margin, energy_threshold):
    from .. import plotting

    methods = list(linear)
    labels = [METHOD_LABELS[m] for m in methods]
    colors = [_COLORS[m] for m in methods]
    return plotting.bars_figure([
        {"title": "held-out linear probe (linear regime)", "ylabel": "probe accuracy",
         "labels": labels, "values": [linear[m]["probe_accuracy"] for m in methods],
         "colors": colors, "reference": (lda_accuracy, "LDA"),
         "threshold": (lda_accuracy - margin, f"LDA - {margin:g}"), "ylim": (0, 1.25)},
        {"title": "variance inside the LDA span (linear)", "ylabel": "LDA energy",
         "labels": labels, "values": [linear[m]["lda_energy"] for m in methods], "colors": colors,
         "threshold": (energy_threshold, f"{energy_threshold:g}"), "ylim": (0, 1.25)},
        {"title": "linear: max angle to the LDA span", "ylabel": "degrees", "labels": labels,
         "values": [linear[m]["max_angle_deg"] for m in methods], "colors": colors, "ylim": (0, 95),
         "zero_below": 1e-6},
        {"title": "non-parametric: max angle to classes", "ylabel": "degrees", "labels": labels,
         "values": [nonparametric[m]["max_angle_deg"] for m in methods], "colors": colors,
         "ylim": (0, 95), "zero_below": 1e-6},
    ], suptitle="Claim 1: label graph -> supervised solution (angles ~0: same subspace)")


# --------------------------------------------------------------------------- claim 2: low data


_LOW_DATA_STATEMENT = (
    "With the label graph, VICReg keeps within-class directions with variance 1 - (gamma/alpha) n_c, "
    "which vanish only when gamma/alpha >= 1/n_c: the fewer samples per class, the higher the "
    "invariance weight must be."
)


def low_data_regime(X, y, *, samples_per_class=(2, 4, 8, 16, 32), ratios=None, n_components=32,
                    n_test_per_class=None, repeats=3, relation_labels=None, tolerance=0.01,
                    slope_range=(-1.5, -0.5), max_factor=4.0, random_state=0):
    r"""Claim 2: in the low-data regime VICReg's invariance weight must be high.

    For every :math:`n_c` in ``samples_per_class`` and every ratio
    :math:`\gamma/\alpha` in ``ratios`` (variance = covariance = 1), ``repeats``
    random training sets of :math:`n_c` samples per class are drawn (disjoint
    from one fixed, balanced test set); linear VICReg is fitted on the label graph
    of each (``n_components`` capped at the rank of the centred training
    features) and evaluated out of sample with the scale-sensitive
    :func:`nearest_neighbour_probe` and with the standardised
    :func:`~spectral_ssl.experiments.probe.linear_probe`. The *best ratio* of an
    :math:`n_c` is the smallest ratio whose mean accuracy is within
    ``tolerance`` of the best one (the least invariance that reaches the top).

    The closed-form fact is checked directly on each training graph: a relation
    class of :math:`m_c` samples puts Laplacian eigenvalue :math:`m_c` on its
    :math:`m_c - 1` within-class contrasts, so the non-parametric optimum keeps
    all of them (rank :math:`K`) at :math:`\gamma/\alpha = 0.99/\max_c m_c` and
    drops all of them (rank :math:`C-1`) at :math:`\gamma/\alpha = 1/\min_c m_c`.
    With the label graph :math:`m_c = n_c`. The threshold :math:`1/m` of a row
    uses the mean relation class size :math:`m` (:math:`= n_c` for the label graph).

    **Rule.** Supported iff (i) those two non-parametric ranks are as stated for
    every :math:`n_c`, and (ii) for the 1-NN probe the least-squares slope of
    :math:`\log` best ratio against :math:`\log n_c` lies in ``slope_range``
    (default :math:`[-1.5, -0.5]`, around the predicted :math:`-1`), the best ratio
    at the smallest :math:`n_c` exceeds the one at the largest, and every best
    ratio is within a factor ``max_factor`` (4) of :math:`1/m` ("about
    :math:`1/n_c`"). The linear probe's best ratios are reported but not used:
    the probe standardises every direction, and within-class directions have
    equal class means on the probe's own training samples, so they cannot
    change its decisions.

    Parameters
    ----------
    X : array_like, shape (N, D)
    y : array_like, shape (N,)
    samples_per_class : sequence of int >= 2
        The :math:`n_c` values (training samples per class).
    ratios : sequence of float > 0, optional
        :math:`\gamma/\alpha`; default 13 values from 1/64 to 2, geometric.
    n_components : int
        :math:`K`.
    n_test_per_class : int, optional
        Default: what the largest :math:`n_c` leaves of the smallest class, at most 100.
    repeats : int >= 1
        Training sets per :math:`n_c` (accuracies are averaged).
    relation_labels : array_like, optional
        Labels of the relation graph (default ``y``). Coarser labels (e.g.
        pairs of classes merged) make the within-relation-class directions
        carry the evaluation labels: the claim should then fail.
    tolerance : float
        Accuracy tolerance of the best-ratio definition.
    slope_range : (float, float)
        Accepted range of the log-log slope.
    max_factor : float > 1
        Accepted factor between each best ratio and :math:`1/m`.
    random_state : None, int or numpy Generator

    Returns
    -------
    ClaimResult
        ``table``: one row per :math:`n_c` with ``relation_class_size``
        (:math:`m`), ``predicted_threshold`` (:math:`1/m`),
        ``exact_rank_below`` / ``exact_rank_at`` / ``exact_rank_expected``,
        ``linear_rank_drop_ratio`` (smallest ratio with mean linear rank
        :math:`\le C-1`), ``best_ratio_1nn``, ``best_accuracy_1nn``,
        ``accuracy_1nn_smallest_ratio``, ``best_ratio_linear``,
        ``best_accuracy_linear``. ``details["curves"]`` holds every accuracy.
    """
    started = time.perf_counter()
    X, y, C = _check_data(X, y)
    relation = _check_relation_labels(relation_labels, y)
    n_cs = sorted(set(_check_sequence(samples_per_class, "samples_per_class", low=2, integer=True)))
    if len(n_cs) < 2:
        raise ValueError("samples_per_class needs at least two different values to compare.")
    ratios = np.geomspace(1 / 64, 2.0, 13) if ratios is None else np.array(
        sorted(_check_sequence(ratios, "ratios")), dtype=np.float64)
    if np.any(ratios <= 0):
        raise ValueError("ratios must be > 0 (gamma / alpha).")
    n_components = _check_int(n_components, "n_components", 1)
    repeats = _check_int(repeats, "repeats", 1)
    tolerance = check_scalar(tolerance, name="tolerance", low=0.0)
    lo, hi = (float(v) for v in slope_range)
    if not lo < hi:
        raise ValueError(f"slope_range must be (low, high) with low < high, got {slope_range!r}.")
    max_factor = check_scalar(max_factor, name="max_factor", low=1.0, low_inclusive=False)
    rng = check_random_state(random_state)
    counts = np.bincount(y)
    if n_test_per_class is None:
        n_test_per_class = int(min(100, counts.min() - max(n_cs)))
    if n_test_per_class < 1 or n_test_per_class + max(n_cs) > counts.min():
        raise ValueError(
            f"the smallest class has {counts.min()} samples: not enough for {max(n_cs)} training and "
            f"{max(n_test_per_class, 1)} test sample(s) per class; lower samples_per_class or "
            f"n_test_per_class, or give more samples per class."
        )
    test = _per_class(y, np.arange(y.size), n_test_per_class, rng, name="n_test_per_class")
    pool = np.setdiff1d(np.arange(y.size), test)
    Xte, yte = X[test], y[test]

    acc_nn = np.zeros((len(n_cs), ratios.size))
    acc_lin = np.zeros((len(n_cs), ratios.size))
    ranks = np.zeros((len(n_cs), ratios.size))
    exact = []
    with single_threaded_blas():
        for a, n_c in enumerate(n_cs):
            for _ in range(repeats):
                train = _per_class(y, pool, n_c, rng, name="samples_per_class")
                Xtr, ytr = X[train], y[train]
                G = graphs.from_labels(relation[train])
                K = min(n_components, linalg.feature_rank(Xtr - Xtr.mean(axis=0)))
                for b, ratio in enumerate(ratios):
                    rep = vicreg.optimal_linear(Xtr, G, K, **_vicreg_hyper(ratio))
                    Ztr, Zte = rep.transform(Xtr), rep.transform(Xte)
                    acc_nn[a, b] += nearest_neighbour_probe(Ztr, ytr, Zte, yte) / repeats
                    acc_lin[a, b] += linear_probe(Ztr, ytr, Zte, yte) / repeats
                    ranks[a, b] += rep.rank / repeats
            # The exact threshold on the last training graph: class c of the relation (size m_c)
            # has Laplacian eigenvalue m_c on its m_c - 1 within-class contrasts.
            sizes = np.bincount(relation[train])
            sizes = sizes[sizes > 0]
            paired = sizes[sizes >= 2]
            K_exact = min(n_components, train.size - 1)
            below = vicreg.optimal_representation(G, K_exact, **_vicreg_hyper(0.99 / paired.max())).rank
            at = vicreg.optimal_representation(G, K_exact, **_vicreg_hyper(1.0 / paired.min())).rank
            exact.append((float(sizes.mean()), K_exact, min(K_exact, sizes.size - 1), below, at))

    def best(acc_row):
        return float(ratios[np.flatnonzero(acc_row >= acc_row.max() - tolerance)[0]])

    table = []
    best_nn = []
    for a, n_c in enumerate(n_cs):
        m, K_exact, expected_at, below, at = exact[a]
        dropped = np.flatnonzero(ranks[a] <= expected_at + 1e-9)
        row = {"n_c": n_c, "relation_class_size": m, "predicted_threshold": 1.0 / m,
               "exact_rank_below": int(below), "exact_rank_at": int(at),
               "exact_rank_expected": f"{K_exact} -> {expected_at}",
               "linear_rank_drop_ratio": float(ratios[dropped[0]]) if dropped.size else None,
               "best_ratio_1nn": best(acc_nn[a]), "best_accuracy_1nn": float(acc_nn[a].max()),
               "accuracy_1nn_smallest_ratio": float(acc_nn[a, 0]),
               "best_ratio_linear": best(acc_lin[a]), "best_accuracy_linear": float(acc_lin[a].max())}
        best_nn.append(row["best_ratio_1nn"])
        table.append(row)

    exact_ok = all(below == K_exact and at == expected_at for _, K_exact, expected_at, below, at in exact)
    slope = float(np.polyfit(np.log(n_cs), np.log(best_nn), 1)[0])
    slope_linear = float(np.polyfit(np.log(n_cs), np.log([r["best_ratio_linear"] for r in table]), 1)[0])
    grows = best_nn[0] > best_nn[-1]
    factors = [max(b * m, 1.0 / (b * m)) for b, (m, *_rest) in zip(best_nn, exact)]
    near = max(factors) <= max_factor
    supported = exact_ok and lo <= slope <= hi and grows and near
    rule = (f"(i) exact: non-parametric rank K at 0.99/max(m_c) and C-1 at 1/min(m_c) (relation class "
            f"sizes m_c; = n_c for the label graph) for every n_c; "
            f"(ii) 1-NN probe: slope of log(best ratio) vs log(n_c) in [{lo:g}, {hi:g}] and best ratio "
            f"at the smallest n_c > at the largest, every best ratio within a factor {max_factor:g} of "
            f"1/m (best ratio = smallest ratio within {tolerance:g} of the top accuracy)")
    bests = ", ".join(f"n_c={n}: {b:.3g}" for n, b in zip(n_cs, best_nn))
    linear_bests = ", ".join(f"{row['best_ratio_linear']:.3g}" for row in table)
    summary = (f"Exact threshold {'confirmed' if exact_ok else 'NOT confirmed'} for every n_c. "
               f"1-NN best ratio {bests}; log-log slope {slope:.2f} (theory -1); largest factor "
               f"from 1/m {max(factors):.2g}. "
               f"Linear-probe best ratios {linear_bests} (log-log slope {slope_linear:.2f}; "
               f"this probe standardises away the scales t_k).")
    figures = {"accuracy_vs_ratio": _low_data_figure(n_cs, ratios, acc_nn, acc_lin, table, exact, C)}
    return ClaimResult(name="low_data_regime", statement=_LOW_DATA_STATEMENT, rule=rule,
                       supported=bool(supported), table=table, figures=figures, summary=summary,
                       details={"ratios": ratios.tolist(), "accuracy_1nn": acc_nn.tolist(),
                                "accuracy_linear": acc_lin.tolist(), "mean_rank": ranks.tolist(),
                                "slope_1nn": slope, "slope_linear": slope_linear, "max_factor_from_1_over_nc": max(factors),
                                "exact_threshold_confirmed": exact_ok},
                       elapsed=time.perf_counter() - started)


def _low_data_figure(n_cs, ratios, acc_nn, acc_lin, table, exact, C):
    from .. import plotting

    panels = []
    for title, acc, key in (("1-NN probe (raw scales)", acc_nn, "best_ratio_1nn"),
                            ("linear probe (standardised)", acc_lin, "best_ratio_linear")):
        curves, vlines = [], []
        for a, n_c in enumerate(n_cs):
            color = f"C{a % 10}"
            curves.append({"label": f"$n_c$ = {n_c}", "x": ratios, "y": acc[a], "color": color,
                           "highlight": table[a][key]})
            vlines.append({"x": 1.0 / exact[a][0], "color": color, "label": None})
        panels.append({"title": title, "ylabel": "held-out accuracy", "curves": curves,
                       "vlines": vlines, "hline": (1.0 / C, "chance"), "ylim": (0, 1.02)})
    return plotting.sweep_figure(
        panels, xlabel=r"invariance / variance  $\gamma/\alpha$", log_x=True,
        suptitle=r"Claim 2: VICReg (linear, label graph); dotted: $1/m$ (class size $m$), star: best ratio",
        legend_title="samples per class")


# --------------------------------------------------------------------------- claim 3: misaligned


_MISALIGNED_STATEMENT = (
    "With a relation misaligned with the downstream labels, VICReg with a small invariance weight "
    "should be preferred (arXiv: over SimCLR and Barlow Twins; NeurIPS camera-ready: Barlow Twins "
    "or VICReg with a small invariance weight)."
)


def misaligned_graph(X, y, *, fractions=(0.0, 0.25, 0.5, 0.75, 1.0), n_train_per_class=None,
                     n_test_per_class=None, n_views=2, view_options=None, n_components=32,
                     small_invariance=0.01, large_invariance=1.0, temperature=0.5,
                     misaligned_from=0.5, margin=0.02, repeats=5, random_state=0):
    r"""Claim 3: which method keeps label information when the relation contradicts the labels.

    ``n_views`` augmented views of the training samples are stacked
    (:func:`spectral_ssl.graphs.make_views`, ``view_options``); the relation is
    the label graph of the views (positives: any two views of the same class,
    including the sibling views), then a fraction of its edges is moved across
    classes by :func:`spectral_ssl.graphs.rewire`. For every fraction, the linear
    optima (``n_components`` = :math:`K`) of

    * VICReg with a small and with a large invariance weight
      (:math:`\gamma/\alpha` = ``small_invariance`` / :math:`\bar d` and
      ``large_invariance`` / :math:`\bar d`, :math:`\bar d` the mean degree, so the
      weights mean the same for every graph; ``large_invariance = 1`` is the
      value that removes the within-class directions of an aligned label graph),
    * Barlow Twins (whitened CCA, ``centered=True``),
    * SimCLR (numerical, one start from the LPP directions, ``temperature``),
    * spectral contrastive (reported, not part of the readings),

    are fitted on the views and evaluated out of sample (training images and
    held-out images mapped by ``transform``) with the linear probe (the verdict)
    and the 1-NN probe (reported); their rank is recorded.

    **Rule.** Average the linear-probe accuracy over the misaligned fractions
    (``>= misaligned_from``, default 0.5: at least half of the positive pairs
    cross classes): :math:`a_{small}, a_{large}, a_{BT}, a_{SimCLR}`. With
    ``margin`` (0.02, about one standard error of a probe on a few hundred test
    samples):

    * arXiv reading supported iff :math:`a_{small} \ge \max(a_{SimCLR}, a_{BT}, a_{large}) + m`;
    * camera-ready reading supported iff
      :math:`\min(a_{small}, a_{BT}) \ge \max(a_{SimCLR}, a_{large}) + m`.

    ``supported`` is True iff at least one reading is; ``details["reading"]``
    names it (``"arXiv"`` when both hold, the stronger statement) or ``"neither"``.

    Parameters
    ----------
    X : array_like, shape (N, D)
    y : array_like, shape (N,)
    fractions : sequence of float in [0, 1]
        Fractions of edges rewired.
    n_train_per_class : int, optional
        Default: ``128 // C`` (so ``n_views = 2`` gives the paper's 256 rows).
    n_test_per_class : int, optional
        Default: every remaining sample of the smallest class, at most 150.
    n_views : int >= 2
    view_options : dict, optional
        Keyword arguments of :func:`~spectral_ssl.graphs.make_views`
        (default: ``{"augment": ("noise",), "noise_scale": 0.1}``; images want
        ``{"augment": ("shift", "noise"), "image_shape": (8, 8)}``).
    n_components : int
        :math:`K` (capped at the rank of the centred views).
    small_invariance, large_invariance : float > 0
        :math:`\gamma/\alpha` in units of :math:`1/\bar d`.
    temperature : float
        SimCLR's :math:`\tau`.
    misaligned_from : float
        Fractions at or above it are averaged by the rule.
    margin : float
    repeats : int >= 1
        Independent draws of the training samples, their views and the
        rewiring (the test set is fixed); accuracies and ranks are averaged.
    random_state : None, int or numpy Generator

    Returns
    -------
    ClaimResult
        ``table``: one row per (fraction, method) with ``within_class_edges``
        (fraction of the rewired graph's edges inside a class),
        ``probe_accuracy``, ``accuracy_1nn``, ``rank`` (means over ``repeats``).
    """
    started = time.perf_counter()
    X, y, C = _check_data(X, y)
    fractions = sorted(set(_check_sequence(fractions, "fractions", low=0.0, high=1.0)))
    misaligned_from = check_scalar(misaligned_from, name="misaligned_from", low=0.0, high=1.0)
    if not any(f >= misaligned_from for f in fractions):
        raise ValueError(
            f"no fraction is >= misaligned_from={misaligned_from:g}; add one (e.g. 1.0) so the rule "
            f"has misaligned graphs to average over."
        )
    n_views = _check_int(n_views, "n_views", 2)
    n_components = _check_int(n_components, "n_components", 1)
    small = check_scalar(small_invariance, name="small_invariance", low=0.0, low_inclusive=False)
    large = check_scalar(large_invariance, name="large_invariance", low=0.0, low_inclusive=False)
    if not small < large:
        raise ValueError(f"small_invariance ({small:g}) must be smaller than large_invariance ({large:g}).")
    temperature = check_scalar(temperature, name="temperature", low=0.0, low_inclusive=False)
    margin = check_scalar(margin, name="margin", low=0.0)
    view_options = {"augment": ("noise",), "noise_scale": 0.1} if view_options is None else dict(view_options)
    rng = check_random_state(random_state)
    counts = np.bincount(y)
    if n_train_per_class is None:
        n_train_per_class = max(2, 128 // C)
    if n_test_per_class is None:
        n_test_per_class = int(min(150, counts.min() - n_train_per_class))
    repeats = _check_int(repeats, "repeats", 1)
    n_train_per_class = _check_int(n_train_per_class, "n_train_per_class", 2)
    test = _per_class(y, np.arange(y.size), _check_int(n_test_per_class, "n_test_per_class", 1), rng,
                      name="n_test_per_class")
    pool = np.setdiff1d(np.arange(y.size), test)
    Xte, yte = X[test], y[test]

    methods = {
        "vicreg_small": ("vicreg", f"VICReg small inv ({small:g}/d)"),
        "vicreg_large": ("vicreg", f"VICReg large inv ({large:g}/d)"),
        "barlow_twins": ("barlow_twins", "Barlow Twins (CCA)"),
        "simclr": ("simclr", "SimCLR"),
        "spectral_contrastive": ("spectral_contrastive", "spectral contrastive"),
    }
    shape = (len(fractions), repeats)
    acc = {key: np.zeros(shape) for key in methods}
    acc_nn = {key: np.zeros(shape) for key in methods}
    rank = {key: np.zeros(shape) for key in methods}
    within = np.zeros(shape)
    with single_threaded_blas():
        for r in range(repeats):
            train = _per_class(y, pool, n_train_per_class, rng, name="n_train_per_class")
            Xtr, ytr = X[train], y[train]
            views, groups = graphs.make_views(Xtr, n_views, random_state=rng, **view_options)
            y_views = ytr[groups]
            G0 = graphs.from_labels(y_views)
            K = min(n_components, linalg.feature_rank(views - views.mean(axis=0)))
            for i, fraction in enumerate(fractions):
                G = graphs.rewire(G0, y_views, fraction, random_state=rng)
                edges = G.tocoo()
                within[i, r] = float(np.mean(y_views[edges.row] == y_views[edges.col]))
                d_bar = _mean_degree(G)
                solvers = {
                    "vicreg_small": lambda: vicreg.optimal_linear(views, G, K, **_vicreg_hyper(small / d_bar)),
                    "vicreg_large": lambda: vicreg.optimal_linear(views, G, K, **_vicreg_hyper(large / d_bar)),
                    "barlow_twins": lambda: barlow_twins.optimal_linear(views, G, K, centered=True),
                    "simclr": lambda: simclr.optimal_linear(views, G, K, temperature=temperature,
                                                            restarts=1, max_iter=1000, random_state=rng),
                    "spectral_contrastive": lambda: spectral_contrastive.optimal_linear(views, G, K),
                }
                for key, solve in solvers.items():
                    rep = solve()
                    Ztr, Zte = rep.transform(Xtr), rep.transform(Xte)
                    acc[key][i, r] = linear_probe(Ztr, ytr, Zte, yte)
                    acc_nn[key][i, r] = nearest_neighbour_probe(Ztr, ytr, Zte, yte)
                    rank[key][i, r] = rep.rank
    acc = {key: v.mean(axis=1) for key, v in acc.items()}
    acc_nn = {key: v.mean(axis=1) for key, v in acc_nn.items()}
    rank = {key: v.mean(axis=1) for key, v in rank.items()}
    table = [{"fraction": fraction, "within_class_edges": float(within[i].mean()),
              "method": methods[key][1], "probe_accuracy": float(acc[key][i]),
              "accuracy_1nn": float(acc_nn[key][i]), "rank": float(rank[key][i])}
             for i, fraction in enumerate(fractions) for key in methods]

    sel = [i for i, f in enumerate(fractions) if f >= misaligned_from]
    mean = {key: float(np.mean([acc[key][i] for i in sel])) for key in methods}
    a_s, a_l, a_bt, a_sc = mean["vicreg_small"], mean["vicreg_large"], mean["barlow_twins"], mean["simclr"]
    arxiv = a_s >= max(a_sc, a_bt, a_l) + margin
    camera = min(a_s, a_bt) >= max(a_sc, a_l) + margin
    reading = "arXiv" if arxiv else ("camera-ready" if camera else "neither")
    supported = arxiv or camera
    rule = (f"mean linear-probe accuracy over fractions >= {misaligned_from:g}; arXiv reading: "
            f"VICReg-small >= max(SimCLR, Barlow Twins, VICReg-large) + {margin:g}; camera-ready "
            f"reading: min(VICReg-small, Barlow Twins) >= max(SimCLR, VICReg-large) + {margin:g}; "
            f"supported iff either holds")
    summary = (f"Mean accuracy at fractions >= {misaligned_from:g}: VICReg small {a_s:.3f}, VICReg large "
               f"{a_l:.3f}, Barlow Twins {a_bt:.3f}, SimCLR {a_sc:.3f} (spectral contrastive "
               f"{mean['spectral_contrastive']:.3f}); reading supported: {reading}. "
               f"{views.shape[0]} view rows, K={K}, {len(test)} test samples, {repeats} repeat(s).")
    figures = {"accuracy_rank_vs_fraction": _misaligned_figure(fractions, methods, acc, acc_nn, rank, C, K)}
    return ClaimResult(name="misaligned_graph", statement=_MISALIGNED_STATEMENT, rule=rule,
                       supported=bool(supported), table=table, figures=figures, summary=summary,
                       details={"reading": reading, "arxiv_reading": bool(arxiv),
                                "camera_ready_reading": bool(camera), "mean_accuracy": mean},
                       elapsed=time.perf_counter() - started)


def _misaligned_figure(fractions, methods, acc, acc_nn, rank, C, K):
    from .. import plotting

    colors = {"vicreg_small": "C0", "vicreg_large": "C9", "barlow_twins": "C1", "simclr": "C3",
              "spectral_contrastive": "C2"}
    styles = {"vicreg_large": "--", "spectral_contrastive": ":"}

    def curves(values):
        return [{"label": label, "x": fractions, "y": values[key], "color": colors[key],
                 "linestyle": styles.get(key, "-")} for key, (_, label) in methods.items()]

    return plotting.sweep_figure([
        {"title": "linear probe (verdict)", "ylabel": "held-out accuracy", "curves": curves(acc),
         "hline": (1.0 / C, "chance"), "ylim": (0, 1.02)},
        {"title": "1-NN probe", "ylabel": "held-out accuracy", "curves": curves(acc_nn),
         "hline": (1.0 / C, "chance"), "ylim": (0, 1.02)},
        {"title": "rank of the optimum", "ylabel": "rank", "curves": curves(rank),
         "ylim": (0, K * 1.1)},
    ], xlabel="fraction of positive pairs rewired across classes",
        suptitle="Claim 3: misaligned relation (label graph of views, rewired)")


# --------------------------------------------------------------------------- claim 4: local / global


_LOCAL_GLOBAL_STATEMENT = (
    "Contrastive methods (SimCLR, spectral contrastive) fit all pairwise similarities and so recover "
    "the global geometry (MDS / ISOMAP-like); non-contrastive methods (VICReg, Barlow Twins) only "
    "penalise positive pairs plus dimension statistics and so are local (Laplacian-Eigenmaps-like)."
)


def local_vs_global(X=None, reference=None, *, relation="knn", n_samples=500, n_neighbors=6,
                    bandwidth=None, n_components=3, temperature=0.5, invariance=1e-3, margin=0.05,
                    trust_neighbors=10, color=None, random_state=0):
    r"""Claim 4: contrastive optima are global, non-contrastive optima local.

    Non-parametric optima with ``n_components`` = :math:`K` dimensions for the
    relation built from ``X``: VICReg (Laplacian Eigenmaps, variance = covariance
    = 1, small ``invariance``), Barlow Twins (numerical, uncentred), spectral
    contrastive (:math:`K+1` columns: its optimum always holds the constant
    column, which no distance sees) and SimCLR (numerical, on the sphere
    :math:`S^{K-1}`, ``temperature``). Measured against the ``reference``
    geometry:

    * local: :func:`sklearn.manifold.trustworthiness` with ``trust_neighbors``
      neighbours;
    * global: Spearman correlation between all pairwise Euclidean distances of
      the representation (chord distances for SimCLR's unit rows) and those of
      ``reference``.

    Default data: :func:`~spectral_ssl.experiments.datasets.swiss_roll` with
    ``n_samples`` points, reference = its exact intrinsic coordinates
    (arc length, height), so the global score compares with true geodesic distances.
    As a check on the relation itself, the summary reports the Spearman
    correlation of the kNN graph's shortest-path distances with the reference
    (a low value means the kNN graph short-circuits between layers).

    **Rule.** Supported iff the mean global score of the contrastive methods
    exceeds that of the non-contrastive methods by at least ``margin`` (0.05).
    Trustworthiness is reported for the "local" half of the claim but not used
    (a local method should not be *better* locally, only worse globally).

    Parameters
    ----------
    X : array_like, shape (N, D), optional
        Inputs the relation is built from (default: the swiss roll).
    reference : array_like, shape (N, d), optional
        Coordinates whose distances are the ground truth (default: ``X``, or
        the roll's intrinsic coordinates when ``X`` is None).
    relation : {"knn", "gaussian"}
        :func:`~spectral_ssl.graphs.knn` with ``n_neighbors`` (the kNN relation of
        NNCLR-style methods), or a dense :func:`~spectral_ssl.graphs.gaussian`
        relation with ``bandwidth`` (default: :math:`\sqrt\tau` times the root
        mean square distance of ``X`` to its mean, for which SimCLR's MDS
        target is of the size of the sphere).
    n_samples : int
        Swiss roll size (when ``X`` is None).
    n_neighbors : int
    bandwidth : float, optional
    n_components : int >= 2
    temperature : float
    invariance : float
        VICReg's :math:`\gamma/\alpha` (small: every direction kept).
    margin : float
    trust_neighbors : int
    color : array_like, shape (N,), optional
        Colouring of the embedding figure (default: first reference coordinate).
    random_state : None, int or numpy Generator

    Returns
    -------
    ClaimResult
        ``table``: one row per method with ``family``, ``trustworthiness``,
        ``global_spearman``, ``rank``, ``exact``.
    """
    from scipy.spatial.distance import pdist
    from scipy.stats import spearmanr
    from sklearn.manifold import trustworthiness

    started = time.perf_counter()
    rng = check_random_state(random_state)
    if relation not in ("knn", "gaussian"):
        raise ValueError(f"relation must be 'knn' or 'gaussian'; got {relation!r}.")
    if X is None:
        X, intrinsic = swiss_roll(_check_int(n_samples, "n_samples", 10), random_state=rng)
        reference = intrinsic if reference is None else reference
        data_name = "swiss roll"
    else:
        data_name = "data"
    X = check_features(X, name="X")
    reference = X if reference is None else check_features(reference, name="reference",
                                                             n_samples=X.shape[0])
    N = X.shape[0]
    K = _check_int(n_components, "n_components", 2)
    n_neighbors = _check_int(n_neighbors, "n_neighbors", 1)
    trust_neighbors = _check_int(trust_neighbors, "trust_neighbors", 1)
    if trust_neighbors >= N / 2:
        raise ValueError(f"trust_neighbors must be < N/2 = {N / 2:g}, got {trust_neighbors}.")
    temperature = check_scalar(temperature, name="temperature", low=0.0, low_inclusive=False)
    invariance = check_scalar(invariance, name="invariance", low=0.0)
    margin = check_scalar(margin, name="margin", low=0.0)
    if relation == "knn":
        G = graphs.knn(X, n_neighbors)
        relation_text = f"kNN relation (k={n_neighbors})"
    else:
        if bandwidth is None:
            bandwidth = math.sqrt(temperature) * math.sqrt(float(np.mean(np.sum((X - X.mean(0)) ** 2, 1))))
        G = graphs.gaussian(X, bandwidth)
        relation_text = f"Gaussian relation (bandwidth {bandwidth:.3g})"
    reference_distances = pdist(reference)

    with single_threaded_blas():
        reps = {
            "vicreg": vicreg.optimal_representation(G, K, **_vicreg_hyper(invariance)),
            "barlow_twins": barlow_twins.optimal_representation(G, K, restarts=1, random_state=rng),
            "spectral_contrastive": spectral_contrastive.optimal_representation(G, K + 1),
            "simclr": simclr.optimal_representation(G, K, temperature=temperature, restarts=2,
                                                    max_iter=3000, random_state=rng),
        }
    family = {"vicreg": "non-contrastive", "barlow_twins": "non-contrastive",
              "spectral_contrastive": "contrastive", "simclr": "contrastive"}
    table, scores = [], {}
    for method, rep in reps.items():
        Z = rep.Z
        trust = float(trustworthiness(reference, Z, n_neighbors=trust_neighbors))
        rho = float(spearmanr(pdist(Z), reference_distances)[0])
        scores[method] = (trust, rho)
        table.append({"method": METHOD_LABELS[method], "family": family[method],
                      "trustworthiness": trust, "global_spearman": rho, "rank": int(rep.rank),
                      "exact": bool(rep.exact)})
    mean_c = float(np.mean([scores[m][1] for m in family if family[m] == "contrastive"]))
    mean_nc = float(np.mean([scores[m][1] for m in family if family[m] == "non-contrastive"]))
    trust_c = float(np.mean([scores[m][0] for m in family if family[m] == "contrastive"]))
    trust_nc = float(np.mean([scores[m][0] for m in family if family[m] == "non-contrastive"]))
    supported = mean_c - mean_nc >= margin

    graph_check = None
    if relation == "knn":
        import scipy.sparse as sp
        from scipy.sparse.csgraph import shortest_path

        coo = G.tocoo()
        lengths = np.linalg.norm(X[coo.row] - X[coo.col], axis=1)
        W = sp.csr_matrix((lengths, (coo.row, coo.col)), shape=G.shape)
        geodesic = shortest_path(W, directed=False)[np.triu_indices(N, 1)]
        finite = np.isfinite(geodesic)
        graph_check = float(spearmanr(geodesic[finite], reference_distances[finite])[0])

    rule = (f"mean global Spearman (pairwise distances vs reference) of the contrastive methods >= "
            f"that of the non-contrastive methods + {margin:g}")
    summary = (f"{data_name}, N={N}, {relation_text}, K={K}. Global Spearman: contrastive mean "
               f"{mean_c:.3f} (SimCLR {scores['simclr'][1]:.3f}, spectral contrastive "
               f"{scores['spectral_contrastive'][1]:.3f}) vs non-contrastive mean {mean_nc:.3f} "
               f"(VICReg {scores['vicreg'][1]:.3f}, Barlow Twins {scores['barlow_twins'][1]:.3f}); "
               f"difference {mean_c - mean_nc:+.3f}. Trustworthiness: contrastive {trust_c:.3f}, "
               f"non-contrastive {trust_nc:.3f}."
               + (f" kNN-graph geodesics vs reference: Spearman {graph_check:.3f}."
                  if graph_check is not None else ""))
    figures = _local_global_figures(reps, scores, reference if color is None else None,
                                    color, data_name, relation_text)
    return ClaimResult(name="local_vs_global", statement=_LOCAL_GLOBAL_STATEMENT, rule=rule,
                       supported=bool(supported), table=table, figures=figures, summary=summary,
                       dataset=data_name if data_name == "swiss roll" else "",
                       details={"global_difference": mean_c - mean_nc, "graph_geodesic_spearman": graph_check,
                                "relation": relation},
                       elapsed=time.perf_counter() - started)


def _local_global_figures(reps, scores, reference, color, data_name, relation_text):
    from .. import plotting

    if color is None:
        color = reference[:, 0]
        categorical = False
        label = "first reference coordinate"
    else:
        color = np.asarray(color)
        categorical = color.dtype.kind in "iub"
        label = "label" if categorical else "colour"
    if data_name == "swiss roll":
        label = "arc length along the roll"
    embeddings = {f"{METHOD_LABELS[m]}\ntrust {scores[m][0]:.3f}, global {scores[m][1]:.3f}": rep.Z
                  for m, rep in reps.items()}
    family = {"vicreg": "non-contr.", "barlow_twins": "non-contr.", "spectral_contrastive": "contr.",
              "simclr": "contr."}
    labels = [f"{METHOD_LABELS[m]} ({family[m]})" for m in reps]
    colors = [_COLORS[m] for m in reps]
    return {
        "embeddings": plotting.embeddings_figure(
            embeddings, color, color_label=label, categorical=categorical,
            suptitle=f"Claim 4: non-parametric optima on the {data_name}, {relation_text}"),
        "scores": plotting.bars_figure([
            {"title": "local: trustworthiness", "ylabel": "trustworthiness", "labels": labels,
             "values": [scores[m][0] for m in reps], "colors": colors, "ylim": (0, 1.05)},
            {"title": "global: Spearman of distances", "ylabel": "Spearman correlation",
             "labels": labels, "values": [scores[m][1] for m in reps], "colors": colors,
             "ylim": (0, 1.05)},
        ], suptitle=f"Claim 4: {data_name}, {relation_text}"),
    }


# --------------------------------------------------------------------------- claim 5: rank collapse


_RANK_STATEMENT = (
    "The rank of each optimum is set by the relation's spectrum and the hyper-parameters: VICReg keeps "
    "the directions with lambda_k < alpha/gamma, with singular values sqrt(N t_k), "
    "t_k = max(0, 1 - (gamma/alpha) lambda_k); SimCLR collapses C equal cliques to rank C - 1 and "
    "spectral contrastive keeps the positive eigenvalues of D^-1/2 G D^-1/2."
)


def theorem_scales(eigenvalues, variance, covariance, invariance):
    r"""VICReg's predicted per-direction variances :math:`t_k` (the paper's theorem).

    :math:`\beta \ge \alpha`: :math:`t_k = \max(0, 1 - \tfrac{\gamma}{\alpha}\lambda_k)`;
    :math:`\beta < \alpha`: water-filling
    (:func:`spectral_ssl.methods.vicreg.optimal_scales`).
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if covariance >= variance:
        return np.maximum(0.0, 1.0 - (invariance / variance) * lam)
    return vicreg.optimal_scales(lam, variance=variance, covariance=covariance, invariance=invariance)


def _lbfgs(objective, start, max_iter):
    return scipy.optimize.minimize(objective, start.ravel(), jac=True, method="L-BFGS-B",
                                   options={"maxiter": max_iter, "maxfun": 2 * max_iter,
                                            "ftol": 1e-15, "gtol": 1e-10, "maxcor": 30})


def _numerical_minimum(module, G, K, hyper, rng, max_iter):
    """Minimise ``module``'s exact loss over Z (N x K) from a standard normal start."""
    G = graphs.check(G)
    N = G.shape[0]

    def objective(flat):
        value, grad = module.loss_and_gradient(flat.reshape(N, K), G, **hyper)
        return value, np.asarray(grad).ravel()

    res = _lbfgs(objective, rng.standard_normal((N, K)), max_iter)
    return res.x.reshape(N, K), float(res.fun)


def rank_collapse(X, y=None, *, G=None, n_neighbors=10, n_components=32, target_ranks=None,
                  covariance_below=25.0, temperatures=(0.2, 1.0), clique_samples_per_class=8,
                  predict_scales=None, rank_rtol=1e-3, scale_atol=1e-3, max_iter=20000,
                  random_state=0):
    r"""Claim 5: rank and singular values of each optimum against the hyper-parameters.

    **VICReg.** On the relation ``G`` (default: the kNN graph of ``X``,
    ``n_neighbors``), with Laplacian eigenvalues :math:`\lambda_1 \le \dots \le \lambda_K`,
    the invariance ratio :math:`\gamma/\alpha` (variance = covariance = 1) is placed
    half-way between consecutive eigenvalues so that the predicted rank
    :math:`\#\{k: \lambda_k < \alpha/\gamma\}` takes each value of ``target_ranks``
    (default :math:`K, 3K/4, K/2, K/4, 1, 0`). For each setting the exact loss is
    minimised **numerically** (L-BFGS on :math:`Z`, standard normal start; no
    closed form involved) and its centred singular values are compared with the
    prediction :math:`\sqrt{N t_k}`, :math:`t_k` from ``predict_scales``
    (default :func:`theorem_scales`). One extra setting uses
    variance = ``covariance_below`` > covariance = 1 (the water-filling case).

    **SimCLR and spectral contrastive.** On the label graph of
    ``clique_samples_per_class`` samples per class (``C`` equal cliques), the
    numerical optimum of SimCLR at each of ``temperatures`` (``solver="numerical"``)
    must have rank :math:`C-1` (Theorem 3) and the numerical optimum of the spectral
    contrastive loss rank :math:`\#\{\nu_k > 0\} = C`, both with
    :math:`K = \min(` ``n_components`` :math:`, N)`.

    Measured rank: singular values of the centred numerical optimum above
    ``rank_rtol`` times :math:`\sqrt N` (VICReg, spectral contrastive) or above
    ``rank_rtol`` times the largest (SimCLR's unit rows).

    **Rule.** Supported iff every measured rank equals its prediction, every
    VICReg singular value is within ``scale_atol`` :math:`\sqrt N` of
    :math:`\sqrt{N t_k}`, and no numerical VICReg minimum is lower than the
    closed form's loss by more than :math:`10^{-8}\max(1, |\mathcal L|)`.

    Parameters
    ----------
    X : array_like, shape (N, D)
    y : array_like, shape (N,), optional
        Labels for the SimCLR / spectral contrastive clique check (skipped without them).
    G : relation graph, optional
        VICReg's relation (default: ``graphs.knn(X, n_neighbors)``).
    n_neighbors : int
    n_components : int
        :math:`K`.
    target_ranks : sequence of int, optional
    covariance_below : float
        Variance weight of the water-filling setting (must exceed 1).
    temperatures : sequence of float > 0
    clique_samples_per_class : int >= 2
    predict_scales : callable, optional
        ``predict_scales(eigenvalues, variance, covariance, invariance) -> t``;
        replace it to test another prediction (a wrong one must fail the rule).
    rank_rtol, scale_atol : float
    max_iter : int
        L-BFGS iterations per numerical minimisation.
    random_state : None, int or numpy Generator

    Returns
    -------
    ClaimResult
        ``table``: one row per setting with ``method``, ``setting``,
        ``predicted_rank``, ``measured_rank``, ``closed_form_rank``,
        ``max_scale_error`` (VICReg, in units of :math:`\sqrt N`),
        ``loss_gap`` (closed form minus numerical; VICReg).
    """
    started = time.perf_counter()
    X = check_features(X, name="X")
    rng = check_random_state(random_state)
    predict = theorem_scales if predict_scales is None else predict_scales
    if not callable(predict):
        raise TypeError(f"predict_scales must be callable (eigenvalues, variance, covariance, invariance) -> t, "
                        f"got {predict_scales!r}.")
    G = graphs.knn(X, _check_int(n_neighbors, "n_neighbors", 1)) if G is None else graphs.check(G)
    if G.shape[0] != X.shape[0]:
        raise ValueError(f"G has {G.shape[0]} samples but X has {X.shape[0]} rows.")
    N = G.shape[0]
    K = min(_check_int(n_components, "n_components", 1), N - 1)
    covariance_below = check_scalar(covariance_below, name="covariance_below", low=1.0, low_inclusive=False)
    temperatures = _check_sequence(temperatures, "temperatures")
    if any(t <= 0 for t in temperatures):
        raise ValueError("temperatures must be > 0.")
    rank_rtol = check_scalar(rank_rtol, name="rank_rtol", low=0.0, low_inclusive=False)
    scale_atol = check_scalar(scale_atol, name="scale_atol", low=0.0, low_inclusive=False)
    max_iter = _check_int(max_iter, "max_iter", 1)
    lam, _ = linalg.laplacian_eigenpairs(G, K)
    lam = np.maximum(lam, 0.0)
    if target_ranks is None:
        target_ranks = sorted({K, (3 * K) // 4, K // 2, K // 4, 1, 0}, reverse=True)
    target_ranks = _check_sequence(target_ranks, "target_ranks", low=0, high=K, integer=True)

    settings = []
    for r in target_ranks:
        if r == K:
            ratio = 0.5 / lam[K - 1] if lam[K - 1] > 0 else 1e-3
        elif r == 0:
            if lam[0] <= 0:
                continue  # disconnected graph: a zero eigenvalue can never be cut
            ratio = 1.5 / lam[0]
        else:
            if lam[r] <= lam[r - 1] * (1 + 1e-9):
                continue  # degenerate pair: no ratio separates them
            ratio = 2.0 / (lam[r - 1] + lam[r])
        settings.append(({"variance": 1.0, "covariance": 1.0, "invariance": ratio},
                         f"inv/var = {ratio:.3g}"))
    middle = 2.0 / (lam[K // 2 - 1] + lam[K // 2]) if K >= 2 else 1.0
    settings.append(({"variance": covariance_below, "covariance": 1.0,
                      "invariance": covariance_below * middle},
                     f"var={covariance_below:g} > cov=1, inv/var = {middle:.3g}"))

    table, series, rank_points = [], [], []
    all_ok = True
    with single_threaded_blas():
        for hyper, label in settings:
            full = dict(hyper, variance_kind="square", eps=1e-4)
            t = np.clip(np.asarray(predict(lam, hyper["variance"], hyper["covariance"],
                                           hyper["invariance"]), dtype=np.float64), 0.0, None)
            predicted = np.sort(np.sqrt(N * t))[::-1]
            predicted_rank = int(np.sum(t > 0))
            closed = vicreg.optimal_representation(G, K, **hyper)
            Z, value = _numerical_minimum(vicreg, G, K, full, rng, max_iter)
            s = np.linalg.svd(Z - Z.mean(axis=0), compute_uv=False)
            measured_rank = int(np.sum(s > rank_rtol * math.sqrt(N)))
            error = float(np.max(np.abs(s - predicted)) / math.sqrt(N))
            gap = float(closed.loss - value)
            ok = (measured_rank == predicted_rank and error <= scale_atol
                  and gap <= 1e-8 * max(1.0, abs(value)))
            all_ok &= ok
            table.append({"method": "VICReg", "setting": label, "predicted_rank": predicted_rank,
                          "measured_rank": measured_rank, "closed_form_rank": int(closed.rank),
                          "max_scale_error": error, "loss_gap": gap, "agrees": ok})
            series.append({"label": f"{label} (rank {measured_rank})", "measured": s,
                           "predicted": predicted})
            if hyper["variance"] == hyper["covariance"]:
                rank_points.append((hyper["invariance"], measured_rank, predicted_rank))

        if y is not None:
            y = np.asarray(y)
            if y.shape != (X.shape[0],):
                raise ValueError(f"y must have one label per row of X ({X.shape[0]}), got shape {y.shape}.")
            codes = np.unique(y, return_inverse=True)[1]
            m = _check_int(clique_samples_per_class, "clique_samples_per_class", 2)
            members = _per_class(codes, np.arange(codes.size), m, rng, name="clique_samples_per_class")
            C = np.unique(codes).size
            Gc = graphs.from_labels(codes[members])
            Kc = min(K, members.size)
            for tau in temperatures:
                rep = simclr.optimal_representation(Gc, Kc, temperature=tau, solver="numerical",
                                                    restarts=2, random_state=rng, max_iter=3000)
                s = np.linalg.svd(rep.Z, compute_uv=False)
                measured_rank = int(np.sum(s > rank_rtol * s.max()))
                ok = measured_rank == C - 1
                all_ok &= ok
                table.append({"method": "SimCLR", "setting": f"{C} cliques of {m}, tau = {tau:g}",
                              "predicted_rank": C - 1, "measured_rank": measured_rank,
                              "closed_form_rank": int(simclr.optimal_representation(
                                  Gc, Kc, temperature=tau).rank),
                              "max_scale_error": None, "loss_gap": None, "agrees": ok})
            Ks = min(K, members.size - 1)
            Z, _ = _numerical_minimum(spectral_contrastive, Gc, Ks, {}, rng, max_iter)
            s = np.linalg.svd(Z, compute_uv=False)
            measured_rank = int(np.sum(s > rank_rtol * math.sqrt(Gc.shape[0])))
            predicted_rank = min(C, Ks)
            ok = measured_rank == predicted_rank
            all_ok &= ok
            table.append({"method": "spectral contrastive", "setting": f"{C} cliques of {m}",
                          "predicted_rank": predicted_rank, "measured_rank": measured_rank,
                          "closed_form_rank": int(spectral_contrastive.optimal_representation(Gc, Ks).rank),
                          "max_scale_error": None, "loss_gap": None, "agrees": ok})

    rule = (f"every measured rank (numerical minimum of the exact loss, singular values > "
            f"{rank_rtol:g} sqrt(N)) equals the prediction; VICReg singular values within "
            f"{scale_atol:g} sqrt(N) of sqrt(N t_k); no numerical minimum below the closed form")
    vic = [r for r in table if r["method"] == "VICReg"]
    others = [r for r in table if r["method"] != "VICReg"]
    summary = (f"VICReg on a graph with N={N}, K={K}: predicted ranks "
               f"{[r['predicted_rank'] for r in vic]}, measured {[r['measured_rank'] for r in vic]}; "
               f"largest singular-value error {max(r['max_scale_error'] for r in vic):.2g} sqrt(N); "
               f"largest loss gap {max(r['loss_gap'] for r in vic):.2g}."
               + (" " + "; ".join(f"{r['method']} ({r['setting']}): rank {r['measured_rank']} "
                                 f"(predicted {r['predicted_rank']})" for r in others) + "."
                  if others else ""))
    figures = {"singular_values": _rank_spectra_figure(series, N),
               "rank_vs_invariance": _rank_sweep_figure(lam, rank_points, K)}
    return ClaimResult(name="rank_collapse", statement=_RANK_STATEMENT, rule=rule,
                       supported=bool(all_ok), table=table, figures=figures, summary=summary,
                       details={"eigenvalues": lam.tolist()}, elapsed=time.perf_counter() - started)


def _rank_spectra_figure(series, N):
    from .. import plotting

    return plotting.singular_value_overlay_figure(
        series, n_samples=N,
        suptitle="Claim 5: VICReg, numerical minimum of the exact loss vs the theorem")


def _rank_sweep_figure(lam, rank_points, K):
    from .. import plotting

    ratios = np.array([p[0] for p in rank_points])
    lo, hi = ratios.min() / 2, ratios.max() * 2
    fine = np.geomspace(lo, hi, 400)
    predicted = [int(np.sum(lam < 1.0 / r)) for r in fine]
    order = np.argsort(ratios)
    return plotting.sweep_figure([
        {"title": "", "ylabel": "rank of the optimum", "ylim": (-0.5, K + 1.5), "curves": [
            {"label": r"predicted $\#\{\lambda_k < \alpha/\gamma\}$", "x": fine, "y": predicted,
             "marker": "", "color": "C0"},
            {"label": "measured (numerical minimum)", "x": ratios[order],
             "y": np.array([p[1] for p in rank_points])[order], "marker": "x", "markersize": 8,
             "linestyle": "none", "color": "C3"}]}],
        xlabel=r"invariance / variance  $\gamma/\alpha$", log_x=True,
        suptitle="Claim 5: VICReg rank against invariance (variance = covariance = 1)")


# --------------------------------------------------------------------------- all claims


def run_all(X, y, *, dataset="data", view_options=None, fast=False, random_state=0):
    """Every claim on one data set (plus the swiss roll for :func:`local_vs_global`).

    Parameters
    ----------
    X : array_like, shape (N, D)
    y : array_like, shape (N,)
    dataset : str
        Name stored in each result (``ClaimResult.dataset``).
    view_options : dict, optional
        Augmentations for :func:`misaligned_graph` (e.g. ``Dataset.view_options``).
    fast : bool
        Smaller settings (fewer sizes, ratios, repeats, fractions): seconds
        instead of tens of seconds, for smoke runs and tests.
    random_state : int

    Returns
    -------
    list of ClaimResult
        aligned_graph, low_data_regime, misaligned_graph, local_vs_global
        (swiss roll), rank_collapse, in this order.
    """
    X, y_codes, C = _check_data(X, y)
    counts = np.bincount(y_codes)
    low_sizes = tuple(n for n in ((2, 4, 8) if fast else (2, 4, 8, 16, 32)) if n + 10 <= counts.min())
    results = [
        aligned_graph(X, y, random_state=random_state),
        low_data_regime(X, y, samples_per_class=low_sizes, repeats=1 if fast else 3,
                        ratios=np.geomspace(1 / 32, 2, 7) if fast else None,
                        random_state=random_state),
        misaligned_graph(X, y, view_options=view_options,
                         fractions=(0.0, 0.5, 1.0) if fast else (0.0, 0.25, 0.5, 0.75, 1.0),
                         repeats=1 if fast else 5, random_state=random_state),
        local_vs_global(n_samples=300 if fast else 500, random_state=random_state),
        rank_collapse(X[: min(256, X.shape[0])], y_codes[: min(256, X.shape[0])],
                      n_components=16 if fast else 32, random_state=random_state),
    ]
    for result in results:
        if result.dataset != "swiss roll":
            result.dataset = dataset
    return results


__all__ = ["ClaimResult", "aligned_graph", "low_data_regime", "misaligned_graph", "local_vs_global",
           "rank_collapse", "run_all", "nearest_neighbour_probe", "theorem_scales", "METHOD_LABELS"]
