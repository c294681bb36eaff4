r"""The ``spectral-ssl report``: the four SSL methods' optima on digits, certified and probed.

What the report computes
------------------------
1. **Data.** scikit-learn's ``digits`` (1797 images of 8 x 8 pixels, 10
   classes, bundled with scikit-learn: no download), pixel values scaled to
   [0, 1], split into train and test images (stratified by class, seeded).
2. **Views.** Two augmented views of every image
   (:func:`spectral_ssl.graphs.make_views`: a one-pixel shift, then Gaussian
   noise of 0.1 times each pixel's standard deviation).
3. **Relation graph.** ``relation="views"``: the augmentation pairs only (each
   view linked to the other view of its image). For the non-parametric regime
   that relation is degenerate: :math:`L` is a disjoint union of pairs, every
   pair-indicator direction has eigenvalue 0, so *any* :math:`K` of them is an
   optimum and nothing ties the images together. The default
   ``relation="views+knn"`` adds the symmetrised (union) ``n_neighbors``-nearest
   neighbour graph among the views: :math:`G = \max(G_{pairs}, G_{kNN})`
   (binary). Labels are never used to build :math:`G`. Every row reports the
   number of connected components of the graph its optimum was computed on.
4. **Optima**, in three regimes: ``nonparametric`` (:math:`Z` free, on the
   views of *all* images: the test images' views are in the graph, their
   labels are not used), ``linear`` (:math:`Z = XW + b`, fitted on the views
   of the training images) and ``kernel`` (:math:`Z = K_X A + b`, rbf with the
   median-distance bandwidth, fitted on the views of a stratified subsample of
   ``kernel_images`` training images, because it costs :math:`O(N^3)` in the
   number of views). Methods (:data:`METHODS`):

   * **VICReg** with the square variance penalty
     (:mod:`spectral_ssl.methods.vicreg`) for each invariance/variance ratio
     :math:`\gamma/\alpha` with ``variance = covariance = 1`` (the diagonal case,
     :math:`t_k = \max(0, 1 - \tfrac\gamma\alpha\lambda_k)`), plus one row with
     the reference weights ``variance=25, covariance=1, invariance=25``
     (covariance < variance: the water-filling case). Closed forms.
   * **Spectral contrastive** (:mod:`spectral_ssl.methods.spectral_contrastive`):
     Eckart-Young closed forms in every regime.
   * **Barlow Twins** (:mod:`spectral_ssl.methods.barlow_twins`, the paper's
     uncentred form, ``off_diagonal`` :math:`\lambda = 0.005`). Non-parametric:
     the loss-zero closed form when :math:`K \le c` (components of :math:`G`),
     otherwise no closed form is known and the loss is minimised numerically on
     the views of a stratified subsample of ``numerical_images`` images (the
     L-BFGS problem has :math:`N K` unknowns). Linear and kernel: CCA, exact
     for the problem *with within-view whitening* (solution ``"whitened"``);
     the certificate measures how much lower the unconstrained loss goes.
   * **SimCLR** (:mod:`spectral_ssl.methods.simclr`, temperature 0.5): no
     closed form outside equal cliques, so every regime is minimised
     numerically (``exact=False``), on the views of a stratified subsample of
     ``numerical_images`` images (of all images for the non-parametric regime,
     of the training images for the others): each loss evaluation costs
     :math:`O(N^2 K)`.

5. **Certificate.** :func:`spectral_ssl.certify.certify` minimises the exact
   loss from ``restarts`` random starts and compares with the returned
   optimum. Closed forms (solution ``"exact"`` or ``"whitened"``) are
   certified on the same construction restricted to a stratified subsample of
   ``certify_images`` of each regime's images (``None``: the full problems); its
   size is in the ``cert. N`` column, and the table gives the norm of the loss
   gradient at the optimum of the full problem. Numerical optima are certified
   on their own (already small) problem: the certificate's restarts are
   independent runs that the solver's result must not lose to.
6. **Probe.** :func:`spectral_ssl.experiments.probe.linear_probe` (standardised
   logistic regression) predicts the digit class. Linear and kernel regimes:
   trained on ``transform`` of the clean training images, tested on
   ``transform`` of the clean test images. Non-parametric regime (no
   ``transform``): transductive, the two view rows of each image are averaged,
   train images' rows train the probe and test images' rows test it (for a
   subsample: its train and test images). Chance is about 0.1.
7. **Rank against components** (section ``"pairs"``). The pure augmentation-pairs
   relation of a few images, where the number of connected components equals the
   number of images :math:`c`: once with :math:`c < K` and once with
   :math:`c > K` (:func:`pairs_sizes`). Non-parametric optima of every method
   (VICReg at the smallest and the largest invariance ratio), certified on the
   problem itself. Optima confined to the component structure have rank at most
   :math:`c`; VICReg with a small invariance weight keeps :math:`K` directions.
8. **SimCLR as MDS** (:func:`simclr_mds`). A swiss roll (:func:`swiss_roll`:
   the surface of scikit-learn's ``make_swiss_roll``, sampled evenly); two
   Gaussian relations
   :math:`G_{ij} = e^{-\delta_{ij}^2/(2\sigma^2)}`, one from the Euclidean
   distances (classical MDS), one from the shortest-path distances of the
   ``n_neighbors``-NN graph (ISOMAP). SimCLR is optimised on each and
   :func:`spectral_ssl.methods.simclr.mds_agreement` compares its chord
   distances with the MDS target of its own relation and of the other one.

Outputs (in ``out_dir``): ``report.md``, ``report.csv``, ``report.json``,
``spectra.png`` (VICReg: singular values of the centred :math:`Z` against
:math:`\sqrt{N t_k}`, one panel per regime), ``ranks.png`` (rank of every
optimum against the components of its graph) and ``simclr_mds.png``.

Every computation runs with one BLAS thread (``threadpoolctl``): the L-BFGS
loops call BLAS on small vectors, where threads only add synchronisation, and
on a shared machine that made the report over ten times slower.
"""

import csv
import io
import json
import math
import numbers
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import certify as _certify
from . import graphs, linalg
from . import methods as _methods
from .experiments.probe import PROBE_MODELS, probe_out_of_sample, probe_transductive
from .methods import simclr

#: Invariance/variance ratios of the default report (variance = covariance = 1).
DEFAULT_INVARIANCE = (0.01, 0.1, 0.3, 1.0, 3.0)

#: Ratios of the quick report.
QUICK_INVARIANCE = (0.01, 1.0)

#: The reference weights row: covariance < variance, the water-filling case.
REFERENCE_WEIGHTS = {"variance": 25.0, "covariance": 1.0, "invariance": 25.0}

REGIMES = ("nonparametric", "linear", "kernel")
RELATIONS = ("views", "views+knn")

#: The methods of the report, in table order (names of :data:`spectral_ssl.methods.REGISTRY`).
METHODS = ("vicreg", "spectral_contrastive", "barlow_twins", "simclr")

#: Hyper-parameters of the methods other than VICReg: Barlow Twins' reference
#: :math:`\lambda` in the paper's uncentred form; SimCLR's usual temperature.
METHOD_HYPERPARAMETERS = {
    "spectral_contrastive": {},
    "barlow_twins": {"off_diagonal": 5e-3, "centered": False},
    "simclr": {"temperature": 0.5},
}

#: What a row's optimum is: a closed form exact for the loss, Barlow Twins' CCA
#: (exact for the problem with within-view whitening), or a numerical optimum.
SOLUTIONS = ("exact", "whitened", "numerical")

#: Sizes of the default and quick reports.
#: ``certify_max_iter``: L-BFGS-B iterations per certificate restart (certify's ``max_iter``),
#: also the iteration cap of the numerical solvers. ``numerical_images``: images of the
#: problems solved numerically (SimCLR, Barlow Twins non-parametric with K > c).
#: ``mds_samples``: points of the swiss roll of the SimCLR-MDS section.
DEFAULTS = {"n_images": None, "kernel_images": 600, "certify_images": 100, "numerical_images": 200,
            "mds_samples": 300, "restarts": 3, "certify_max_iter": 5000}
QUICK = {"n_images": 300, "kernel_images": None, "certify_images": 60, "numerical_images": 60,
         "mds_samples": 150, "restarts": 2, "certify_max_iter": 2000}

