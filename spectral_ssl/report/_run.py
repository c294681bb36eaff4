"""run_report: the settings checked, the experiments run, the :class:`Report` assembled and written."""

import time

from .._progress import steps
from .._validation import argument_error, check_integer, check_scalar
from ..experiments.claim_runs import MANIFOLD_CLAIM, check_jobs, claim_plan, claim_settings, run_claims
from ..experiments.labelled import (check_labelled_data, claim_datasets, method_data,
                                    user_claim_dataset)
from ..experiments.method_table import (DEFAULT_INVARIANCE, METHOD_HYPERPARAMETERS, METHODS,
                                        QUICK_INVARIANCE, REFERENCE_WEIGHTS, RELATIONS,
                                        plan_method_table, solve_method_table)
from ..experiments.probe import PROBE_MODELS
from ..experiments.simclr_mds import MDS_SETTINGS, SWISS_ROLL_ROWS, simclr_mds
from ._notes import notes as report_notes
from ._report import Report
from ._table import jsonable
from ._write import write_report

#: Sizes of the default and quick reports.
#: ``certify_max_iter``: L-BFGS-B iterations per certificate restart (certify's ``max_iter``),
#: also the iteration cap of the numerical solvers. ``numerical_images``: images of the
#: problems solved numerically (SimCLR, Barlow Twins non-parametric with K > c).
#: ``mds_samples``: points of the swiss roll of the SimCLR-MDS section.
DEFAULTS = {"n_images": None, "kernel_images": 600, "certify_images": 100, "numerical_images": 200,
            "mds_samples": 300, "restarts": 3, "certify_max_iter": 5000}
QUICK = {"n_images": 300, "kernel_images": None, "certify_images": 60, "numerical_images": 60,
         "mds_samples": 150, "restarts": 2, "certify_max_iter": 2000}


def _check_size(name, value, low, what):
    if value is not None and value != 0:  # 0 / None: all images
        return check_integer(value, name=name, low=low, what=f"{what}; or 0 / None for all images")
    return value


def _check_options(n_components, invariance, restarts, seed, relation, n_neighbors, probe,
                   certify_max_iter, sizes, methods):
    """Refuse a bad setting; return the counts as ``int`` (integral floats accepted)."""
    counts = {"n_components": check_integer(n_components, name="n_components", low=1)}
    if len(invariance) == 0:
        raise ValueError("invariance needs at least one invariance/variance ratio.")
    for r in invariance:
        check_scalar(r, name="every invariance/variance ratio", low=0.0, low_inclusive=False)
    counts["restarts"] = check_integer(restarts, name="restarts", low=1)
    counts["seed"] = check_integer(seed, name="seed", low=0)
    if relation not in RELATIONS:
        raise ValueError(f"relation must be one of {RELATIONS}; got {relation!r}.")
    counts["n_neighbors"] = check_integer(n_neighbors, name="n_neighbors", low=1)
    counts["certify_max_iter"] = check_integer(certify_max_iter, name="certify_max_iter", low=1)
    for name in ("kernel_images", "certify_images", "numerical_images"):
        sizes[name] = _check_size(name, sizes[name], 20, "two per class")
    sizes["mds_samples"] = check_integer(sizes["mds_samples"], name="mds_samples", low=100,
                                         what="points of the swiss roll")
    if probe not in PROBE_MODELS:
        raise ValueError(f"probe must be one of {PROBE_MODELS}; got {probe!r}.")
    if isinstance(methods, str) or len(methods) == 0 or any(m not in METHODS for m in methods) \
            or len(set(methods)) != len(methods):
        raise argument_error(f"methods must be a non-empty list of distinct names from {METHODS}; "
                             f"got {methods!r}.", argument="methods")
    return counts


