r"""The ``spectral-ssl report``: the four SSL methods' optima, certified and probed, and the paper's claims.

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
6. **Probe.** :func:`spectral_ssl.experiments.probe.linear_probe` (logistic
   regression on the whitened span, so only the span counts) predicts the digit class. Linear and kernel regimes:
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

9. **The paper's claims** (:mod:`spectral_ssl.experiments.claims`, section
   ``"claims"``): :func:`~spectral_ssl.experiments.claims.aligned_graph`,
   :func:`~spectral_ssl.experiments.claims.low_data_regime`,
   :func:`~spectral_ssl.experiments.claims.misaligned_graph` and
   :func:`~spectral_ssl.experiments.claims.rank_collapse` on each data set of
   :func:`claim_datasets` (the Gaussian mixture, trained at the paper's
   :math:`N = 256` and tested on held-out samples, and 174 digits per class),
   through :func:`~spectral_ssl.experiments.claims.claim_calls`, the settings
   :func:`~spectral_ssl.experiments.claims.run_all` uses (``quick`` with
   ``quick``: fewer seeds, marked "quick, indicative");
   :func:`~spectral_ssl.experiments.claims.local_vs_global` once, on its swiss
   rolls (it needs a manifold whose intrinsic distances are known). Each result
   keeps its verdict per wording of the paper, intervals, design checks, rule,
   key numbers, table and figures (:mod:`spectral_ssl.plotting_claims`).

**Your data** (``data=(X, y)``, the command's ``--data``): the method table,
the pairs section and the four claims that need only :math:`(X, y)` run on it,
with Gaussian-noise views (the pixel shift needs images); ``local_vs_global``
and the SimCLR-MDS section stay on their swiss rolls. A claim the data cannot
support (too few samples per class, say) is listed as *not run* with the reason.

Outputs (in ``out_dir``): ``report.html`` (one self-contained page: inline CSS,
every figure embedded as a base64 PNG, no external resource), ``report.md``
(Markdown, figures as the PNG files next to it), ``report.csv`` (the optima),
``report.json`` (everything, claims included), ``spectra.png`` (VICReg:
singular values of the centred :math:`Z` against :math:`\sqrt{N t_k}`, one
panel per regime), ``ranks.png`` (rank of every optimum against the components
of its graph), ``simclr_mds.png`` and one ``claim_<claim>_<data>_<figure>.png``
per figure of each claim.

Every computation runs with one BLAS thread (``threadpoolctl``): the L-BFGS
loops call BLAS on small vectors, where threads only add synchronisation, and
on a shared machine that made the report over ten times slower.
"""

import base64
import csv
import html
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