#: Settings of the SimCLR-MDS section: representation dimension, neighbours of the
#: geodesic graph, temperature, L-BFGS iterations of the (single, Laplacian Eigenmaps
#: started) SimCLR run.
MDS_SETTINGS = {"n_components": 8, "n_neighbors": 8, "temperature": 0.5, "max_iter": 2000}

#: Columns of the printed / Markdown results table: (row key, header).
TABLE_COLUMNS = (
    ("method", "method"),
    ("regime", "regime"),
    ("hyperparameters", "hyper-parameters"),
    ("n_samples", "N"),
    ("components", "components of G"),
    ("loss", "loss"),
    ("rank", "rank"),
    ("solution", "solution"),
    ("gradient_norm", "grad. norm"),
    ("cert_n_samples", "cert. N"),
    ("cert_relative_gap", "cert. rel. gap"),
    ("cert_converged", "cert. conv."),
    ("cert_verdict", "cert."),
    ("probe_accuracy", "probe acc."),
)

#: Columns of the pairs-relation table (non-parametric only, no probe).
PAIRS_COLUMNS = (
    ("method", "method"),
    ("hyperparameters", "hyper-parameters"),
    ("n_samples", "N"),
    ("components", "components of G"),
    ("loss", "loss"),
    ("rank", "rank"),
    ("solution", "solution"),
    ("cert_relative_gap", "cert. rel. gap"),
    ("cert_verdict", "cert."),
)

#: Columns of the SimCLR-MDS table.
MDS_COLUMNS = (
    ("relation", "relation"),
    ("equivalent", "equivalent"),
    ("n_samples", "N"),
    ("n_components", "K"),
    ("bandwidth", "bandwidth"),
    ("loss", "loss"),
    ("bound", "bound"),
    ("rank", "rank"),
    ("spearman", "Spearman"),
    ("pearson", "Pearson"),
    ("stress", "stress"),
    ("spearman_other_target", "Spearman, other target"),
    ("targets_spearman", "targets' Spearman"),
)

#: Columns of the CSV file, in order.
CSV_COLUMNS = (
    "section", "method", "regime", "hyperparameters", "invariance_ratio", "variance", "covariance",
    "invariance", "off_diagonal", "temperature", "case", "relation", "n_images", "n_samples",
    "n_components", "components", "loss", "minimal_loss_formula", "rank", "exact", "solution",
    "equivalent", "gradient_norm", "cert_n_samples", "cert_restarts", "cert_closed_form_loss",
    "cert_best_numerical_loss", "cert_gap", "cert_relative_gap", "cert_converged", "cert_passed",
    "cert_verdict", "probe", "probe_accuracy", "seconds", "skipped",
)


@dataclass
class Report:
    """What :func:`run_report` computed.

    Attributes
    ----------
    rows : list of dict
        One row per optimum; keys of :data:`CSV_COLUMNS` plus the spectrum
        (``eigenvalues``, ``scales``) and the certificate's restarts. ``section``
        is ``"main"`` (digits, the report's relation) or ``"pairs"`` (the
        augmentation-pairs relation of a few images).
    config : dict
        The settings the report ran with.
    notes : list of str
        How each number was obtained (printed in ``report.md``).
    mds : list of dict
        One row per relation of the SimCLR-MDS section (empty without SimCLR).
    representations : dict
        ``{regime: [(label, rep), ...]}`` of the VICReg rows, for the spectrum figure.
    mds_panels : list of dict
        The arrays of the SimCLR-MDS figure.
    files : dict
        ``{kind: path}`` of the files written (empty if nothing was written).
    elapsed : float
        Seconds for the whole report.
    """

    rows: list
    config: dict
    notes: list
    mds: list = field(default_factory=list)
    representations: dict = field(default_factory=dict)
    mds_panels: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    elapsed: float = 0.0

    def section(self, name):
        """The rows of one section (``"main"`` or ``"pairs"``)."""
        return [row for row in self.rows if row["section"] == name]

    def table(self, *, markdown=False, section="main"):
        """The aligned plain-text (or Markdown) table of one section."""
        columns = PAIRS_COLUMNS if section == "pairs" else TABLE_COLUMNS
        return format_rows(self.section(section), markdown=markdown, columns=columns)

    def mds_table(self, *, markdown=False):
        """The SimCLR-MDS table ("" without SimCLR)."""
        return format_rows(self.mds, markdown=markdown, columns=MDS_COLUMNS) if self.mds else ""

    def text(self):
        """Every table with a title line: what the command prints."""
        parts = [self.table()]
        if self.section("pairs"):
            parts.append(f"Rank against components: augmentation pairs only, components of G = "
                         f"number of images (K = {self.config['n_components']}, non-parametric)\n"
                         + self.table(section="pairs"))
        if self.mds:
            parts.append("SimCLR vs MDS on a swiss roll: agreement of its chord distances with the "
                         "MDS target of each relation\n" + self.mds_table())
        return "\n\n".join(parts)


# --------------------------------------------------------------------------- formatting


def _format_value(key, value):
    if value is None:
        return "-"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "NO"
    if key in ("probe_accuracy", "stress"):
        return f"{value:.3f}"
    if key in ("spearman", "pearson", "spearman_other_target", "targets_spearman"):
        return f"{value:.4f}"
    if key in ("loss", "bound"):
        return f"{value:.6g}"
    if key in ("gradient_norm", "cert_relative_gap"):
        return f"{value:.1e}"
    if key in ("invariance_ratio", "bandwidth"):
        return f"{value:.4g}"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{value:.6g}"
    return str(value)


_TEXT_KEYS = ("method", "regime", "hyperparameters", "solution", "cert_verdict", "relation",
              "equivalent")


def format_rows(rows, *, markdown=False, columns=TABLE_COLUMNS):
    """Render report rows as an aligned text table or a Markdown table.

    Numbers are right-aligned, text left-aligned; a skipped row shows ``-`` in
    every result column.
    """
    headers = [header for _, header in columns]
    cells = [[_format_value(key, row.get(key)) for key, _ in columns] for row in rows]
    numeric = [key not in _TEXT_KEYS for key, _ in columns]
    widths = [max([len(h)] + [len(r[j]) for r in cells]) for j, h in enumerate(headers)]

    def line(values, sep):
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)]
        return sep.join(parts)

    if markdown:
        rule = "|" + "|".join(("-" * (w + 1) + ":") if num else ("-" * (w + 2))
                              for w, num in zip(widths, numeric)) + "|"
        return "\n".join(["| " + line(headers, " | ") + " |", rule]
                         + ["| " + line(r, " | ") + " |" for r in cells])
    return "\n".join([line(headers, "  ").rstrip()] + [line(r, "  ").rstrip() for r in cells])


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    return value


# --------------------------------------------------------------------------- data and graphs