def _closest_names(relation, probe, methods):
    """Refuse a near miss of a named option with the closest valid name ("Did you mean 'views'?");
    anything else is left to :func:`_check_options`, which names the valid values."""
    from .._validation import did_you_mean

    for name, value, options in (("relation", relation, RELATIONS), ("probe", probe, PROBE_MODELS)):
        if isinstance(value, str) and value not in options and did_you_mean(value, options):
            raise ValueError(f"{name} must be one of {options}; got {value!r}."
                             + did_you_mean(value, options))
    try:
        names = (methods,) if isinstance(methods, str) else tuple(methods)
    except TypeError:  # not a list at all: _check_options says what is expected
        return
    for value in names:
        if isinstance(value, str) and value not in METHODS and did_you_mean(value, METHODS):
            raise argument_error(f"methods must be a non-empty list of distinct names from {METHODS}; "
                                 f"got {names!r}." + did_you_mean(value, METHODS), argument="methods")


def run_report(out_dir="spectral_ssl_report", *, n_components=16, invariance=None, restarts=None,
               quick=False, seed=0, relation="views+knn", n_neighbors=10, n_images=None,
               kernel_images=None, certify_images=None, numerical_images=None, mds_samples=None,
               certify_max_iter=None, methods=METHODS, probe="logistic", test_size=0.3,
               data=None, data_name="data", claims=True, progress=None, write=True, n_jobs=None):
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
    progress : bool, int, None or text stream
        Numbered progress lines (``[i/total] step ... done in 1.2 s``) on standard error, with
        tqdm's bar for the running step when tqdm is installed (:func:`spectral_ssl._progress.steps`):
        None (default) follows the package's policy (:func:`spectral_ssl._progress.is_enabled`:
        shown when stderr is a terminal or in a notebook, unless ``SPECTRAL_SSL_PROGRESS=0``;
        ``=1`` forces them), True (or an integer >= 1, as ``verbose`` elsewhere) always, False
        (or 0) never; or any stream with ``write`` to send plain lines there. A warning raised
        during a step is shown after that step's line. The solvers' own progress is off while the report runs.
    write : bool
        Write the files (False: only compute and return).
    n_jobs : int or None
        Worker processes for the claims, which are most of the run (None or -1, the default:
        every available core; 1: in this process). Each claim is computed alike either way;
        a worker uses one BLAS thread, so numbers may differ from a one-process run at round-off.

    Returns
    -------
    Report
    """
    started = time.perf_counter()
    _closest_names(relation, probe, methods)
    sizes = dict(QUICK if quick else DEFAULTS)
    if data is not None:
        X_user, y_user = check_labelled_data(*data)
        if n_images is not None:
            n_images = check_integer(n_images, name="n_images", low=0, what="0 for every sample")
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
    counts = _check_options(n_components, invariance, restarts, seed, relation, n_neighbors, probe,
                            certify_max_iter, sizes, methods)
    n_components, restarts, seed = counts["n_components"], counts["restarts"], counts["seed"]
    n_neighbors, certify_max_iter = counts["n_neighbors"], counts["certify_max_iter"]
    methods = tuple(m for m in METHODS if m in methods)
    if not hasattr(progress, "write"):  # else a flag or a level, read as verbose is everywhere
        from .._progress import check_verbose

        try:
            progress = check_verbose(progress, name="progress")
        except (TypeError, ValueError):
            raise TypeError(f"progress must be True, False, None, an integer level (0: off, 1: on) "
                            f"or a text stream, got {progress!r}.") from None
    # BLAS threads as the environment sets them: the O(N^3) kernel regime uses them; the
    # L-BFGS loops limit themselves to one thread (_optimize.multistart)
    user = data is not None
    table_data = method_data((X_user, y_user) if user else None, str(data_name),
                             sizes["n_images"], test_size, seed)
    claim_sets = None
    n_jobs = check_jobs(n_jobs, 1 << 30)  # validated before any computing; capped by the claims later
    if claims:
        claim_sets = ([user_claim_dataset(X_user, y_user, str(data_name), seed)] if user
                      else claim_datasets(seed=seed))
    report = _run(out_dir, n_components, invariance, restarts, quick, seed, relation,
                  n_neighbors, sizes, certify_max_iter, methods, probe, test_size,
                  progress, write, started, table_data, claim_sets, user, n_jobs)
    return report


def _run(out_dir, n_components, invariance, restarts, quick, seed, relation, n_neighbors, sizes,
         certify_max_iter, methods, probe, test_size, progress, write, started, data, claim_sets,
         user_data, n_jobs):
    plan = plan_method_table(data, n_components=n_components, invariance=invariance,
                             restarts=restarts, seed=seed, relation=relation,
                             n_neighbors=n_neighbors, sizes=sizes,
                             certify_max_iter=certify_max_iter, methods=methods)
    mds_runs = 2 if "simclr" in methods else 0
    claims_planned = [] if claim_sets is None else claim_plan(claim_sets, quick, seed, user_data)
    total = len(plan.cases) + mds_runs + len(claims_planned)
    stream = progress if hasattr(progress, "write") else None
    # the one progress display of the package: numbered lines, tqdm's bar when installed, and
    # the solvers' own progress silenced while it is open
    with steps(total, verbose=None if stream is not None else progress, stream=stream) as shown:
        return _steps(out_dir, n_components, invariance, restarts, quick, seed, relation,
                      n_neighbors, sizes, certify_max_iter, methods, probe, test_size, shown, write,
                      started, data, claim_sets, user_data, plan, claims_planned, n_jobs)


def _steps(out_dir, n_components, invariance, restarts, quick, seed, relation, n_neighbors, sizes,
           certify_max_iter, methods, probe, test_size, progress, write, started, data, claim_sets,
           user_data, plan, claims_planned, n_jobs):
    n, train, test = data.X.shape[0], data.train, data.test
    progress.say(f"{data.name}: {n} samples ({train.size} train / {test.size} test), 2 views each, "
                 f"relation {relation!r}" + (f" (k={n_neighbors})" if relation == "views+knn" else "")
                 + f"; methods: {', '.join(methods)}")
    table = solve_method_table(plan, n_components=n_components, restarts=restarts, seed=seed,
                               relation=relation, probe=probe, certify_max_iter=certify_max_iter,
                               progress=progress)

    mds_rows, mds_panels = [], []
    if "simclr" in methods:
        mds_rows, mds_panels = simclr_mds(sizes["mds_samples"], seed=seed, progress=progress,
                                          **MDS_SETTINGS)
    claim_results, not_run = run_claims(claims_planned, progress, n_jobs=n_jobs)

    notes = report_notes(data, relation, n_neighbors, plan.kernel_train, sizes, restarts,
                         plan.bandwidth, probe, plan.problems, seed, n_components, certify_max_iter,
                         methods, plan.pairs, mds_rows, claim_sets, quick, user_data,
                         plan.components("main", "nonparametric"))
    config = _config(n_components, invariance, restarts, quick, seed, relation, n_neighbors, sizes,
                     probe, test_size, plan.bandwidth, certify_max_iter, methods,
                     [p.images.size for p in plan.pairs], data)
    config["claims"] = None if claim_sets is None else {
        "datasets": [{"name": d.name, "description": d.description} for d in claim_sets],
        "manifold_claim": {"name": MANIFOLD_CLAIM, "data": "swiss roll",
                           "n_samples": claim_settings(quick)[MANIFOLD_CLAIM]["n_samples"]},
        "settings": jsonable(claim_settings(quick)), "quick": bool(quick),
        "label": "quick, indicative" if quick else "",
        "user_data": bool(user_data), "seed": int(seed),
        "worker_processes": check_jobs(n_jobs, len(claims_planned))}
    report = Report(rows=table.rows, config=config, notes=notes, mds=mds_rows,
                    representations=table.representations, mds_panels=mds_panels,
                    claims=claim_results, claims_not_run=not_run)
    report.elapsed = time.perf_counter() - started
    if write:
        report.files = write_report(report, out_dir)
        progress.say(f"wrote {len(report.files)} files into {out_dir}")  # the list is report.files
    report.elapsed = time.perf_counter() - started
    return report


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
