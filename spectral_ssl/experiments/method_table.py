r"""The report's method table as an experiment: the problems (views, relation graphs, certificate
and numerical subsamples, pairs problems), one case per optimum, and the solved rows.

:func:`plan_method_table` builds every problem and case (all random draws, in a fixed order,
happen there); :func:`solve_method_table` solves and certifies each case and returns the rows
(dicts of numbers and short strings) and the VICReg representations for the spectrum figure.
Computation only: :mod:`spectral_ssl.report` renders the result.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from .. import graphs, linalg
from .._settings_cli import DEFAULT_INVARIANCE, QUICK_INVARIANCE, RELATIONS, REPORT_METHODS
from .._validation import argument_error
from .optima import probe_accuracy, result_fields, solve_and_certify

#: The reference weights row: covariance < variance, the water-filling case.
REFERENCE_WEIGHTS = {"variance": 25.0, "covariance": 1.0, "invariance": 25.0}

REGIMES = ("nonparametric", "linear", "kernel")
METHODS = REPORT_METHODS  #: the methods of the report, in table order

#: Hyper-parameters of the methods other than VICReg: Barlow Twins' reference
#: :math:`\lambda` in the paper's uncentred form; SimCLR's usual temperature.
METHOD_HYPERPARAMETERS = {
    "spectral_contrastive": {},
    "barlow_twins": {"off_diagonal": 5e-3, "centered": False},
    "simclr": {"temperature": 0.5},
}


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


def views_of(images, n_total, views):
    """Rows of the stacked views (view v of image i is row v * n_total + i) of some images."""
    rows = np.concatenate([images, images + n_total])
    groups = np.tile(np.arange(images.size), 2)
    return views[rows], groups


def stratified_subset(indices, y, size, seed):
    """Sorted class-stratified subsample of ``size`` of ``indices`` (all of them for ``size`` None)."""
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



@dataclass
class Problem:
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
class Case:
    section: str
    method: str
    regime: str
    kind: str  # VICReg: "ratio" or "reference"; other methods: the method name
    hyper: dict  # the solver's keyword arguments (loss hyper-parameters, kernel)
    problem: Problem
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
            what = hyper_text(self.method, self.hyper)
        where = "" if self.section == "main" else f"pairs of {self.problem.images.size} images, "
        return f"{self.method}, {where}{self.regime}" + (f", {what}" if what != "-" else "")


def hyper_text(method, hyper):
    """The hyper-parameters of a row as short text (``-`` when the method has none)."""
    if method == "vicreg":
        return "var={variance:g} cov={covariance:g} inv={invariance:g}".format(**hyper)
    if method == "barlow_twins":
        return f"lambda={hyper['off_diagonal']:g}" + (", centred" if hyper["centered"] else "")
    if method == "simclr":
        return f"tau={hyper['temperature']:g}"
    return "-"


def check_n_components_fits(n_components, problems):
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
        raise argument_error(f"n_components={n_components} is larger than {what} ({limit}); "
                             f"use n_components <= {limit}.", argument="n_components")


def weight_sets(invariance):
    """VICReg's weight sets: ``("ratio", weights)`` per invariance ratio, then the reference weights."""
    sets = [("ratio", {"variance": 1.0, "covariance": 1.0, "invariance": float(r)}) for r in invariance]
    sets.append(("reference", dict(REFERENCE_WEIGHTS)))
    return sets