def load_digits_split(*, n_images=None, test_size=0.3, seed=0):
    """Digits scaled to [0, 1], optionally subsampled, split into train/test images.

    Parameters
    ----------
    n_images : int, optional
        Keep a stratified subsample of this many images (``None``: all 1797).
    test_size : float in (0, 1)
        Fraction of the images held out for the probe's test.
    seed : int
        Seed of the subsample and the split (both stratified by class).

    Returns
    -------
    X : ndarray, shape (n, 64)
    y : ndarray, shape (n,)
    train, test : ndarray of int
        Indices into ``X``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0  # pixel intensities are 0..16
    if n_images is not None:
        if not 40 <= n_images <= X.shape[0]:
            raise ValueError(f"n_images must be between 40 and {X.shape[0]}, got {n_images}.")
        if n_images < X.shape[0]:
            keep, _ = train_test_split(np.arange(X.shape[0]), train_size=n_images, stratify=y,
                                       random_state=seed)
            keep = np.sort(keep)
            X, y = X[keep], y[keep]
    train, test = train_test_split(np.arange(X.shape[0]), test_size=test_size, stratify=y,
                                   random_state=seed)
    return X, y, np.sort(train), np.sort(test)


def relation_graph(views, groups, relation="views+knn", n_neighbors=10):
    r"""The report's relation: augmentation pairs, optionally plus a kNN graph among the views.

    ``"views"``: :math:`G = G_{pairs}` (:func:`spectral_ssl.graphs.from_groups`).
    ``"views+knn"``: :math:`G = \max(G_{pairs}, G_{kNN})` with :math:`G_{kNN}` the
    union-symmetrised binary ``n_neighbors``-NN graph of the views.
    """
    if relation not in RELATIONS:
        raise ValueError(f"relation must be one of {RELATIONS}; got {relation!r}.")
    G = graphs.from_groups(groups)
    if relation == "views+knn":
        G = G.maximum(graphs.knn(views, n_neighbors=min(n_neighbors, views.shape[0] - 1))).tocsr()
        G.sort_indices()
    return G


def n_connected_components(G):
    """Number of connected components of the (undirected) relation graph ``G``."""
    from scipy.sparse.csgraph import connected_components

    return int(connected_components(G, directed=False)[0])


def pairs_sizes(n_components, n_images):
    r"""Numbers of images :math:`c` of the pairs-relation section: one below :math:`K`, one above.

    :math:`c_1 = \max(2, \lceil 3K/4\rceil)` (fewer components than :math:`K`, yet
    :math:`2c_1 - 1 \ge K` views so that every method can have :math:`K` columns)
    and :math:`c_2 = 3K`, both capped at the number of images available.
    """
    small = max(2, math.ceil(3 * n_components / 4))
    large = max(small + 1, 3 * n_components)
    return tuple(sorted({min(small, n_images), min(large, n_images)}))


def _views_of(images, n_total, views):
    """Rows of the stacked views (view v of image i is row v * n_total + i) of some images."""
    rows = np.concatenate([images, images + n_total])
    groups = np.tile(np.arange(images.size), 2)
    return views[rows], groups


def _stratified_subset(indices, y, size, seed):
    if size is None or size >= indices.size:
        return indices
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(indices, train_size=size, stratify=y[indices], random_state=seed)
    return np.sort(keep)


def _gradient_norm(rep, G, regime, X_fit):
    r"""Norm of the gradient of the exact loss w.r.t. the optimised parameters, at the optimum.

    :math:`Z` (non-parametric), :math:`(W, b)` with :math:`\partial/\partial W = X^\top g`
    (linear) or :math:`(A, b)` with :math:`K_X^\top g` (kernel), :math:`g = \partial\mathcal L/\partial Z`,
    from the method's ``loss_and_gradient``.
    """
    G = graphs.check(G)
    module = _methods.REGISTRY[rep.method]
    _, g = module.loss_and_gradient(rep.Z, G, **rep.hyperparameters)
    if regime == "nonparametric":
        return float(np.linalg.norm(g))
    F = rep.kernel(rep.X_fit, rep.X_fit) if regime == "kernel" else X_fit
    return float(np.sqrt(np.linalg.norm(F.T @ g) ** 2 + np.linalg.norm(g.sum(axis=0)) ** 2))


def solution_kind(rep):
    """``"exact"``, ``"whitened"`` (Barlow Twins' CCA under within-view whitening) or ``"numerical"``."""
    if not rep.exact:
        return "numerical"
    if rep.method == "barlow_twins" and str(rep.details.get("problem", "")).startswith("whitened"):
        return "whitened"
    return "exact"


def _verdict(solution, passed):
    """The ``cert.`` column: ``yes``, or what a failed certificate means for this kind of row."""
    if passed is None:
        return None
    if passed:
        return "yes"
    return {"exact": "FAILED", "numerical": "beaten", "whitened": "lower"}[solution]


# --------------------------------------------------------------------------- SimCLR as MDS


def _gaussian_from_distances(distances, bandwidth):
    """Dense Gaussian relation exp(-delta^2 / (2 sigma^2)), zero diagonal, as CSR."""
    import scipy.sparse as sp

    W = np.exp(-(distances**2) / (2.0 * bandwidth**2))
    np.fill_diagonal(W, 0.0)
    return sp.csr_matrix(W)


#: Rows of the swiss roll's jittered grid (see :func:`swiss_roll`).
SWISS_ROLL_ROWS = 3


def swiss_roll(n_samples, *, seed=0, jitter=0.15):
    r"""A swiss roll sampled evenly over its surface.

    The surface is scikit-learn's ``make_swiss_roll`` one,
    :math:`(t\cos t,\ h,\ t\sin t)` with :math:`t \in [1.5\pi, 4.5\pi]` (1.5 turns,
    :math:`2\pi` apart), but the points sit on a jittered grid of
    :data:`SWISS_ROLL_ROWS` rows in height and ``ceil(n_samples / rows)``
    columns equally spaced in arc length (cells are squares; each coordinate moves
    by at most ``jitter`` times the spacing). A uniformly random sample of a
    hundred or two points leaves gaps along the roll, where a kNN graph
    short-circuits between turns and ISOMAP no longer unrolls it; the grid keeps
    every sample's nearest neighbours on its own turn.

    Returns
    -------
    X : ndarray, shape (n_samples, 3)
    position : ndarray, shape (n_samples,)
        :math:`t`, the position along the roll (for colouring).
    """
    rng = np.random.default_rng(seed)

    def arc(t):  # arc length of the spiral r = t from 0 to t
        return 0.5 * (t * np.sqrt(1.0 + t * t) + np.arcsinh(t))

    t0, t1 = 1.5 * np.pi, 4.5 * np.pi
    columns = math.ceil(n_samples / SWISS_ROLL_ROWS)
    step = (arc(t1) - arc(t0)) / columns
    i = np.arange(n_samples)
    s = (i // SWISS_ROLL_ROWS + 0.5 + jitter * rng.uniform(-1.0, 1.0, n_samples)) * step
    height = (i % SWISS_ROLL_ROWS + 0.5 + jitter * rng.uniform(-1.0, 1.0, n_samples)) * step
    grid = np.linspace(t0, t1, 20001)
    t = np.interp(arc(t0) + s, arc(grid), grid)
    return np.column_stack([t * np.cos(t), height, t * np.sin(t)]), t


def swiss_roll_distances(n_samples, *, n_neighbors=8, seed=0):
    """The :func:`swiss_roll`, its Euclidean distances and its kNN-graph geodesic distances.

    Returns
    -------
    X : ndarray, shape (n_samples, 3)
    position : ndarray, shape (n_samples,)
        The position along the roll, for colouring.
    distances : dict
        ``{"euclidean": (N, N), "geodesic": (N, N)}``; geodesic = shortest-path
        length in the union-symmetrised ``n_neighbors``-NN graph with Euclidean
        edge lengths (the ISOMAP distance).
    """
    from scipy.sparse.csgraph import shortest_path
    from sklearn.neighbors import NearestNeighbors

    X, position = swiss_roll(n_samples, seed=seed)
    sq = np.sum(X**2, axis=1)
    euclidean = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * X @ X.T, 0.0))
    np.fill_diagonal(euclidean, 0.0)
    knn = NearestNeighbors(n_neighbors=n_neighbors).fit(X).kneighbors_graph(mode="distance")
    geodesic = shortest_path(knn, directed=False)
    if not np.all(np.isfinite(geodesic)):
        raise ValueError(
            f"the {n_neighbors}-nearest-neighbour graph of the swiss roll is disconnected, so some "
            f"geodesic distances are infinite; use more samples or more neighbours."
        )
    geodesic = (geodesic + geodesic.T) / 2.0
    return X, position, {"euclidean": euclidean, "geodesic": geodesic}


def _matching_bound(G):
    r"""Theorem 2's lower bound :math:`-\sum_{ij} G_{ij}\log(G_{ij}/d_i)` of the SimCLR loss."""
    G = G.tocsr()
    d = np.asarray(G.sum(axis=1)).ravel()
    rows = np.repeat(np.arange(G.shape[0]), np.diff(G.indptr))
    return float(-np.sum(G.data * np.log(G.data / d[rows])))