#: Columns of the claims' verdict table.
CLAIM_COLUMNS = (
    ("claim", "claim"),
    ("data", "data"),
    ("verdict", "verdict"),
    ("seconds", "seconds"),
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

#: The paper's claims in the order of :mod:`spectral_ssl.experiments.claims`:
#: (function name, one-line title). The number of a claim is its position plus one.
CLAIMS = (
    ("aligned_graph", "an aligned relation recovers the supervised solution"),
    ("low_data_regime", "with few samples per class, VICReg needs a high invariance weight"),
    ("misaligned_graph", "with a misaligned relation, prefer VICReg with a small invariance weight"),
    ("local_vs_global", "contrastive methods are global, non-contrastive methods local"),
    ("rank_collapse", "the rank of each optimum follows the relation's spectrum and the "
                      "hyper-parameters"),
)

#: The claim measured on its own manifold (a swiss roll whose intrinsic distances are known),
#: once, whatever the data: the other claims need only labelled features (X, y).
MANIFOLD_CLAIM = "local_vs_global"

#: Samples of the method table on a user's data (``data=``) when ``n_images`` is None: a
#: class-stratified subsample beyond it, because the kernel regime and the certificates grow
#: with the cube of the number of views.
USER_DATA_MAX_SAMPLES = 2000

#: Fewest samples per class of a user's data: a stratified train/test split needs two of a
#: class on each side.
MIN_SAMPLES_PER_CLASS = 4


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
    claims : list of spectral_ssl.experiments.claims.ClaimResult
        The claims measured, in :data:`CLAIMS` order, data set by data set
        (empty with ``claims=False``).
    claims_not_run : list of dict
        ``{"name", "dataset", "reason"}`` of each claim the user's data could
        not support (a ``ValueError`` of the claim's own checks).
    figures : list of dict
        The figures written, in page order: ``{"key", "section", "file",
        "caption"}``, plus ``"claim"``, ``"dataset"``, ``"name"`` for a claim's
        figure (empty if nothing was written).
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
    claims: list = field(default_factory=list)
    claims_not_run: list = field(default_factory=list)
    figures: list = field(default_factory=list)
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
        if self.claims or self.claims_not_run:
            parts.append("The paper's claims (rule and numbers in report.html / report.md)\n"
                         + self.claims_table())
        return "\n\n".join(parts)

    def claim_rows(self):
        """One dict per claim run or not run: ``claim``, ``data``, ``verdict``, ``seconds``."""
        rows = [{"claim": f"{_claim_number(r.name)}. {r.name}", "data": r.dataset,
                 "verdict": r.verdict, "seconds": r.elapsed} for r in self.claims]
        rows += [{"claim": f"{_claim_number(r['name'])}. {r['name']}", "data": r["dataset"],
                  "verdict": "not run", "seconds": None} for r in self.claims_not_run]
        return sorted(rows, key=lambda row: row["claim"])

    def claims_table(self, *, markdown=False):
        """The verdict of every claim on every data set ("" without claims)."""
        rows = self.claim_rows()
        return format_rows(rows, markdown=markdown, columns=CLAIM_COLUMNS) if rows else ""


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
    if key == "seconds":
        return f"{value:.1f}"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{value:.6g}"
    return str(value)


_TEXT_KEYS = ("method", "regime", "hyperparameters", "solution", "cert_verdict", "relation",
              "equivalent", "claim", "data", "verdict")


def _claim_number(name):
    """1-based position of a claim in :data:`CLAIMS`."""
    return [claim for claim, _ in CLAIMS].index(name) + 1


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


def check_labelled_data(X, y, *, argument="data"):
    """Validate a user's features and labels for the report.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Finite numbers, at least two features.
    y : array_like, shape (N,)
        Class labels (any hashable values): at least two classes, each with at
        least :data:`MIN_SAMPLES_PER_CLASS` samples (a stratified train/test
        split needs two of every class on each side).
    argument : str
        Name used in the messages (the command passes ``"--data"``).

    Returns
    -------
    X : ndarray of float64, shape (N, D)
    y : ndarray, shape (N,)

    Raises
    ------
    ValueError
        Naming ``argument`` and the fix.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"{argument}: the features must be a 2-D array (samples x features), "
                         f"got shape {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{argument}: the features contain NaN or infinite values; remove or "
                         f"impute them first.")
    if X.shape[1] < 2:
        raise ValueError(f"{argument}: {X.shape[1]} feature column; the report needs at least 2.")
    if y.shape != (X.shape[0],):
        raise ValueError(f"{argument}: {X.shape[0]} samples but labels of shape {y.shape}; give "
                         f"one label per sample.")
    classes, counts = np.unique(y, return_counts=True)
    if classes.size < 2:
        raise ValueError(f"{argument}: the labels hold a single class ({classes[0].item()!r}); the "
                         f"report needs at least two classes.")
    if counts.min() < MIN_SAMPLES_PER_CLASS:
        small = classes[np.argmin(counts)].item()  # a Python value: its repr is the label itself
        raise ValueError(f"{argument}: class {small!r} has only {counts.min()} sample(s); every "
                         f"class needs at least {MIN_SAMPLES_PER_CLASS} (a stratified train/test "
                         f"split); drop or merge the small classes.")
    return X, y


def _per_class_subset(y, size, rng):
    """Sorted indices of about ``size`` rows, each class in proportion, at least
    :data:`MIN_SAMPLES_PER_CLASS` of every class (all of a smaller one)."""
    _, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    quota = np.round(counts * size / y.size).astype(int)
    quota = np.minimum(counts, np.maximum(quota, MIN_SAMPLES_PER_CLASS))
    keep = [rng.choice(np.flatnonzero(codes == c), q, replace=False) for c, q in enumerate(quota)]
    return np.sort(np.concatenate(keep))


def split_labelled_data(X, y, *, n_images=None, test_size=0.3, seed=0):
    """A user's data for the method table: optionally subsampled, split into train/test rows.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    y : ndarray, shape (N,)
        Already checked by :func:`check_labelled_data`; any label values
        (they are replaced by integer codes ``0 .. C-1``).
    n_images : int, optional
        Keep a class-stratified subsample of about this many rows (each class
        in proportion, at least :data:`MIN_SAMPLES_PER_CLASS` of each);
        ``None``: all rows up to :data:`USER_DATA_MAX_SAMPLES`.
    test_size : float in (0, 1)
    seed : int

    Returns
    -------
    X : ndarray, shape (n, D)
    y : ndarray of int, shape (n,)
    train, test : ndarray of int
    """
    from sklearn.model_selection import train_test_split

    y = np.unique(y, return_inverse=True)[1]
    size = USER_DATA_MAX_SAMPLES if n_images is None else n_images
    if size < X.shape[0]:
        keep = _per_class_subset(y, size, np.random.default_rng(seed))
        X, y = X[keep], y[keep]
    train, test = train_test_split(np.arange(X.shape[0]), test_size=test_size, stratify=y,
                                   random_state=seed)
    return X, y, np.sort(train), np.sort(test)


@dataclass
class _MethodData:
    """The labelled data of the method table and how its views are made."""

    name: str
    description: str  # one sentence for the notes
    X: np.ndarray
    y: np.ndarray
    train: np.ndarray
    test: np.ndarray
    augment: tuple  # graphs.make_views augmentations
    view_text: str  # how a view is made, for the notes


def _method_data(data, data_name, n_images, test_size, seed):
    if data is None:
        X, y, train, test = load_digits_split(n_images=n_images, test_size=test_size, seed=seed)
        return _MethodData(
            "digits", f"scikit-learn digits, {X.shape[0]} images (8 x 8 pixels scaled to [0, 1])",
            X, y, train, test, ("shift", "noise"),
            "one-pixel shift, then Gaussian noise of 0.1 x each pixel's std")
    X0, y0 = data
    X, y, train, test = split_labelled_data(X0, y0, n_images=n_images, test_size=test_size, seed=seed)
    kept = ("all" if X.shape[0] == X0.shape[0] else
            f"a class-stratified subsample of {X.shape[0]} of the {X0.shape[0]}")
    return _MethodData(
        data_name, f"{data_name}: {kept} samples, {X.shape[1]} features, "
                   f"{np.unique(y).size} classes (your data)",
        X, y, train, test, ("noise",),
        "Gaussian noise of 0.1 x each feature's std (the pixel shift needs images)")


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

    # A stratified draw needs a member of every class on both sides; with many classes a
    # small size cannot have that, so it grows to two per class, or takes everything.
    n_classes = np.unique(y[indices]).size
    size = max(size, 2 * n_classes)
    if indices.size - size < n_classes:
        return indices

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
    from .experiments.datasets import spiral_arc_length as arc

    rng = np.random.default_rng(seed)
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


# --------------------------------------------------------------------------- the paper's claims

def claim_datasets(seed=0):
    """The default data of the claims: the Gaussian mixture and digits.

    :func:`spectral_ssl.experiments.datasets.mixture_dataset` (2048 samples, 64
    features, 8 classes: the claims train on the paper's :math:`N = 256` and test
    on held-out samples) and :func:`spectral_ssl.experiments.datasets.digits`
    (174 images of each digit, all the smallest class has), both drawn with ``seed``.

    Returns
    -------
    list of spectral_ssl.experiments.datasets.Dataset
    """
    from .experiments import datasets

    return [datasets.mixture_dataset(2048, random_state=seed),
            datasets.digits(174, random_state=seed)]


def _user_claim_dataset(X, y, name, seed):
    """A user's data as a claims ``Dataset``, its rows shuffled (seeded).

    The claims draw their own class-balanced samples; the rows are shuffled
    anyway so that nothing depends on the order of the file.
    """
    from .experiments.datasets import Dataset

    order = np.random.default_rng(seed).permutation(X.shape[0])
    return Dataset(name=name, X=X[order], y=y[order], view_options={},
                   description=(f"{name}: {X.shape[0]} samples, {X.shape[1]} features, "
                                f"{np.unique(y).size} classes (your data)"))


def _claim_settings(quick):
    from .experiments import claims

    return claims.settings(bool(quick))


def _claim_calls(dataset, fast, seed):
    """``{claim name: callable}`` of the claims that need only (X, y), for one data set.

    :func:`spectral_ssl.experiments.claims.claim_calls`, the settings
    :func:`~spectral_ssl.experiments.claims.run_all` uses (``quick`` for the quick
    report); the report calls the claims one by one so that each gets a progress
    line, the manifold claim runs once, and a user's data too small for one claim
    does not stop the others.
    """
    from .experiments import claims

    return claims.claim_calls(dataset.X, dataset.y, quick=bool(fast), random_state=seed)


def _claim_plan(claim_sets, fast, seed, user_data):
    """``[(claim, data name, callable, on the user's data)]`` in :data:`CLAIMS` order."""
    from .experiments import claims

    calls = [(dataset.name, _claim_calls(dataset, fast, seed)) for dataset in claim_sets]
    plan = []
    for name, _ in CLAIMS:
        if name == MANIFOLD_CLAIM:
            plan.append((name, "swiss roll", claims.manifold_call(quick=bool(fast), random_state=seed),
                         False))
            continue
        for dataset, functions in calls:
            plan.append((name, dataset, functions[name], user_data))
    return plan


def run_claims(plan, progress=None):
    """Measure each planned claim (see :func:`_claim_plan`).

    A ``ValueError`` of a claim on a user's data (too few samples of a class,
    say) is recorded as *not run* with its message; on the built-in data it is
    a bug and propagates.

    Returns
    -------
    results : list of ClaimResult
        ``dataset`` set to the data's name.
    not_run : list of dict
        ``{"name", "dataset", "reason"}``.
    """
    from .plotting_claims import claim_figures

    results, not_run = [], []
    for name, dataset, call, on_user_data in plan:
        if progress is not None:
            progress.start(f"claim {_claim_number(name)}, {name}, on {dataset}")
        try:
            result = call()
        except ValueError as error:
            if not on_user_data:
                raise
            not_run.append({"name": name, "dataset": dataset, "reason": str(error).rstrip(".")})
            if progress is not None:
                progress.finish("not run")
            continue
        result.dataset = dataset
        claim_figures(result)
        results.append(result)
        if progress is not None:
            progress.finish(result.verdict)
    return results, not_run


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
               data=None, data_name="data", claims=True, progress=True, write=True):
    """Run the report (see the module docstring) and write its files.

    Parameters
    ----------
    out_dir : str or Path
        Folder for ``report.html``, ``report.md``, ``report.csv``,
        ``report.json`` and the figures (``spectra.png``, ``ranks.png``,
        ``simclr_mds.png``, ``claim_*.png``), created if needed; existing files
        of those names are replaced.
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
        Override the sizes of :data:`DEFAULTS` / :data:`QUICK` (0: all):
        number of images (samples) of the method table (None: all digits; with
        ``data``, all rows up to :data:`USER_DATA_MAX_SAMPLES`), training
        images of the kernel regime (None: all), images of the certificate
        problems (None: certify the full problems), images of the problems
        solved numerically (None: all; slow).
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
    data : (X, y), optional
        A user's features (N x D) and class labels (N,), checked by
        :func:`check_labelled_data`. The method table, the pairs section and
        the claims other than :data:`MANIFOLD_CLAIM` run on it instead of
        digits and :func:`claim_datasets`; views are Gaussian noise (0.1 x
        each feature's std).
    data_name : str
        Name of ``data`` in tables and titles (the command passes the file's stem).
    claims : bool
        Measure the paper's claims (section 9 of the module docstring).
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
    if data is not None:
        X_user, y_user = check_labelled_data(*data)
        if n_images is not None and (isinstance(n_images, bool)
                                     or not isinstance(n_images, numbers.Integral) or n_images < 0):
            raise ValueError(f"n_images must be an integer >= 1, or 0 for every sample; got {n_images!r}.")
        if n_images == 0:
            n_images = X_user.shape[0]  # "all" on a user's data lifts the default cap too
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
        user = data is not None
        method_data = _method_data((X_user, y_user) if user else None, str(data_name),
                                   sizes["n_images"], test_size, seed)
        claim_sets = None
        if claims:
            claim_sets = ([_user_claim_dataset(X_user, y_user, str(data_name), seed)] if user
                          else claim_datasets(seed=seed))
        report = _run(out_dir, n_components, invariance, restarts, quick, seed, relation,
                      n_neighbors, sizes, certify_max_iter, methods, probe, test_size,
                      progress or None, write, started, method_data, claim_sets, user)
    return report


def _run(out_dir, n_components, invariance, restarts, quick, seed, relation, n_neighbors, sizes,
         certify_max_iter, methods, probe, test_size, stream, write, started, data, claim_sets,
         user_data):
    X, y, train, test = data.X, data.y, data.train, data.test
    n = X.shape[0]
    views, _ = graphs.make_views(X, n_views=2, augment=data.augment, random_state=seed + 1)
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
    plan = [] if claim_sets is None else _claim_plan(claim_sets, quick, seed, user_data)
    progress = _Progress(stream, len(cases) + mds_runs + len(plan))
    progress.say(f"{data.name}: {n} samples ({train.size} train / {test.size} test), 2 views each, "
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
    claim_results, not_run = run_claims(plan, progress)

    notes = _notes(data, relation, n_neighbors, kernel_train, sizes, restarts, bandwidth, probe,
                   problems, seed, n_components, certify_max_iter, methods, pairs, mds_rows,
                   claim_sets, quick, user_data)
    config = _config(n_components, invariance, restarts, quick, seed, relation, n_neighbors, sizes,
                     probe, test_size, bandwidth, certify_max_iter, methods,
                     [p.images.size for p in pairs], data)
    config["claims"] = None if claim_sets is None else {
        "datasets": [{"name": d.name, "description": d.description} for d in claim_sets],
        "manifold_claim": {"name": MANIFOLD_CLAIM, "data": "swiss roll",
                           "n_samples": _claim_settings(quick)[MANIFOLD_CLAIM]["n_samples"]},
        "settings": _jsonable(_claim_settings(quick)), "quick": bool(quick),
        "label": "quick, indicative" if quick else "",
        "user_data": bool(user_data), "seed": int(seed)}
    report = Report(rows=rows, config=config, notes=notes, mds=mds_rows, representations=reps,
                    mds_panels=mds_panels, claims=claim_results, claims_not_run=not_run)
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
            options = dict(numerical_options.get(method, {})) if numerical else {}
            if method == "barlow_twins" and regime != "nonparametric":
                options["constraint"] = "whitened"  # these rows are CCA (solution "whitened")
            cases.append(_Case("main", method, regime, method, hyper, problem, options))
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
            test_size, bandwidth, certify_max_iter, methods, pair_images, data):
    return {
        "data": ("sklearn.datasets.load_digits (scaled to [0, 1])" if data.name == "digits"
                 and data.augment == ("shift", "noise") else data.description),
        "data_name": data.name,
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
        "views": {"n_views": 2, "augment": list(data.augment), "noise_scale": 0.1},
        "kernel": {"name": "rbf", "bandwidth": float(bandwidth)},
        "blas_threads": 1,
    }


def _notes(data, relation, n_neighbors, kernel_train, sizes, restarts, bandwidth, probe, problems,
           seed, n_components, max_iter, methods, pairs, mds_rows, claim_sets, quick, user_data):
    y, train, test = data.y, data.train, data.test
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
        f"Data: {data.description}, stratified split into {train.size} train / {test.size} test "
        f"{'samples' if user_data else 'images'} (seed {seed})"
        + ("; each sample is called an 'image' below." if user_data else "."),
        f"Views: 2 per image (graphs.make_views: {data.view_text}).",
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
        f"Probe: {probe} on the whitened span of the representation, predicting the class of "
        "held-out test images. Linear/kernel: trained on transform(train images), tested on "
        "transform(test images) (clean images, not views). Nonparametric: transductive, the 2 view "
        "rows of each image averaged. Whitening makes the probe depend only on the span kept (the "
        f"directions and the rank), not on their variances or the basis. Chance (majority class of the test images) = {majority:.3f}.")
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
    if claim_sets is not None:
        where = ("your data (" + claim_sets[0].description + ")" if user_data else
                 " and ".join(d.description for d in claim_sets))
        notes.append(
            "Claims: the functions of spectral_ssl.experiments.claims with the settings of "
            f"claims.run_all{' (quick: fewer seeds and regimes, indicative only)' if quick else ''} "
            f"(seed {seed}): aligned_graph, low_data_regime, misaligned_graph and rank_collapse on "
            f"{where}; local_vs_global once, on swiss rolls of "
            f"{_claim_settings(quick)[MANIFOLD_CLAIM]['n_samples']} points, because it compares "
            "distances with the roll's known intrinsic (unrolled) coordinates, which labelled data "
            "does not have. Each claim runs design checks first (a setting that cannot show the "
            "effect is void), measures every number on several seeds, and judges each wording of "
            "the paper from 95% intervals: supported, not supported or inconclusive.")
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
            panels.append({"title": f"{report.config['data_name']}, {relation}: {regime}",
                           "bars": bars})
    for count in report.config["pairs_images"]:
        bars = [bar(r) for r in rows if r["section"] == "pairs" and r["n_images"] == count]
        if bars:
            panels.append({"title": f"pairs only, {count} images: c = {count}", "bars": bars})
    return panels


_METHOD_NAMES = {"vicreg": "VICReg", "spectral_contrastive": "spectral contrastive",
                 "barlow_twins": "Barlow Twins", "simclr": "SimCLR"}


def _file_stem(text):
    """``text`` with every character other than letters, digits, ``-``, ``_`` as ``_``."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(text))


def _method_figures(report):
    """``[(key, section, file name, caption, Figure)]`` of the method sections."""
    from . import plotting

    K = report.config["n_components"]
    name = report.config["data_name"]
    figures = []
    panels = {regime: items for regime, items in report.representations.items() if items}
    if panels:
        figures.append(("figure", "methods", "spectra.png",
                        "VICReg: singular values of the centred representation (crosses) against "
                        "the predicted sqrt(N t_k) (lines), one panel per regime.",
                        plotting.spectra_figure(panels, suptitle=(
                            f"VICReg optimum on {name} (K={K}, relation "
                            f"{report.config['relation']}): singular values of the centred $Z$ vs "
                            f"$\\sqrt{{N t_k}}$"))))
    rank_panels = _rank_panels(report)
    if rank_panels:
        figures.append(("ranks", "pairs", "ranks.png",
                        "Rank of every optimum (bars; hatched = numerical optimum) against the "
                        "number of components of its graph (black ticks) and K (dashed line).",
                        plotting.rank_components_figure(rank_panels, n_components=K, suptitle=(
                            "Rank of each optimum (bars) against the number of connected "
                            f"components of its relation graph (black ticks); K = {K}"))))
    if report.mds_panels:
        first = report.mds[0]
        figures.append(("mds_figure", "mds", "simclr_mds.png",
                        "Left: squared chord distances of the SimCLR representation against the "
                        "MDS target of its relation (one dot per pair; line: target plus the "
                        "fitted constant). Middle: classical MDS of the target (ISOMAP for the "
                        "geodesic relation). Right: SimCLR on its first two principal axes. "
                        "Colour: position along the roll.",
                        plotting.simclr_mds_figure(report.mds_panels, suptitle=(
                            f"SimCLR on a swiss roll (N={first['n_samples']}, "
                            f"K={first['n_components']}, tau={first['temperature']:g}) against "
                            f"classical MDS of its relation's distances"))))
    return figures


def _claim_figures(result):
    """``[(key, section, file name, caption, Figure, claim fields)]`` of one claim."""
    return [(f"claim:{result.name}:{result.dataset}:{name}", "claims",
             f"claim_{_file_stem(result.name)}_{_file_stem(result.dataset)}_{_file_stem(name)}.png",
             f"Claim {_claim_number(result.name)} ({result.name}) on {result.dataset}: "
             f"{name.replace('_', ' ')}.", fig,
             {"claim": result.name, "dataset": result.dataset, "name": name})
            for name, fig in result.figures.items()]


#: The files of a report folder: an existing --out holding anything else is not replaced.
REPORT_FILES = ("report.html", "report.md", "report.csv", "report.json", "*.png")


def write_report(report, out_dir):
    """Write the report's files into ``out_dir``, replacing an earlier report there in one step.

    The files are written into a temporary folder beside ``out_dir`` which then
    takes its place (see :func:`spectral_ssl._files.replaced_folder`): an
    interrupted run leaves the previous report whole, and stale files of an
    earlier run are gone. A folder holding other files than
    :data:`REPORT_FILES` is refused (``ValueError``). Returns ``{kind: path}``
    (the final paths).
    """
    from ._files import replaced_folder

    with replaced_folder(out_dir, option="out_dir", allowed=REPORT_FILES) as staging:
        files = _write_report_files(report, staging)
    return {kind: str(Path(out_dir) / Path(path).name) for kind, path in files.items()}


def _write_report_files(report, out_dir):
    """Write the report's files into ``out_dir``; return ``{kind: path}``.

    ``report.html`` (self-contained: every figure embedded as a base64 PNG),
    ``report.md`` (figures linked as the PNG files beside it), ``report.csv``
    (the optima), ``report.json`` (everything, claims included) and one PNG per
    figure: ``spectra.png`` (with VICReg rows), ``ranks.png`` (with any
    computed row), ``simclr_mds.png`` (with the SimCLR-MDS section) and
    ``claim_<claim>_<data>_<figure>.png`` for each figure of each claim. Each
    figure is rendered once; the HTML embeds the bytes of its PNG file.
    ``report.figures`` lists them in page order.
    """
    out = Path(out_dir)
    files = {"html": out / "report.html", "markdown": out / "report.md", "csv": out / "report.csv",
             "json": out / "report.json"}

    entries = _method_figures(report)
    for result in report.claims:
        entries += _claim_figures(result)
    pngs, report.figures = {}, []
    for key, section, name, caption, fig, *claim in entries:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        pngs[key] = buffer.getvalue()
        (out / name).write_bytes(pngs[key])
        files[key] = out / name
        report.figures.append({"key": key, "section": section, "file": name, "caption": caption,
                               **(claim[0] if claim else {})})

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in report.rows:
        writer.writerow({k: ("" if row.get(k) is None else _jsonable(row.get(k))) for k in CSV_COLUMNS})
    files["csv"].write_text(buffer.getvalue(), encoding="utf-8")

    files["json"].write_text(json.dumps(_jsonable({
        "title": _title(report),
        "config": report.config, "notes": report.notes, "rows": report.rows,
        "simclr_mds": report.mds, "claims": _claims_json(report), "figures": report.figures,
        "elapsed_seconds": report.elapsed,
    }), indent=2) + "\n", encoding="utf-8")
    files["markdown"].write_text(render_markdown(report), encoding="utf-8")
    files["html"].write_text(render_html(report, pngs), encoding="utf-8")
    return {kind: str(path) for kind, path in files.items()}


def _title(report):
    methods = ", ".join(_METHOD_NAMES[m] for m in report.config["methods"])
    claims = " and the paper's claims" if report.claims or report.claims_not_run else ""
    return f"spectral_ssl report: optima of {methods} on {report.config['data_name']}{claims}"


def _claims_json(report):
    """The claims of ``report`` as JSON-ready dicts (figures by file name)."""
    files = {}
    for entry in report.figures:
        if entry["section"] == "claims":
            files.setdefault((entry["claim"], entry["dataset"]), []).append(entry["file"])
    items = [{"name": r.name, "number": _claim_number(r.name), "dataset": r.dataset,
              "statement": r.statement, "rule": r.rule, "supported": bool(r.supported),
              "verdict": r.verdict, "summary": r.summary, "quick": r.quick, "label": r.label,
              "table": r.to_dict()["tables"][next(iter(r.tables))]["rows"] if r.tables else [],
              "readings": [reading.to_dict() for reading in r.readings],
              "design": [check.to_dict() for check in r.design], "details": r.details,
              "figures": files.get((r.name, r.dataset), []), "elapsed_seconds": r.elapsed}
             for r in report.claims]
    items += [{"name": r["name"], "number": _claim_number(r["name"]), "dataset": r["dataset"],
               "supported": None, "verdict": "not run", "reason": r["reason"]}
              for r in report.claims_not_run]
    return sorted(items, key=lambda item: item["number"])


def _figure_files(report, section):
    return [entry for entry in report.figures if entry["section"] == section]


# --------------------------------------------------------------------------- Markdown


def render_markdown(report):
    """``report.md``: the tables, the claims with their verdicts, figures as PNG links."""
    K = report.config["n_components"]
    lines = [f"# {_title(report)}", ""]
    if report.claims or report.claims_not_run:
        lines += ["Verdicts of the paper's claims (details in the section *The paper's claims*):",
                  "", report.claims_table(markdown=True), ""]
    lines += ["## Optima of the methods", "",
              f"Data {report.config['data_name']!r}, relation {report.config['relation']!r}, "
              f"K = {K}. 'solution': exact = closed form, global optimum of the loss; whitened = "
              "Barlow Twins' CCA, exact under within-view whitening; numerical = no closed form, "
              "numerical optimum (exact=False).", "", report.table(markdown=True), ""]
    for row in report.rows:
        if row.get("skipped"):
            lines.append(f"- {row['method']}, {row['regime']}, {row['hyperparameters']}: "
                         f"skipped, {row['skipped']}.")
    for entry in _figure_files(report, "methods"):
        lines += ["", entry["caption"], "", f"![spectra]({entry['file']})", ""]
    if report.section("pairs"):
        lines += ["", "## Rank against the components of G", "",
                  "The augmentation-pairs relation alone: every image is one connected component, "
                  f"so components of G = number of images (K = {K}, non-parametric optima).", "",
                  report.table(markdown=True, section="pairs"), ""]
    for entry in _figure_files(report, "pairs"):
        lines += [entry["caption"], "", f"![ranks]({entry['file']})", ""]
    if report.mds:
        lines += ["## SimCLR as MDS / ISOMAP", "",
                  "SimCLR optimised on a Gaussian relation of a swiss roll built from Euclidean "
                  "distances (its MDS target is classical MDS) and from kNN-graph geodesic "
                  "distances (ISOMAP); agreement of its chord distances with each target.", "",
                  report.mds_table(markdown=True), ""]
        for entry in _figure_files(report, "mds"):
            lines += [entry["caption"], "", f"![simclr_mds]({entry['file']})", ""]
    if report.claims or report.claims_not_run:
        lines += ["## The paper's claims", "", _claims_intro(report), ""]
        figure_files = {}
        for entry in _figure_files(report, "claims"):
            figure_files.setdefault((entry["claim"], entry["dataset"]), {})[entry["name"]] = entry["file"]
        for number, (name, title) in enumerate(CLAIMS, start=1):
            results = [r for r in report.claims if r.name == name]
            not_run = [r for r in report.claims_not_run if r["name"] == name]
            if not results and not not_run:
                continue
            lines += [f"### Claim {number}: {title}", ""]
            for result in results:
                lines += [result.to_markdown(figure_paths=figure_files.get((name, result.dataset), {}),
                                             heading_level=4), ""]
            for item in not_run:
                lines += [f"#### {name} ({item['dataset']}): **NOT RUN**", "",
                          f"*Reason.* {item['reason']}.", ""]
    lines += ["## How the numbers were obtained", ""] + [f"- {note}" for note in report.notes]
    lines += ["", f"Computed in {report.elapsed:.1f} s.", ""]
    return "\n".join(lines)


def _claims_intro(report):
    quick = " Quick run: fewer seeds and regimes, verdicts indicative only." if report.config.get(
        "quick") else ""
    return ("Each claim of the paper is measured by a function of spectral_ssl.experiments.claims "
            "on several seeds and judged under each wording of the paper by the rule printed with it "
            "(thresholds fixed before the run, 95% intervals): SUPPORTED, NOT SUPPORTED or "
            "INCONCLUSIVE (the interval straddles the threshold) for these data and settings; VOID "
            "when the design checks find that the setting cannot show the effect." + quick
            + " local_vs_global runs on a swiss roll, "
            "whose intrinsic (unrolled) distances are known, "
            + ("not on your data." if (report.config.get("claims") or {}).get("user_data") else
               "not on the labelled data sets."))


# --------------------------------------------------------------------------- HTML

_CSS = """
:root { --ok: #0a6b2d; --ok-bg: #e4f4e9; --no: #a1161b; --no-bg: #fbe6e7; --na: #555; --na-bg: #eee; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b;
       max-width: 1180px; margin: 0 auto; padding: 0 1.2em 3em; }
h1 { font-size: 1.6em; margin: 1em 0 0.3em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.12em; margin-top: 1.8em; }
h4 { font-size: 1em; margin: 1.4em 0 0.4em; }
nav ol { columns: 2; }
.table-wrap { overflow-x: auto; margin: 0.6em 0 1em; }
table { border-collapse: collapse; font-size: 12.5px; }
th, td { border: 1px solid #d4d4d4; padding: 2px 7px; white-space: nowrap; }
th { background: #f2f2f2; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafafa; }
.verdict { display: inline-block; padding: 0 0.55em; border-radius: 4px; font-weight: 600;
           font-size: 0.92em; border: 1px solid; white-space: nowrap; }
.verdict.supported { color: var(--ok); background: var(--ok-bg); }
.verdict.not-supported { color: var(--no); background: var(--no-bg); }
.verdict.not-run { color: var(--na); background: var(--na-bg); }
article.claim-result { border-left: 4px solid #ccc; padding: 0.1em 0 0.2em 1em; margin: 1em 0 2em; }
article.claim-result.supported { border-left-color: var(--ok); }
article.claim-result.not-supported { border-left-color: var(--no); }
.statement { font-style: italic; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; }
.notes li { margin-bottom: 0.4em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 12px; }
footer { margin-top: 3em; color: #666; font-size: 0.9em; }
"""

_VERDICT_MARKS = {"supported": "\u2714 supported", "not supported": "\u2718 not supported",
                  "inconclusive": "? inconclusive", "void": "\u2205 void", "not run": "\u2013 not run"}


def _e(text):
    return html.escape(str(text), quote=True)


def _verdict_html(verdict):
    return (f'<span class="verdict {verdict.replace(" ", "-")}">'
            f"{_e(_VERDICT_MARKS[verdict])}</span>")


def _html_table(headers, rows, numeric):
    """A ``<table>`` of already formatted cells; numeric columns right-aligned."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "\n".join(
        "<tr>" + "".join(f'<td class="num">{_e(c)}</td>' if num else f"<td>{_e(c)}</td>"
                         for c, num in zip(row, numeric)) + "</tr>"
        for row in rows)
    return (f'<div class="table-wrap"><table>\n<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{body}\n</tbody>\n</table></div>")


def _rows_html(rows, columns):
    cells = [[_format_value(key, row.get(key)) for key, _ in columns] for row in rows]
    return _html_table([h for _, h in columns], cells, [key not in _TEXT_KEYS for key, _ in columns])


def _claim_cell(value):
    if value is None:
        return "\u2013"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.4g}"
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(_claim_cell(v) for v in value)
    return str(value)


def _claim_table_html(result):
    columns = result.columns()
    if not columns:
        return ""
    headers = next(iter(result.tables.values())).labels()
    numeric = [all(isinstance(row.get(c), numbers.Real) and not isinstance(row.get(c), (bool, np.bool_))
                   for row in result.table if row.get(c) is not None) for c in columns]
    return _html_table(headers, [[_claim_cell(row.get(c)) for c in columns] for row in result.table],
                       numeric)


def _figure_html(entry, pngs):
    data = base64.b64encode(pngs[entry["key"]]).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{_e(entry["caption"])}">'
            f"<figcaption>{_e(entry['caption'])} ({_e(entry['file'])})</figcaption></figure>")


def _anchor(*parts):
    return "-".join(_file_stem(part).replace("_", "-").lower() for part in parts)


def render_html(report, pngs):
    """``report.html``: one self-contained HTML5 page.

    Inline CSS, every figure embedded as a ``data:image/png;base64`` URI, no
    script and no external resource. Each measured claim is an
    ``<article class="claim-result">`` with ``data-claim``, ``data-dataset`` and
    ``data-verdict`` (``"supported"``, ``"not supported"`` or ``"not run"``)
    attributes, its verdict badge, the rule, the key numbers, the table and its
    figures.

    Parameters
    ----------
    report : Report
        With ``report.figures`` filled by :func:`write_report`.
    pngs : dict
        ``{figure key: PNG bytes}``.

    Returns
    -------
    str
    """
    from . import __version__

    K = report.config["n_components"]
    has_claims = bool(report.claims or report.claims_not_run)
    toc = []
    body = []

    if has_claims:
        toc.append(("verdicts", "Verdicts of the paper's claims"))
        rows = []
        for item in _claims_json(report):
            anchor = _anchor("claim", item["name"], item["dataset"])
            rows.append(f'<tr><td><a href="#{anchor}">Claim {item["number"]}: {_e(item["name"])}</a>'
                        f"</td><td>{_e(CLAIMS[item['number'] - 1][1])}</td>"
                        f"<td>{_e(item['dataset'])}</td><td>{_verdict_html(item['verdict'])}</td></tr>")
        body.append('<section id="verdicts"><h2>Verdicts of the paper\'s claims</h2>'
                    f"<p>{_e(_claims_intro(report))}</p>"
                    '<div class="table-wrap"><table><thead><tr><th>claim</th><th>what it says</th>'
                    "<th>data</th><th>verdict</th></tr></thead><tbody>\n" + "\n".join(rows)
                    + "\n</tbody></table></div></section>")

    toc.append(("methods", "Optima of the methods"))
    parts = ['<section id="methods"><h2>Optima of the methods</h2>',
             f"<p>Data <strong>{_e(report.config['data_name'])}</strong> "
             f"({_e(report.config['data'])}), relation <code>{_e(report.config['relation'])}</code>, "
             f"K = {K}. <em>solution</em>: exact = closed form, global optimum of the loss; whitened "
             "= Barlow Twins' CCA, exact under within-view whitening; numerical = no closed form, "
             "numerical optimum (exact=False). <em>cert.</em>: the certificate's verdict (random-"
             "restart minimisation of the same loss).</p>", _rows_html(report.section("main"), TABLE_COLUMNS)]
    skipped = [row for row in report.rows if row.get("skipped")]
    if skipped:
        parts.append("<ul>" + "".join(
            f"<li>{_e(row['method'])}, {_e(row['regime'])}, {_e(row['hyperparameters'])}: skipped, "
            f"{_e(row['skipped'])}.</li>" for row in skipped) + "</ul>")
    parts += [_figure_html(entry, pngs) for entry in _figure_files(report, "methods")]
    body.append("\n".join(parts) + "</section>")

    if report.section("pairs") or _figure_files(report, "pairs"):
        toc.append(("pairs", "Rank against the components of G"))
        parts = ['<section id="pairs"><h2>Rank against the components of G</h2>']
        if report.section("pairs"):
            parts += ["<p>The augmentation-pairs relation alone: every image is one connected "
                      f"component, so components of G = number of images (K = {K}, non-parametric "
                      "optima).</p>", _rows_html(report.section("pairs"), PAIRS_COLUMNS)]
        parts += [_figure_html(entry, pngs) for entry in _figure_files(report, "pairs")]
        body.append("\n".join(parts) + "</section>")

    if report.mds:
        toc.append(("mds", "SimCLR as MDS / ISOMAP"))
        parts = ['<section id="mds"><h2>SimCLR as MDS / ISOMAP</h2>',
                 "<p>SimCLR optimised on a Gaussian relation of a swiss roll built from Euclidean "
                 "distances (its MDS target is classical MDS) and from kNN-graph geodesic distances "
                 "(ISOMAP); agreement of its chord distances with each target.</p>",
                 _rows_html(report.mds, MDS_COLUMNS)]
        parts += [_figure_html(entry, pngs) for entry in _figure_files(report, "mds")]
        body.append("\n".join(parts) + "</section>")

    if has_claims:
        toc.append(("claims", "The paper's claims"))
        by_key = {}
        for entry in _figure_files(report, "claims"):
            by_key.setdefault((entry["claim"], entry["dataset"]), []).append(entry)
        descriptions = {d["name"]: d["description"]
                        for d in (report.config.get("claims") or {}).get("datasets", [])}
        parts = ['<section id="claims"><h2>The paper\'s claims</h2>']
        for number, (name, title) in enumerate(CLAIMS, start=1):
            results = [r for r in report.claims if r.name == name]
            not_run = [r for r in report.claims_not_run if r["name"] == name]
            if not results and not not_run:
                continue
            parts.append(f'<h3 id="{_anchor("claim", name)}">Claim {number}: {_e(title)} '
                         f"(<code>{_e(name)}</code>)</h3>")
            if results:
                parts.append(f'<p class="statement">{_e(results[0].statement)}</p>')
            for r in results:
                css = r.verdict.replace(" ", "-")
                parts.append(
                    f'<article class="claim-result {css}" id="{_anchor("claim", name, r.dataset)}" '
                    f'data-claim="{_e(name)}" data-dataset="{_e(r.dataset)}" '
                    f'data-verdict="{_e(r.verdict)}">'
                    f"<h4>{_e(name)} on {_e(r.dataset)}: {_verdict_html(r.verdict)}</h4>"
                    + (f"<p>Data: {_e(descriptions[r.dataset])}.</p>" if r.dataset in descriptions
                       else "")
                    + f"<p><strong>Rule.</strong> {_e(r.rule)}.</p>"
                    f"<p><strong>Key numbers.</strong> {_e(r.summary)}</p>"
                    f"<p>Measured in {r.elapsed:.1f} s.</p>"
                    + _claim_table_html(r)
                    + "".join(_figure_html(entry, pngs) for entry in by_key.get((name, r.dataset), []))
                    + "</article>")
            for item in not_run:
                parts.append(
                    f'<article class="claim-result not-run" '
                    f'id="{_anchor("claim", name, item["dataset"])}" data-claim="{_e(name)}" '
                    f'data-dataset="{_e(item["dataset"])}" data-verdict="not run">'
                    f"<h4>{_e(name)} on {_e(item['dataset'])}: {_verdict_html('not run')}</h4>"
                    f"<p><strong>Reason.</strong> {_e(item['reason'])}.</p></article>")
        body.append("\n".join(parts) + "</section>")

    toc.append(("notes", "How the numbers were obtained"))
    body.append('<section id="notes"><h2>How the numbers were obtained</h2><ul class="notes">'
                + "".join(f"<li>{_e(note)}</li>" for note in report.notes) + "</ul>"
                "<details><summary>Settings (report.json <code>config</code>)</summary><pre>"
                + _e(json.dumps(_jsonable(report.config), indent=2)) + "</pre></details></section>")

    nav = ("<nav><h2>Contents</h2><ol>"
           + "".join(f'<li><a href="#{anchor}">{_e(text)}</a></li>' for anchor, text in toc)
           + "</ol></nav>")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(_title(report))}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<header><h1>{_e(_title(report))}</h1>"
        f"<p>spectral_ssl {_e(__version__)}; computed in {report.elapsed:.1f} s"
        + (" (quick settings)" if report.config.get("quick") else "") + ".</p></header>",
        nav,
        "<main>",
        *body,
        "</main>",
        f"<footer>Files beside this page: report.md, report.csv, report.json and "
        f"{len(report.figures)} PNG figures (the same images as embedded here).</footer>",
        "</body>",
        "</html>",
        "",
    ])