def cases_of(methods, invariance, problems, pairs, n_components, bandwidth, restarts, seed, max_iter):
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
                for kind, weights in weight_sets(invariance):
                    cases.append(Case("main", method, regime, kind,
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
            cases.append(Case("main", method, regime, method, hyper, problem, options))
    ratios = sorted({min(invariance), max(invariance)})
    for problem in pairs:
        for method in methods:
            if method == "vicreg":
                for r in ratios:
                    cases.append(Case("pairs", method, "nonparametric", "ratio",
                                       {"variance": 1.0, "covariance": 1.0, "invariance": float(r),
                                        "variance_kind": "square"}, problem))
                continue
            cases.append(Case("pairs", method, "nonparametric", method,
                               dict(METHOD_HYPERPARAMETERS[method]), problem,
                               dict(numerical_options.get(method, {}))))
    return cases


def base_row(case, relation, n_components, probe, restarts):
    """The row of a case before solving: its settings, every result field None."""
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
        "hyperparameters": hyper_text(case.method, hyper),
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



@dataclass
class MethodTablePlan:
    """Every problem and case of the method table, before anything is solved.

    Attributes
    ----------
    data : spectral_ssl.experiments.labelled.MethodData
    views : ndarray
        The two stacked views of every image (view v of image i is row v * n + i).
    problems : dict
        ``{(section, regime): Problem}``; sections ``"main"``, ``"numerical"`` and
        ``"pairs (c images)"``.
    pairs : list of Problem
        The augmentation-pairs problems, smallest first.
    kernel_train : ndarray of int
        The training images of the kernel regime.
    bandwidth : float
        The rbf bandwidth (median pairwise distance of the kernel problem's views).
    cases : list of Case
        In table order.
    """

    data: object
    views: np.ndarray
    problems: dict
    pairs: list
    kernel_train: np.ndarray
    bandwidth: float
    cases: list = field(default_factory=list)

    def components(self, section="main", regime="nonparametric"):
        """Number of connected components of one problem's relation graph."""
        return n_connected_components(self.problems[section, regime].G)

    def sizes(self):
        """``{name: (views, images)}`` of the problems the notes describe."""
        return {f"{section} {regime}": (int(p.G.shape[0]), int(p.images.size))
                for (section, regime), p in self.problems.items()}


def plan_method_table(data, *, n_components, invariance, restarts, seed, relation, n_neighbors,
                      sizes, certify_max_iter, methods):
    """Views, relation graphs, subsamples and cases of the method table (no solving).

    The random draws happen here, in a fixed order (kernel subsample, certificate
    subsamples, numerical subsamples, pairs images), all from ``numpy.random.default_rng(seed)``,
    so that adding a section never changes the rows of another.

    Raises
    ------
    ValueError
        ``n_components`` larger than some problem can reach, before anything is solved.
    """
    X, y, train = data.X, data.y, data.train
    n = X.shape[0]
    views, _ = graphs.make_views(X, n_views=2, augment=data.augment, random_state=seed + 1)
    rng = np.random.default_rng(seed)
    kernel_train = stratified_subset(train, y, sizes["kernel_images"], int(rng.integers(2**31)))
    all_images = np.arange(n)

    problems = {}  # (section, regime) -> Problem
    for regime, images in (("nonparametric", all_images), ("linear", train), ("kernel", kernel_train)):
        # The certificate problem: the same construction on a stratified subsample of this
        # regime's own images (all of them when certify_images is None).
        cert_images = stratified_subset(images, y, sizes["certify_images"], int(rng.integers(2**31)))
        V, groups = views_of(images, n, views)
        G = relation_graph(V, groups, relation, n_neighbors)
        if np.array_equal(cert_images, images):
            Vc, Gc = V, G
        else:
            Vc, groups_c = views_of(cert_images, n, views)
            Gc = relation_graph(Vc, groups_c, relation, n_neighbors)
        problems["main", regime] = Problem(images, V, G, Vc, Gc)
    # Problems solved numerically (SimCLR; Barlow Twins non-parametric when K > components):
    # a stratified subsample of all images (non-parametric) or of the training images, each
    # certified on itself. Seeds drawn after the ones above, so the other rows do not change.
    for regime, pool in (("nonparametric", all_images), ("linear", train), ("kernel", train)):
        images = stratified_subset(pool, y, sizes["numerical_images"], int(rng.integers(2**31)))
        V, groups = views_of(images, n, views)
        G = relation_graph(V, groups, relation, n_neighbors)
        problems["numerical", regime] = Problem(images, V, G, V, G)
    pairs = []
    for count in pairs_sizes(n_components, n):
        images = np.sort(rng.choice(n, size=count, replace=False))
        V, groups = views_of(images, n, views)
        G = graphs.from_groups(groups)
        pairs.append(Problem(images, V, G, V, G))
        problems[f"pairs ({count} images)", "nonparametric"] = pairs[-1]
    bandwidth = linalg.median_bandwidth(problems["main", "kernel"].V)
    check_n_components_fits(n_components, problems)
    cases = cases_of(methods, invariance, problems, pairs, n_components, bandwidth, restarts, seed,
                     certify_max_iter)
    return MethodTablePlan(data, views, problems, pairs, kernel_train, bandwidth, cases)


def _degenerate(case, relation):
    """Whether a case is the large degenerate problem of the pairs-only relation (skipped)."""
    return (case.section == "main" and case.regime == "nonparametric" and relation == "views"
            and case.method in ("vicreg", "spectral_contrastive")
            and case.problem.G.shape[0] > linalg.DENSE_MAX_SAMPLES)


@dataclass
class MethodTable:
    """The solved method table.

    Attributes
    ----------
    plan : MethodTablePlan
    rows : list of dict
        One per case, in table order (keys of the report's CSV columns plus the
        spectrum and the certificate's restarts).
    representations : dict
        ``{regime: [(label, rep), ...]}`` of the VICReg rows of the main section.
    """

    plan: MethodTablePlan
    rows: list
    representations: dict


def solve_method_table(plan, *, n_components, restarts, seed, relation, probe, certify_max_iter,
                       progress=None):
    """Solve, certify and probe every case of ``plan``.

    Parameters
    ----------
    plan : MethodTablePlan
    progress : optional
        An object with ``start(text)`` and ``finish(text="done")`` (None: silent).

    Returns
    -------
    MethodTable
    """
    import time

    data = plan.data
    rows, reps = [], {regime: [] for regime in REGIMES}
    for case in plan.cases:
        if progress is not None:
            progress.start(case.progress_text)
        row = base_row(case, relation, n_components, probe, restarts)
        if _degenerate(case, relation):
            row["skipped"] = ("degenerate: with the pairs-only relation every pair-indicator "
                              "direction is an optimal direction, so any K of them is optimal; "
                              "use --relation views+knn")
            rows.append(row)
            if progress is not None:
                progress.finish("skipped (degenerate)")
            continue
        step_started = time.perf_counter()
        rep, cert = solve_and_certify(case, n_components, restarts, seed, certify_max_iter)
        row.update(result_fields(rep, cert, case))
        if case.section == "main":
            row["probe_accuracy"] = probe_accuracy(rep, case, data.X, data.y, data.train, data.test,
                                                   probe)
        row["seconds"] = time.perf_counter() - step_started
        rows.append(row)
        if case.method == "vicreg" and case.section == "main":
            reps[case.regime].append((case.label, rep))
        if progress is not None:
            progress.finish()
    return MethodTable(plan, rows, reps)


def certificate_summary(rows):
    """The certificates of a method table, by kind of solution.

    Parameters
    ----------
    rows : list of dict
        Rows of :func:`solve_method_table` (skipped rows have no certificate).

    Returns
    -------
    dict
        ``{"exact" | "whitened" | "numerical": {"count": int, "passed": int,
        "failed": [row, ...], "largest_relative_gap": float or None}}`` for each kind
        present, and ``"ok"``: True when every certificate of an exact closed form
        passed (a failed one is an error: a restart found a lower loss than the
        closed form).
    """
    summary = {}
    for row in rows:
        if row.get("cert_passed") is None:
            continue
        entry = summary.setdefault(row["solution"], {"count": 0, "passed": 0, "failed": [],
                                                     "largest_relative_gap": None})
        entry["count"] += 1
        entry["passed"] += bool(row["cert_passed"])
        if not row["cert_passed"]:
            entry["failed"].append(row)
        gap = row.get("cert_relative_gap")
        if gap is not None and (entry["largest_relative_gap"] is None
                                or gap > entry["largest_relative_gap"]):
            entry["largest_relative_gap"] = float(gap)
    summary["ok"] = not summary.get("exact", {}).get("failed")
    return summary


__all__ = ["DEFAULT_INVARIANCE", "QUICK_INVARIANCE", "REFERENCE_WEIGHTS", "REGIMES", "RELATIONS",
           "METHODS", "METHOD_HYPERPARAMETERS", "relation_graph", "n_connected_components",
           "pairs_sizes", "views_of", "stratified_subset", "Problem", "Case", "hyper_text",
           "check_n_components_fits", "weight_sets", "cases_of", "base_row", "MethodTablePlan",
           "plan_method_table", "MethodTable", "solve_method_table",
           "certificate_summary"]