def simclr_mds(n_samples=300, *, n_components=8, n_neighbors=8, temperature=0.5, max_iter=2000,
               seed=0, progress=None):
    r"""SimCLR optimised on a Euclidean and on a geodesic Gaussian relation of a swiss roll.

    For each distance :math:`\delta` of :func:`swiss_roll_distances`, the relation
    :math:`G_{ij} = e^{-\delta_{ij}^2/(2\sigma^2)}` with :math:`\sigma` the median
    pairwise distance; SimCLR's non-parametric optimum (one L-BFGS run from the
    Laplacian Eigenmaps start, ``exact=False``); and
    :func:`spectral_ssl.methods.simclr.mds_agreement` of its chord distances
    with the MDS target :math:`-2\tau\log G` of its own relation (Spearman,
    Pearson, calibrated stress) and of the other relation (Spearman). The two
    targets' own Spearman correlation is the yardstick: a representation that
    follows its relation should agree with its own target clearly better than
    the other target does.

    Parameters
    ----------
    n_samples : int
        Points of the :func:`swiss_roll`.
    n_components : int
        :math:`K` of the SimCLR representation.
    n_neighbors : int
        Neighbours of the kNN graph whose shortest paths are the geodesic distances.
    temperature : float
        :math:`\tau`.
    max_iter : int
        L-BFGS iterations of the SimCLR run.
    seed : int
        Seed of the roll's jitter and of the SimCLR start.
    progress : optional
        The report's progress printer (None: silent).

    Returns
    -------
    rows : list of dict
        One per relation (JSON-serialisable).
    panels : list of dict
        Arrays for :func:`spectral_ssl.plotting.simclr_mds_figure`.
    """
    import scipy.stats
    from threadpoolctl import threadpool_limits

    _, position, distances = swiss_roll_distances(n_samples, n_neighbors=n_neighbors, seed=seed)
    upper = np.triu_indices(n_samples, k=1)
    targets_spearman = float(scipy.stats.spearmanr(distances["euclidean"][upper],
                                                   distances["geodesic"][upper])[0])
    relations = {}
    for name, delta in distances.items():
        bandwidth = float(np.median(delta[upper]))
        relations[name] = (bandwidth, _gaussian_from_distances(delta, bandwidth))
    rows, panels = [], []
    for name, (bandwidth, G) in relations.items():
        if progress is not None:
            progress.start(f"simclr-mds, {name} relation")
        started = time.perf_counter()
        with threadpool_limits(limits=1):  # L-BFGS on small vectors: BLAS threads only cost
            rep = simclr.optimal_representation(G, n_components, temperature=temperature,
                                                restarts=1, random_state=seed, max_iter=max_iter)
        other = relations["geodesic" if name == "euclidean" else "euclidean"][1]
        row = {
            "relation": name,
            "distance": "Euclidean distance in R^3" if name == "euclidean" else
                        f"shortest path in the {n_neighbors}-NN graph",
            "equivalent": "classical MDS" if name == "euclidean" else "ISOMAP",
            "n_samples": int(n_samples), "n_components": int(n_components),
            "temperature": float(temperature), "bandwidth": bandwidth,
            "loss": float(rep.loss), "bound": _matching_bound(G), "rank": int(rep.rank),
            "exact": bool(rep.exact), "converged": bool(rep.details["converged"]),
            "n_iterations": int(rep.details["n_iterations"]),
            "spearman": simclr.mds_agreement(rep, G, kind="spearman"),
            "pearson": simclr.mds_agreement(rep, G, kind="pearson"),
            "stress": simclr.mds_agreement(rep, G, kind="stress"),
            "spearman_other_target": simclr.mds_agreement(rep.Z, other, kind="spearman"),
            "targets_spearman": targets_spearman,
            "seconds": time.perf_counter() - started,
        }
        rows.append(row)
        panels.append({
            "title": f"{name} relation ({row['equivalent']})",
            "target": simclr.mds_target(G, temperature=temperature), "Z": rep.Z,
            "mds": simclr.mds_embedding(G, 2, temperature=temperature), "color": position,
            "agreement": row["spearman"],
        })
        if progress is not None:
            progress.finish()
    return rows, panels


# --------------------------------------------------------------------------- the report


class _Progress:
    def __init__(self, stream, total):
        self.stream, self.total, self.done = stream, total, 0

    def say(self, text):
        if self.stream is not None:
            print(text, file=self.stream, flush=True)

    def start(self, text):
        self.done += 1
        self.started = time.perf_counter()
        if self.stream is not None:
            print(f"[{self.done}/{self.total}] {text} ...", end=" ", file=self.stream, flush=True)

    def finish(self, text="done"):
        if self.stream is not None:
            print(f"{text} in {time.perf_counter() - self.started:.1f} s", file=self.stream, flush=True)


@dataclass
class _Problem:
    """One relation graph to solve on (``V``, ``G``) and the one its certificate minimises."""

    images: np.ndarray  # indices of the images whose views are the rows
    V: np.ndarray
    G: object
    Vc: np.ndarray
    Gc: object

    @property
    def certify_itself(self):
        return self.Gc is self.G


@dataclass
class _Case:
    section: str
    method: str
    regime: str
    kind: str  # VICReg: "ratio" or "reference"; other methods: the method name
    hyper: dict  # the solver's keyword arguments (loss hyper-parameters, kernel)
    problem: _Problem
    solve_options: dict = field(default_factory=dict)

    @property
    def label(self):
        """Legend label of the spectrum figure (VICReg) and bar label of the rank figure."""
        if self.method == "vicreg":
            ratio = self.hyper["invariance"] / self.hyper["variance"]
            return (f"inv/var={ratio:g}" if self.kind == "ratio" else
                    "reference ({variance:g}, {covariance:g}, {invariance:g})".format(**self.hyper))
        return self.method

    @property
    def progress_text(self):
        if self.method == "vicreg":
            ratio = self.hyper["invariance"] / self.hyper["variance"]
            what = (f"invariance/variance={ratio:g}" if self.kind == "ratio" else
                    "reference weights ({variance:g}, {covariance:g}, {invariance:g})".format(**self.hyper))
        else:
            what = _hyper_text(self.method, self.hyper)
        where = "" if self.section == "main" else f"pairs of {self.problem.images.size} images, "
        return f"{self.method}, {where}{self.regime}" + (f", {what}" if what != "-" else "")


def _hyper_text(method, hyper):
    if method == "vicreg":
        return "var={variance:g} cov={covariance:g} inv={invariance:g}".format(**hyper)
    if method == "barlow_twins":
        return f"lambda={hyper['off_diagonal']:g}" + (", centred" if hyper["centered"] else "")
    if method == "simclr":
        return f"tau={hyper['temperature']:g}"
    return "-"


def _check_n_components_fits(n_components, problems):
    """Refuse a K that some problem cannot reach, before any long computation starts."""
    limits = []
    for (name, regime), problem in problems.items():
        what = f"the {regime} problem" if name == "main" else f"the {regime} {name} problem"
        limits.append((problem.G.shape[0] - 1, f"{what}'s number of views minus one"))
        limits.append((problem.Gc.shape[0] - 1, f"{what}'s certificate problem's number of views minus one"))
        if regime == "linear" and name == "main":
            limits.append((linalg.feature_rank(problem.V), "the rank of the centred training views"))
            limits.append((linalg.feature_rank(problem.Vc), "the rank of the centred certificate views"))
    limit, what = min(limits, key=lambda item: item[0])
    if n_components > limit:
        raise ValueError(
            f"n_components={n_components} is larger than {what} ({limit}); "
            f"use n_components <= {limit}."
        )


def _weight_sets(invariance):
    sets = [("ratio", {"variance": 1.0, "covariance": 1.0, "invariance": float(r)}) for r in invariance]
    sets.append(("reference", dict(REFERENCE_WEIGHTS)))
    return sets


def _check_size(name, value, low, what):
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral)
                              or value < low):
        raise ValueError(f"{name} must be an integer >= {low} ({what}), or 0 / None for all "
                         f"images; got {value!r}.")


def _check_options(n_components, invariance, restarts, seed, relation, n_neighbors, probe,
                   certify_max_iter, sizes, methods):
    if isinstance(n_components, bool) or not isinstance(n_components, numbers.Integral) \
            or n_components < 1:
        raise ValueError(f"n_components must be an integer >= 1, got {n_components!r}.")
    if len(invariance) == 0:
        raise ValueError("invariance needs at least one invariance/variance ratio.")
    for r in invariance:
        if not isinstance(r, numbers.Real) or not math.isfinite(r) or r <= 0:
            raise ValueError(f"every invariance/variance ratio must be a finite number > 0, got {r!r}.")
    if isinstance(restarts, bool) or not isinstance(restarts, numbers.Integral) or restarts < 1:
        raise ValueError(f"restarts must be an integer >= 1, got {restarts!r}.")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}.")
    if relation not in RELATIONS:
        raise ValueError(f"relation must be one of {RELATIONS}; got {relation!r}.")
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, numbers.Integral) or n_neighbors < 1:
        raise ValueError(f"n_neighbors must be an integer >= 1, got {n_neighbors!r}.")
    if isinstance(certify_max_iter, bool) or not isinstance(certify_max_iter, numbers.Integral) \
            or certify_max_iter < 1:
        raise ValueError(f"certify_max_iter must be an integer >= 1, got {certify_max_iter!r}.")
    for name in ("kernel_images", "certify_images", "numerical_images"):
        _check_size(name, sizes[name], 20, "two per class")
    value = sizes["mds_samples"]
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 100:
        raise ValueError(f"mds_samples must be an integer >= 100 (points of the swiss roll), got {value!r}.")
    if probe not in PROBE_MODELS:
        raise ValueError(f"probe must be one of {PROBE_MODELS}; got {probe!r}.")
    if isinstance(methods, str) or len(methods) == 0 or any(m not in METHODS for m in methods) \
            or len(set(methods)) != len(methods):
        raise ValueError(f"methods must be a non-empty list of distinct names from {METHODS}; "
                         f"got {methods!r}.")


def run_report(out_dir="spectral_ssl_report", *, n_components=16, invariance=None, restarts=None,
               quick=False, seed=0, relation="views+knn", n_neighbors=10, n_images=None,
               kernel_images=None, certify_images=None, numerical_images=None, mds_samples=None,
               certify_max_iter=None, methods=METHODS, probe="logistic", test_size=0.3,
               progress=True, write=True):
    """Run the digits report (see the module docstring) and write its files.

    Parameters
    ----------
    out_dir : str or Path
        Folder for ``report.md``, ``report.csv``, ``report.json`` and the figures
        ``spectra.png``, ``ranks.png``, ``simclr_mds.png`` (created if needed;
        existing files of those names are replaced).
    n_components : int
        :math:`K`, the dimension of the representation.
    invariance : sequence of float, optional
        VICReg's invariance/variance ratios (``variance = covariance = 1``).
        Default :data:`DEFAULT_INVARIANCE`, or :data:`QUICK_INVARIANCE` with
        ``quick``. The reference-weights row is always added.
    restarts : int, optional
        Random starts of each certificate and of the SimCLR solver (default 3,
        quick 2).
    quick : bool
        Small settings for tests and smoke runs (:data:`QUICK`: 300 images,
        certificates on 60 images, numerical methods on 60 images, 2 restarts of
        at most 2000 iterations, two ratios, a swiss roll of 150 points).
    seed : int
        Seed of the subsamples, the split, the views, the swiss roll and the
        certificates' starts.
    relation : {"views+knn", "views"}
    n_neighbors : int
        ``k`` of the kNN part of the relation.
    n_images, kernel_images, certify_images, numerical_images : int or None
        Override the sizes of :data:`DEFAULTS` / :data:`QUICK`: number of
        images used (None: all), training images of the kernel regime (None:
        all), images of the certificate problems (None: certify the full
        problems), images of the problems solved numerically (None: all; slow).
    mds_samples : int, optional
        Points of the swiss roll of the SimCLR-MDS section (default 300, quick 150; at least 100).
    certify_max_iter : int, optional
        L-BFGS-B iterations per certificate restart and per numerical-solver
        start (default 5000, quick 2000).
    methods : sequence of str
        Methods to run, from :data:`METHODS` (default all four). The
        SimCLR-MDS section runs when ``"simclr"`` is among them.
    probe : {"logistic", "ridge"}
        The linear probe's classifier.
    test_size : float
        Fraction of the images held out for the probe.
    progress : bool or text stream
        Where progress lines go: True (default) = ``sys.stderr`` at call time,
        False or None = silent, or any stream with ``write``.
    write : bool
        Write the files (False: only compute and return).

    Returns
    -------
    Report
    """
    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    sizes = dict(QUICK if quick else DEFAULTS)
    for key, value in (("n_images", n_images), ("kernel_images", kernel_images),
                       ("certify_images", certify_images), ("numerical_images", numerical_images)):
        if value is not None:
            sizes[key] = value or None  # 0 means "all"
    if mds_samples is not None:
        sizes["mds_samples"] = mds_samples
    if restarts is None:
        restarts = sizes["restarts"]
    if certify_max_iter is None:
        certify_max_iter = sizes["certify_max_iter"]
    if invariance is None:
        invariance = QUICK_INVARIANCE if quick else DEFAULT_INVARIANCE
    invariance = tuple(invariance)
    methods = tuple(methods) if not isinstance(methods, str) else methods
    _check_options(n_components, invariance, restarts, seed, relation, n_neighbors, probe,
                   certify_max_iter, sizes, methods)
    methods = tuple(m for m in METHODS if m in methods)
    if progress is True:
        progress = sys.stderr
    with threadpool_limits(limits=1):
        report = _run(out_dir, n_components, invariance, restarts, quick, seed, relation,
                      n_neighbors, sizes, certify_max_iter, methods, probe, test_size,
                      progress or None, write, started)
    return report


def _run(out_dir, n_components, invariance, restarts, quick, seed, relation, n_neighbors, sizes,
         certify_max_iter, methods, probe, test_size, stream, write, started):
    X, y, train, test = load_digits_split(n_images=sizes["n_images"], test_size=test_size, seed=seed)
    n = X.shape[0]
    views, _ = graphs.make_views(X, n_views=2, augment=("shift", "noise"), random_state=seed + 1)
    rng = np.random.default_rng(seed)
    kernel_train = _stratified_subset(train, y, sizes["kernel_images"], int(rng.integers(2**31)))
    all_images = np.arange(n)

    problems = {}  # (section, regime) -> _Problem
    for regime, images in (("nonparametric", all_images), ("linear", train), ("kernel", kernel_train)):
        # The certificate problem: the same construction on a stratified subsample of this
        # regime's own images (all of them when certify_images is None).
        cert_images = _stratified_subset(images, y, sizes["certify_images"], int(rng.integers(2**31)))
        V, groups = _views_of(images, n, views)
        G = relation_graph(V, groups, relation, n_neighbors)
        if np.array_equal(cert_images, images):
            Vc, Gc = V, G
        else:
            Vc, groups_c = _views_of(cert_images, n, views)
            Gc = relation_graph(Vc, groups_c, relation, n_neighbors)
        problems["main", regime] = _Problem(images, V, G, Vc, Gc)
    # Problems solved numerically (SimCLR; Barlow Twins non-parametric when K > components):
    # a stratified subsample of all images (non-parametric) or of the training images, each
    # certified on itself. Seeds drawn after the ones above, so the other rows do not change.
    for regime, pool in (("nonparametric", all_images), ("linear", train), ("kernel", train)):
        images = _stratified_subset(pool, y, sizes["numerical_images"], int(rng.integers(2**31)))
        V, groups = _views_of(images, n, views)
        G = relation_graph(V, groups, relation, n_neighbors)
        problems["numerical", regime] = _Problem(images, V, G, V, G)
    pairs = []
    for count in pairs_sizes(n_components, n):
        images = np.sort(rng.choice(n, size=count, replace=False))
        V, groups = _views_of(images, n, views)
        G = graphs.from_groups(groups)
        pairs.append(_Problem(images, V, G, V, G))
        problems[f"pairs ({count} images)", "nonparametric"] = pairs[-1]
    bandwidth = linalg.median_bandwidth(problems["main", "kernel"].V)
    _check_n_components_fits(n_components, problems)

    cases = _cases(methods, invariance, problems, pairs, n_components, bandwidth, restarts, seed,
                   certify_max_iter)
    mds_runs = 2 if "simclr" in methods else 0
    progress = _Progress(stream, len(cases) + mds_runs)
    progress.say(f"digits: {n} images ({train.size} train / {test.size} test), 2 views each, "
                 f"relation {relation!r}" + (f" (k={n_neighbors})" if relation == "views+knn" else "")
                 + f"; methods: {', '.join(methods)}")

    rows, reps = [], {regime: [] for regime in REGIMES}
    for case in cases:
        progress.start(case.progress_text)
        row = _base_row(case, relation, n_components, probe, restarts)
        if case.section == "main" and case.regime == "nonparametric" and relation == "views" \
                and case.method in ("vicreg", "spectral_contrastive") \
                and case.problem.G.shape[0] > linalg.DENSE_MAX_SAMPLES:
            row["skipped"] = ("degenerate: with the pairs-only relation every pair-indicator "
                              "direction is an optimal direction, so any K of them is optimal; "
                              "use --relation views+knn")
            rows.append(row)
            progress.finish("skipped (degenerate)")
            continue
        step_started = time.perf_counter()
        rep, cert = _solve_and_certify(case, n_components, restarts, seed, certify_max_iter)
        row.update(_result_fields(rep, cert, case))
        if case.section == "main":
            row["probe_accuracy"] = _probe(rep, case, X, y, train, test, probe)
        row["seconds"] = time.perf_counter() - step_started
        rows.append(row)
        if case.method == "vicreg" and case.section == "main":
            reps[case.regime].append((case.label, rep))
        progress.finish()

    mds_rows, mds_panels = [], []
    if "simclr" in methods:
        mds_rows, mds_panels = simclr_mds(sizes["mds_samples"], seed=seed, progress=progress,
                                          **MDS_SETTINGS)

    notes = _notes(n, train, test, y, relation, n_neighbors, kernel_train, sizes, restarts,
                   bandwidth, probe, problems, seed, n_components, certify_max_iter, methods,
                   pairs, mds_rows)
    report = Report(rows=rows, config=_config(n_components, invariance, restarts, quick, seed,
                                              relation, n_neighbors, sizes, probe, test_size,
                                              bandwidth, certify_max_iter, methods,
                                              [p.images.size for p in pairs]),
                    notes=notes, mds=mds_rows, representations=reps, mds_panels=mds_panels)
    report.elapsed = time.perf_counter() - started
    if write:
        report.files = write_report(report, out_dir)
        progress.say(f"wrote {', '.join(str(p) for p in report.files.values())}")
    report.elapsed = time.perf_counter() - started
    return report


def _cases(methods, invariance, problems, pairs, n_components, bandwidth, restarts, seed, max_iter):
    """Every optimum the report computes, in table order."""
    kernel = {"kernel": "rbf", "bandwidth": bandwidth}
    numerical_options = {
        "simclr": {"restarts": restarts, "random_state": seed, "max_iter": max_iter},
        "barlow_twins": {"restarts": 1, "random_state": seed},
    }
    cases = []
    for method in methods:
        for regime in REGIMES:
            extra = kernel if regime == "kernel" else {}
            if method == "vicreg":
                for kind, weights in _weight_sets(invariance):
                    cases.append(_Case("main", method, regime, kind,
                                       dict(weights, variance_kind="square", **extra),
                                       problems["main", regime]))
                continue
            hyper = dict(METHOD_HYPERPARAMETERS[method], **extra)
            numerical = method == "simclr" or (
                method == "barlow_twins" and regime == "nonparametric"
                and n_connected_components(problems["main", regime].G) < n_components)
            problem = problems["numerical" if numerical else "main", regime]
            cases.append(_Case("main", method, regime, method, hyper, problem,
                               dict(numerical_options.get(method, {})) if numerical else {}))
    ratios = sorted({min(invariance), max(invariance)})
    for problem in pairs:
        for method in methods:
            if method == "vicreg":
                for r in ratios:
                    cases.append(_Case("pairs", method, "nonparametric", "ratio",
                                       {"variance": 1.0, "covariance": 1.0, "invariance": float(r),
                                        "variance_kind": "square"}, problem))
                continue
            cases.append(_Case("pairs", method, "nonparametric", method,
                               dict(METHOD_HYPERPARAMETERS[method]), problem,
                               dict(numerical_options.get(method, {}))))
    return cases


def _base_row(case, relation, n_components, probe, restarts):
    hyper = case.hyper
    vicreg = case.method == "vicreg"
    if vicreg:
        description = ("covariance >= variance (diagonal)" if case.kind == "ratio"
                       else "reference weights, covariance < variance (water-filling)")
    else:
        description = None  # the solver's own description, filled in after solving
    return {
        "section": case.section,
        "method": case.method,
        "regime": case.regime,
        "hyperparameters": _hyper_text(case.method, hyper),
        "invariance_ratio": hyper["invariance"] / hyper["variance"] if vicreg else None,
        "variance": hyper.get("variance"),
        "covariance": hyper.get("covariance"),
        "invariance": hyper.get("invariance"),
        "off_diagonal": hyper.get("off_diagonal"),
        "temperature": hyper.get("temperature"),
        "case": description,
        "relation": relation if case.section == "main" else "views",
        "n_images": int(case.problem.images.size),
        "n_samples": int(case.problem.G.shape[0]),
        "n_components": int(n_components),
        "components": n_connected_components(case.problem.G),
        "loss": None, "minimal_loss_formula": None, "rank": None, "exact": None, "solution": None,
        "equivalent": None, "gradient_norm": None, "cert_n_samples": None,
        "cert_restarts": int(restarts), "cert_closed_form_loss": None,
        "cert_best_numerical_loss": None, "cert_gap": None, "cert_relative_gap": None,
        "cert_converged": None, "cert_passed": None, "cert_verdict": None,
        "probe": probe if case.section == "main" else None, "probe_accuracy": None,
        "seconds": None, "skipped": None,
    }


def _solve_and_certify(case, n_components, restarts, seed, max_iter):
    problem = case.problem
    nonparametric = case.regime == "nonparametric"
    cert = _certify.certify(case.method, problem.Gc, n_components,
                            X=None if nonparametric else problem.Vc, regime=case.regime,
                            restarts=restarts, random_state=seed, max_iter=max_iter,
                            solve_options=case.solve_options or None, **case.hyper)
    if problem.certify_itself:
        rep = cert.representation
    else:
        rep = _methods.solve(case.method, problem.G, n_components,
                             X=None if nonparametric else problem.V, regime=case.regime,
                             **case.hyper, **case.solve_options)
    return rep, cert


def _result_fields(rep, cert, case):
    solution = solution_kind(rep)
    details = rep.details
    formula = details.get("minimal_loss", details.get("whitened_loss"))
    fields = {} if case.method == "vicreg" else {
        "case": details.get("case") or details.get("problem") or "closed form (Eckart-Young)"}
    if case.method == "simclr":
        # SimCLR's loss only sees row directions; a row near 0 marks a stalled run (see the notes).
        norms = np.linalg.norm(rep.Z, axis=1)
        fields["min_row_norm_ratio"] = float(norms.min() / np.median(norms))
    return fields | {
        "loss": float(rep.loss),
        "minimal_loss_formula": None if formula is None else float(formula),
        "rank": int(rep.rank),
        "exact": bool(rep.exact),
        "solution": solution,
        "equivalent": rep.equivalent,
        "gradient_norm": _gradient_norm(rep, case.problem.G, case.regime, case.problem.V),
        "cert_n_samples": int(cert.n_samples),
        "cert_closed_form_loss": float(cert.closed_form_loss),
        "cert_best_numerical_loss": float(cert.best_numerical_loss),
        "cert_gap": float(cert.gap),
        "cert_relative_gap": float(cert.relative_gap),
        "cert_converged": f"{sum(cert.converged)}/{len(cert.converged)}",
        "cert_passed": bool(cert.passed),
        "cert_verdict": _verdict(solution, bool(cert.passed)),
        "cert_numerical_losses": [float(v) for v in cert.numerical_losses],
        "eigenvalues": [float(v) for v in rep.eigenvalues],
        "scales": [float(v) for v in rep.scales],
    }


def _probe(rep, case, X, y, train, test, model):
    if case.regime != "nonparametric":
        return probe_out_of_sample(rep, X[train], y[train], X[test], y[test], model=model)
    images = case.problem.images
    groups = np.tile(np.arange(images.size), 2)
    return probe_transductive(rep, y[images], np.flatnonzero(np.isin(images, train)),
                              np.flatnonzero(np.isin(images, test)), groups=groups, model=model)


def _config(n_components, invariance, restarts, quick, seed, relation, n_neighbors, sizes, probe,
            test_size, bandwidth, certify_max_iter, methods, pair_images):
    return {
        "data": "sklearn.datasets.load_digits (scaled to [0, 1])",
        "methods": list(methods),
        "n_components": int(n_components),
        "invariance_ratios": [float(r) for r in invariance],
        "reference_weights": dict(REFERENCE_WEIGHTS),
        "variance_kind": "square",
        "method_hyperparameters": {m: dict(METHOD_HYPERPARAMETERS[m]) for m in methods if m != "vicreg"},
        "restarts": int(restarts),
        "certify_max_iter": int(certify_max_iter),
        "quick": bool(quick),
        "seed": int(seed),
        "relation": relation,
        "n_neighbors": int(n_neighbors),
        "n_images": sizes["n_images"],
        "kernel_images": sizes["kernel_images"],
        "certify_images": sizes["certify_images"],
        "numerical_images": sizes["numerical_images"],
        "pairs_images": [int(c) for c in pair_images],
        "mds": dict(MDS_SETTINGS, n_samples=int(sizes["mds_samples"]),
                    data=f"swiss_roll: jittered {SWISS_ROLL_ROWS}-row grid on the surface",
                    bandwidth="median pairwise distance of each relation"),
        "probe": probe,
        "test_size": float(test_size),
        "views": {"n_views": 2, "augment": ["shift", "noise"], "noise_scale": 0.1},
        "kernel": {"name": "rbf", "bandwidth": float(bandwidth)},
        "blas_threads": 1,
    }


def _notes(n, train, test, y, relation, n_neighbors, kernel_train, sizes, restarts, bandwidth,
           probe, problems, seed, n_components, max_iter, methods, pairs, mds_rows):
    majority = np.bincount(y[test]).max() / test.size
    relation_text = (
        "augmentation pairs only (each view linked to the other view of its image)"
        if relation == "views" else
        f"augmentation pairs + symmetrised {n_neighbors}-nearest-neighbour graph among the views "
        f"(G = max(G_pairs, G_kNN), binary); pairs alone make the non-parametric optimum "
        f"degenerate (every pair-indicator direction has Laplacian eigenvalue 0)"
    )
    cert_text = (
        "the full problems" if sizes["certify_images"] is None else
        f"the same construction restricted to a stratified subsample of {sizes['certify_images']} "
        f"of each regime's images (N = 2 x images view rows, column 'cert. N'), because "
        f"random-restart L-BFGS on the full problems takes minutes per row; the full problems' "
        f"optimality is backed by the "
        f"gradient norm at the closed form ('grad. norm', w.r.t. Z, (W, b) or (A, b))"
    )
    main = {regime: problems["main", regime] for regime in REGIMES}
    notes = [
        f"Data: scikit-learn digits, {n} images (8 x 8 pixels scaled to [0, 1]), stratified split "
        f"into {train.size} train / {test.size} test images (seed {seed}).",
        "Views: 2 per image (graphs.make_views: one-pixel shift, then Gaussian noise of 0.1 x each "
        "pixel's std).",
        f"Relation: {relation_text}. Labels are never used to build G. 'components of G' = number "
        "of connected components of the graph the row's optimum was computed on.",
        f"Regimes: nonparametric = Z free on the {main['nonparametric'].G.shape[0]} views of all "
        f"images (transductive); linear = Z = XW + b fitted on the {main['linear'].G.shape[0]} "
        f"views of the training images; kernel = Z = K_X A + b (rbf, bandwidth {bandwidth:.4g} = "
        f"median pairwise distance) fitted on the {main['kernel'].G.shape[0]} views of "
        + (f"a stratified subsample of {kernel_train.size} training images (the kernel regime costs "
           f"O(N^3) in the number of views)" if kernel_train.size < train.size
           else "all training images") + ".",
    ]
    if "vicreg" in methods:
        notes.append(
            "VICReg: square variance penalty, covariances with 1/N. Rows 'var=1 cov=1 inv=r' (r = "
            "invariance/variance) have t_k = max(0, 1 - r lambda_k); the reference row uses "
            "(variance, covariance, invariance) = (25, 1, 25): covariance < variance, the "
            "water-filling optimum. rank = number of directions with t_k > 0.")
    if "spectral_contrastive" in methods:
        notes.append(
            "Spectral contrastive: Eckart-Young closed form in every regime (top-K eigenvectors of "
            "D^-1/2 G D^-1/2, restricted to the span of the features in the linear and kernel "
            "regimes); rank = number of positive eigenvalues used.")
    numerical = problems["numerical", "nonparametric"]
    if "barlow_twins" in methods:
        c = n_connected_components(main["nonparametric"].G)
        nonparametric = (
            f"the loss-zero closed form (K = {n_components} <= {c} components)" if c >= n_components
            else f"no closed form since K = {n_components} > {c} component(s) (open problem): the loss "
                 f"is minimised numerically (reduced K x K problem, then L-BFGS on Z from it, from the "
                 f"whitened optimum and from 1 random start) on the {numerical.G.shape[0]} views of a "
                 f"stratified subsample of {numerical.images.size} images")
        notes.append(
            "Barlow Twins: the paper's uncentred form, off_diagonal lambda = 0.005. Non-parametric: "
            f"{nonparametric}. Linear and kernel: CCA (kernel CCA, unregularised), exact for the "
            "problem with within-view whitening (solution 'whitened'); the certificate minimises "
            "the unconstrained loss, which goes lower (docs/theory.md section 5: without whitening "
            "Barlow Twins can beat CCA), so its verdict 'lower' is the expected outcome and the gap is its "
            "size; the gradient norm at CCA is not zero for the same reason. rank = number of "
            "column singular values of D^1/2 Z / sqrt(vol) above 1e-6 times the largest.")
    if "simclr" in methods:
        notes.append(
            "SimCLR (temperature 0.5): no closed form outside equal cliques, so every regime is "
            f"minimised numerically (exact=False; L-BFGS with the analytic gradient from {restarts} "
            f"starts, at most {max_iter} iterations each: Laplacian Eigenmaps / LPP directions, then "
            "random), on a stratified subsample of "
            f"{numerical.images.size} images ({numerical.G.shape[0]} views: all images' subsample for "
            f"the non-parametric regime, the training images' for the others) because each loss "
            "evaluation costs O(N^2 K). The non-parametric probe is then transductive within the "
            "subsample (fewer test images: a noisier accuracy). rank = number of singular values of "
            "the row-normalised Z above 1e-3 times the largest. 'grad. norm' at a numerical optimum "
            "should be small (a stationary point); SimCLR's loss is not smooth where a row of Z is 0 "
            "(its direction is undefined), and in the linear and kernel regimes a row z_i = x_i W + b "
            "can pass near 0, where L-BFGS stalls with a large gradient: such a row is a stalled run, "
            "not an optimum.")
    notes.append(
        f"Certificate: spectral_ssl.certify.certify with {restarts} random restarts of L-BFGS-B. "
        f"Closed forms (solution 'exact' or 'whitened') are certified on {cert_text}. Numerical "
        "optima are certified on their own problem ('cert. N' = N): independent restarts that the "
        "solver's result should not lose to ('beaten' if one does: the solver found a worse local "
        "minimum). 'cert. rel. gap' = (optimum's loss - best numerical loss) / max(1, |best|): "
        "<= 1e-8 passes; a negative value means the optimum is lower than every restart. "
        f"Each restart runs at most {max_iter} L-BFGS-B iterations; 'cert. conv.' counts the restarts "
        "that met L-BFGS-B's own stopping rule before that cap. Only a failed certificate of an "
        "'exact' row is an error (exit code 1).")
    notes.append(
        f"Probe: {probe} on standardised features, predicting the digit class of held-out test "
        "images. Linear/kernel: trained on transform(train images), tested on transform(test "
        "images) (clean images, not views). Nonparametric: transductive, the 2 view rows of each "
        "image averaged. Standardisation makes the probe depend on the directions kept (the rank), "
        f"not their variances. Chance (majority class of the test images) = {majority:.3f}.")
    if pairs:
        sizes_text = " and ".join(str(p.images.size) for p in pairs)
        notes.append(
            f"Rank against components: the augmentation-pairs relation of {sizes_text} randomly "
            f"chosen images (seed {seed}), whose graph has one component per image; non-parametric "
            "optima certified on the problem itself (no probe: too few images). VICReg at the "
            "smallest and the largest invariance ratio of the sweep. Expected (docs/theory.md sections 2-5): "
            "spectral contrastive rank min(K, c) (eigenvalue 1 on each component indicator, -1 on "
            "each within-pair contrast); SimCLR's closed form when c - 1 <= K (equal cliques: a "
            "regular simplex, rank c - 1); Barlow Twins' loss-zero closed form when K <= c (rank K), "
            "numerical otherwise; VICReg keeps the within-pair contrasts (Laplacian eigenvalue 2) "
            "while invariance/variance < 1/2, so its rank can exceed c.")
    if mds_rows:
        first = mds_rows[0]
        notes.append(
            f"SimCLR vs MDS: a swiss roll of {first['n_samples']} points (report.swiss_roll: the "
            f"surface of scikit-learn's make_swiss_roll, 1.5 turns, sampled on a jittered "
            f"{SWISS_ROLL_ROWS}-row grid so that no kNN edge links two turns; seed {seed}). "
            "Relations G_ij = exp(-delta_ij^2 / (2 sigma^2)) with delta the Euclidean "
            f"distance or the shortest path in the {MDS_SETTINGS['n_neighbors']}-NN graph (ISOMAP's "
            "distance) and sigma = the median of delta. SimCLR (K = "
            f"{first['n_components']}, tau = {first['temperature']:g}) optimised by one L-BFGS run "
            f"from the Laplacian Eigenmaps start (at most {MDS_SETTINGS['max_iter']} iterations). "
            "Theorem 2: the loss is at least bound = -sum_ij G_ij log(G_ij / d_i), with equality iff "
            "the squared chord distances equal the MDS target -2 tau log G_ij = (tau / sigma^2) "
            "delta_ij^2 up to one constant. 'Spearman' / 'Pearson': correlation of the chord "
            "distances with the target (Pearson on sqrt of the target) over all pairs; 'stress': "
            "calibrated residual (0 = bound attained); 'Spearman, other target': the same "
            "representation against the other relation's target; \"targets' Spearman\": the two "
            "targets against each other, the agreement a representation would have with the other "
            "target if it reproduced its own exactly.")
    return notes


def _rank_panels(report):
    """The panels of ``ranks.png``: main relation per regime, then each pairs problem."""
    rows = [row for row in report.rows if row.get("rank") is not None]
    vicreg_ratios = [r["invariance_ratio"] for r in rows if r["method"] == "vicreg"
                     and r["invariance_ratio"] is not None and r["variance"] == 1.0]
    extremes = {min(vicreg_ratios), max(vicreg_ratios)} if vicreg_ratios else set()

    def bar(row):
        if row["method"] == "vicreg":
            label = f"VICReg inv/var={row['invariance_ratio']:g}"
        else:
            label = {"spectral_contrastive": "spectral contr.", "barlow_twins": "Barlow Twins",
                     "simclr": "SimCLR"}[row["method"]]
        return {"label": label, "rank": row["rank"], "components": row["components"],
                "method": row["method"], "exact": row["solution"] != "numerical"}

    def keep(row):
        return row["method"] != "vicreg" or (row["variance"] == 1.0
                                             and row["invariance_ratio"] in extremes)

    panels = []
    relation = report.config["relation"]
    for regime in REGIMES:
        bars = [bar(r) for r in rows if r["section"] == "main" and r["regime"] == regime and keep(r)]
        if bars:
            panels.append({"title": f"digits, {relation}: {regime}", "bars": bars})
    for count in report.config["pairs_images"]:
        bars = [bar(r) for r in rows if r["section"] == "pairs" and r["n_images"] == count]
        if bars:
            panels.append({"title": f"pairs only, {count} images: c = {count}", "bars": bars})
    return panels


def write_report(report, out_dir):
    """Write ``report.md``, ``report.csv``, ``report.json`` and the figures; return their paths.

    Figures: ``spectra.png`` (with VICReg rows), ``ranks.png`` (with any computed
    row), ``simclr_mds.png`` (with the SimCLR-MDS section).
    """
    from . import plotting

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"markdown": out / "report.md", "csv": out / "report.csv", "json": out / "report.json"}
    K = report.config["n_components"]

    panels = {regime: items for regime, items in report.representations.items() if items}
    if panels:
        files["figure"] = out / "spectra.png"
        fig = plotting.spectra_figure(panels, suptitle=(
            f"VICReg optimum on digits (K={K}, relation "
            f"{report.config['relation']}): singular values of the centred $Z$ vs $\\sqrt{{N t_k}}$"))
        fig.savefig(files["figure"])
    rank_panels = _rank_panels(report)
    if rank_panels:
        files["ranks"] = out / "ranks.png"
        fig = plotting.rank_components_figure(rank_panels, n_components=K, suptitle=(
            "Rank of each optimum (bars) against the number of connected components of its "
            f"relation graph (black ticks); K = {K}"))
        fig.savefig(files["ranks"])
    if report.mds_panels:
        files["mds_figure"] = out / "simclr_mds.png"
        first = report.mds[0]
        fig = plotting.simclr_mds_figure(report.mds_panels, suptitle=(
            f"SimCLR on a swiss roll (N={first['n_samples']}, K={first['n_components']}, "
            f"tau={first['temperature']:g}) against classical MDS of its relation's distances"))
        fig.savefig(files["mds_figure"])

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in report.rows:
        writer.writerow({k: ("" if row.get(k) is None else _jsonable(row.get(k))) for k in CSV_COLUMNS})
    files["csv"].write_text(buffer.getvalue(), encoding="utf-8")

    files["json"].write_text(json.dumps(_jsonable({
        "title": "spectral_ssl report: the SSL methods' optima on digits",
        "config": report.config, "notes": report.notes, "rows": report.rows,
        "simclr_mds": report.mds, "elapsed_seconds": report.elapsed,
    }), indent=2) + "\n", encoding="utf-8")

    methods = ", ".join({"vicreg": "VICReg", "spectral_contrastive": "spectral contrastive",
                         "barlow_twins": "Barlow Twins", "simclr": "SimCLR"}[m]
                        for m in report.config["methods"])
    lines = [f"# spectral_ssl report: optima of {methods} on digits", "",
             f"Relation {report.config['relation']!r}, K = {K}. 'solution': exact = closed form, "
             "global optimum of the loss; whitened = Barlow Twins' CCA, exact under within-view "
             "whitening; numerical = no closed form, numerical optimum (exact=False).", "",
             report.table(markdown=True), ""]
    for row in report.rows:
        if row.get("skipped"):
            lines.append(f"- {row['method']}, {row['regime']}, {row['hyperparameters']}: "
                         f"skipped, {row['skipped']}.")
    pairs = report.section("pairs")
    if pairs:
        lines += ["", "## Rank against the components of G", "",
                  "The augmentation-pairs relation alone: every image is one connected component, "
                  f"so components of G = number of images (K = {K}, non-parametric optima).", "",
                  report.table(markdown=True, section="pairs"), ""]
    if "ranks" in files:
        lines += ["Rank of every optimum (bars; hatched = numerical optimum) against the number of "
                  "components of its graph (black ticks) and K (dashed line).", "",
                  f"![ranks]({files['ranks'].name})", ""]
    if report.mds:
        lines += ["## SimCLR as MDS / ISOMAP", "",
                  "SimCLR optimised on a Gaussian relation of a swiss roll built from Euclidean "
                  "distances (its MDS target is classical MDS) and from kNN-graph geodesic "
                  "distances (ISOMAP); agreement of its chord distances with each target.", "",
                  report.mds_table(markdown=True), ""]
        if "mds_figure" in files:
            lines += ["Left: squared chord distances of the SimCLR representation against the MDS "
                      "target of its relation (one dot per pair; line: target plus the fitted "
                      "constant). Middle: classical MDS of the target (ISOMAP for the geodesic "
                      "relation). Right: SimCLR on its first two principal axes. Colour: position "
                      "along the roll.", "", f"![simclr_mds]({files['mds_figure'].name})", ""]
    lines += ["## How the numbers were obtained", ""] + [f"- {note}" for note in report.notes]
    if "figure" in files:
        lines += ["", "## VICReg spectrum", "",
                  "Singular values of the centred representation (crosses) against the predicted "
                  "sqrt(N t_k) (lines), one panel per regime.", "",
                  f"![spectra]({files['figure'].name})"]
    lines += ["", f"Computed in {report.elapsed:.1f} s.", ""]
    files["markdown"].write_text("\n".join(lines), encoding="utf-8")
    return {kind: str(path) for kind, path in files.items()}
