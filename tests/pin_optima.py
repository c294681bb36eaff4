"""Pinned optima that ``tests/pin_outputs.py`` leaves out, each with a tolerance fit for how it is solved.

``pin_outputs`` pins every method's ordinary form at a relative 1e-8. What it leaves out is
pinned here, on the same fixed inputs (``pin_outputs.features`` and ``pin_outputs.pin_graphs``):

* SimCLR's kernel optimum, through ``simclr.optimal_kernel`` and through the estimator
  (``estimators.SimCLR(regime="kernel")``), with ``transform`` on new inputs; its
  non-parametric optimum on the weighted and disconnected graphs;
* VICReg with the hinge variance (``variance_kind="hinge"``, solved numerically), all regimes;
* Barlow Twins uncentred (``centered=False``), the loss as written (numerical) and the
  whitened problem (closed form), all regimes; the regularised kernel CCA;
* the label relation kept implicit (``graphs.from_labels(..., implicit=True)``) where the
  solvers take it: VICReg non-parametric and linear, spectral contrastive non-parametric,
  Barlow Twins whitened non-parametric;
* the closed-form estimators on their default path (linear regime, kNN relation);
* the libraries' own Barlow Twins losses (``practice.optimal_linear_for``).

Left out, with the reason measured: SimCLR linear on the equal cliques (5 s), the libraries'
VICReg and NT-Xent optima (see ``_practice_pins``).

Every entry has a *kind*, which fixes how it is compared (``TOLERANCES``):

``closed``
    Closed forms (eigen-decompositions): relative 1e-8, as ``pin_outputs``.
``loss``
    The loss of a numerical optimum: relative 1e-7, absolute 1e-10 (a zero loss is round-off).
``count``
    Ranks: exactly.
``invariant``
    Numbers of a numerical optimum that do not depend on its basis (singular values, cosines):
    absolute 1e-4 on numbers of order one.
``span``
    An orthonormal basis of a column span, compared by the largest principal angle
    (``scipy.linalg.subspace_angles``): at most 1e-4 rad.

Why 1e-7 and 1e-4 for numerical optima: L-BFGS-B stops at a relative decrease of
``_optimize.FTOL`` = 1e-15 or a gradient of ``GTOL`` = 1e-10, so the loss is fixed far below
1e-7, but the optimum's directions are fixed only to about the square root of that (the loss
is quadratic near a minimum) and less along nearly flat directions. Measured on these cases
(a relative 1e-12 perturbation of ``X``, and ``random_state`` 1 and 2 instead of 0): losses
moved at most 3e-13 (relative; 6e-9 for the libraries' Barlow Twins, solved less tightly),
principal angles of the pinned spans at most 2.9e-8 rad, singular values and cosines at most
3.6e-8, closed forms at most 2.1e-12 of their largest entry. The tolerances leave a factor of
more than 1,000 (16 for the libraries' losses) for another BLAS or a restructure that reorders
sums.

Only what the optimum determines is pinned. SimCLR's loss sees the directions of the rows of
``Z`` only, so its summaries are those of the unit rows; Barlow Twins' loss normalises the
columns, so its numerical optima are pinned by their span, not their singular values. Where the
optimum is not unique (a zero loss reached on a whole set of ``Z``; a one-direction VICReg hinge
kernel optimum; two optima at one loss, Barlow Twins uncentred on the kNN and weighted graphs),
loss and rank only, with the singular values where they are fixed.

The values were computed once from main; the JSON file records the commit of the package code
(the last to change ``spectral_ssl/``) that produced them. When a change of output is
intended, regenerate from the repository root::

    PYTHONPATH=$PWD python -m tests.pin_optima

and say in the commit message which numbers moved and why.
"""

import json
import pathlib
import subprocess
import sys
import warnings

import numpy as np

try:  # run as ``python -m tests.pin_optima`` from the root, or imported by the tests
    from . import pin_outputs
except ImportError:
    import pin_outputs

PIN_FILE = pathlib.Path(__file__).resolve().parent / "data" / "pinned_optima.json"

#: kind -> (relative, absolute) tolerance; ``span``: the largest principal angle in radians.
TOLERANCES = {"closed": (1e-8, 0.0), "loss": (1e-7, 1e-10), "count": (0.0, 0.0),
              "invariant": (0.0, 1e-4), "span": (0.0, 1e-4)}

#: Fixed index pairs of the cosine matrices (N = 24 training rows, 6 new ones).
COSINE_PAIRS = ((0, 1), (1, 2), (3, 5), (2, 22), (12, 8), (23, 0))
NEW_COSINE_PAIRS = ((0, 1), (1, 2), (3, 5), (4, 0), (5, 3))

#: The hyper-parameters of every case but the one varied (the libraries' defaults).
BARLOW = {"off_diagonal": 5e-3}
KERNEL = {"kernel": "rbf", "bandwidth": 1.3}


def unit_rows(Z):
    """``Z`` with rows of norm one (a zero row stays zero): what SimCLR's loss sees."""
    Z = np.asarray(Z, dtype=np.float64)
    norms = np.linalg.norm(Z, axis=1)
    return Z / np.where(norms > 0, norms, 1.0)[:, None]


def span_basis(Z, rank):
    """An orthonormal basis of the span of the ``rank`` leading left singular vectors of ``Z``."""
    return np.linalg.svd(np.asarray(Z, dtype=np.float64), full_matrices=False)[0][:, :rank]


def cosines(Z, pairs):
    """Cosines of the rows of ``Z`` at fixed index pairs: sign-, rotation- and scale-free."""
    Zn = unit_rows(Z)
    return np.array([Zn[i] @ Zn[j] for i, j in pairs])


def _closed(out, key, rep, X_new=None):
    """A closed form: loss, rank and ``pin_outputs.projector_summary``, all at 1e-8."""
    out[f"{key}.loss"] = ("closed", [rep.loss])
    out[f"{key}.rank"] = ("count", [rep.rank])
    for field, value in pin_outputs.projector_summary(rep.Z).items():
        out[f"{key}.{field}"] = ("closed", value)
    if X_new is not None:
        out[f"{key}.transform.singular_values"] = (
            "closed", np.linalg.svd(rep.transform(X_new), compute_uv=False))


def _numerical(out, key, loss, rank, Z=None, *, singular_values=False, transform=None):
    """A numerical optimum: loss, rank and, where the optimum fixes them, span and singular values."""
    out[f"{key}.loss"] = ("loss", [loss])
    out[f"{key}.rank"] = ("count", [rank])
    if Z is not None:
        out[f"{key}.span"] = ("span", span_basis(Z, rank))
        if singular_values:
            out[f"{key}.singular_values"] = ("invariant", np.linalg.svd(Z, compute_uv=False))
    if transform is not None:
        out[f"{key}.transform.span"] = ("span", span_basis(transform, rank))


def _simclr_pins(out, X, G, X_new):
    """SimCLR's kernel optimum, functional and estimator paths (numerical, multi-start L-BFGS-B)."""
    from spectral_ssl.estimators import SimCLR
    from spectral_ssl.methods import simclr

    # The kNN graph, K = 3: there the optimum's unit rows are the same from every start
    # (random_state 0, 1 and 2: one loss, unit rows equal to 1e-13). On the equal cliques
    # ("groups") the kernel optimum is a whole set of Z at one loss, and another start or a
    # 1e-12 perturbation of X picks another of them (spans 1.5 rad apart).
    rep = simclr.optimal_kernel(X, G["knn"], 3, **KERNEL, temperature=0.5)
    est = SimCLR(3, regime="kernel", **KERNEL, temperature=0.5, relation="knn", n_neighbors=4).fit(X)
    for key, loss, rank, Z, Z_new in (
            ("simclr.kernel.knn", rep.loss, rep.rank, rep.Z, rep.transform(X_new)),
            ("estimators.SimCLR.kernel.knn", est.loss_, est.rank_, est.embedding_, est.transform(X_new))):
        _numerical(out, key, loss, rank, unit_rows(Z))
        out[f"{key}.unit_rows.singular_values"] = ("invariant", np.linalg.svd(unit_rows(Z), compute_uv=False))
        out[f"{key}.cosines"] = ("invariant", cosines(Z, COSINE_PAIRS))
        # New samples: the row norms of the training Z are a flat valley of the loss (it sees
        # directions only) and they set A, so these cosines follow the solver's path from its
        # fixed starts, not the optimum: other seeds reach the same loss with other cosines here.
        # For random_state=0 the path is stable: 1.4e-9 under a 1e-12 perturbation of X.
        out[f"{key}.transform.cosines"] = ("invariant", cosines(Z_new, NEW_COSINE_PAIRS))


def _vicreg_hinge_pins(out, X, G, X_new):
    """VICReg with the hinge variance (numerical: the reduced problem's multi-start search)."""
    from spectral_ssl import solve

    for graph, matrix in G.items():
        rep = solve("vicreg", matrix, 3, variance_kind="hinge")
        _numerical(out, f"vicreg_hinge.nonparametric.{graph}", rep.loss, rep.rank, rep.Z, singular_values=True)
    for graph in ("knn", "groups"):
        rep = solve("vicreg", G[graph], 2, X, regime="linear", variance_kind="hinge")
        _numerical(out, f"vicreg_hinge.linear.{graph}", rep.loss, rep.rank, rep.Z, singular_values=True,
                   transform=rep.transform(X_new))
        # Kernel: on kNN a one-direction optimum whose direction a perturbation of X turns at
        # the same loss; on groups a zero loss. Loss, rank and the variances only.
        rep = solve("vicreg", G[graph], 3, X, regime="kernel", **KERNEL, variance_kind="hinge")
        _numerical(out, f"vicreg_hinge.kernel.{graph}", rep.loss, rep.rank)
        out[f"vicreg_hinge.kernel.{graph}.singular_values"] = (
            "invariant", np.linalg.svd(rep.Z, compute_uv=False))


def _barlow_pins(out, X, G, X_new):
    """Barlow Twins uncentred: the loss as written (numerical) and the whitened problem (closed)."""
    from spectral_ssl import solve

    for graph, matrix in G.items():
        rep = solve("barlow_twins", matrix, 3, **BARLOW, centered=False)
        # On kNN and weighted graphs a second optimum at the same loss (to 3e-13) has its span
        # 0.19 rad away, reached from other starts or after a 1e-12 perturbation: loss and rank only.
        Z = None if graph in ("knn", "weighted") else rep.Z
        _numerical(out, f"barlow_twins_uncentered.nonparametric.{graph}", rep.loss, rep.rank, Z)
        rep = solve("barlow_twins", matrix, 3, **BARLOW, centered=False, constraint="whitened")
        _closed(out, f"barlow_twins_uncentered_whitened.nonparametric.{graph}", rep)
    for graph in ("knn", "groups"):
        rep = solve("barlow_twins", G[graph], 2, X, regime="linear", **BARLOW, centered=False)
        _numerical(out, f"barlow_twins_uncentered.linear.{graph}", rep.loss, rep.rank, rep.Z,
                   transform=rep.transform(X_new))
        # Kernel: on kNN the two optima of the non-parametric case (the rbf kernel spans nearly
        # every Z); on groups a zero loss, reached on a whole set of Z. Loss and rank only.
        rep = solve("barlow_twins", G[graph], 3, X, regime="kernel", **KERNEL, **BARLOW, centered=False)
        _numerical(out, f"barlow_twins_uncentered.kernel.{graph}", rep.loss, rep.rank)
        for regime, K, options in (("linear", 2, {}), ("kernel", 3, KERNEL)):
            rep = solve("barlow_twins", G[graph], K, X, regime=regime, **options, **BARLOW,
                        centered=False, constraint="whitened")
            key = f"barlow_twins_uncentered_whitened.{regime}.{graph}"
            if regime == "kernel" and graph == "groups":
                # Every canonical correlation is 1 (a zero loss): the directions are any basis of
                # that eigenspace, which round-off picks. Loss (a round-off zero) and rank only.
                _numerical(out, key, rep.loss, rep.rank)
            else:
                _closed(out, key, rep, X_new)
        rep = solve("barlow_twins", G[graph], 3, X, regime="kernel", **KERNEL, **BARLOW,
                    constraint="whitened", regularization=0.1)
        _closed(out, f"barlow_twins_whitened_regularized.kernel.{graph}", rep, X_new)


def _implicit_label_pins(out, X, X_new):
    """The label relation kept implicit (``graphs.LabelRelation``): closed forms, at 1e-8."""
    from spectral_ssl import graphs, solve

    labels = graphs.from_labels(np.repeat(np.arange(8), 3), implicit=True)
    _closed(out, "implicit_labels.vicreg.nonparametric", solve("vicreg", labels, 3))
    _closed(out, "implicit_labels.vicreg.linear", solve("vicreg", labels, 2, X, regime="linear"), X_new)
    _closed(out, "implicit_labels.spectral_contrastive.nonparametric", solve("spectral_contrastive", labels, 3))
    _closed(out, "implicit_labels.barlow_twins_whitened.nonparametric",
            solve("barlow_twins", labels, 3, **BARLOW, constraint="whitened"))


def _simclr_nonparametric_pins(out, G):
    """SimCLR's numerical non-parametric optimum on the graphs ``pin_outputs`` leaves out."""
    from spectral_ssl import solve

    for graph in ("weighted", "disconnected"):
        rep = solve("simclr", G[graph], 2, temperature=0.5)
        key = f"simclr.nonparametric.{graph}"
        _numerical(out, key, rep.loss, rep.rank, unit_rows(rep.Z))
        out[f"{key}.cosines"] = ("invariant", cosines(rep.Z, COSINE_PAIRS))


def _estimator_pins(out, X, X_new):
    """The closed-form estimators on their default path (linear regime, kNN relation built by fit)."""
    from spectral_ssl.estimators import BarlowTwins, SpectralContrastive, VICReg

    for est in (VICReg(2, invariance=1.0), SpectralContrastive(2), BarlowTwins(2, constraint="whitened")):
        est.fit(X)
        rep = est.representation_
        assert rep.loss == est.loss_ and np.array_equal(rep.Z, est.embedding_)  # copied, not recomputed
        _closed(out, f"estimators.{type(est).__name__}.linear.knn", rep, X_new)


def _practice_pins(out, X):
    """The libraries' own Barlow Twins losses (``practice.optimal_linear_for``): loss and rank.

    The per-view solves stop less tightly than the graph forms. Measured (a 1e-12 perturbation
    of ``X``, ``random_state`` 1 and 2): Barlow Twins' library losses move at most 6e-9
    (relative), their spans up to 2e-4 rad (solo-learn), so loss and rank only. VICReg's
    per-view solve stops at the hinge's kink (loss 1.6e-6, spans 1e-3 rad) and NT-Xent's
    (SimCLR linear on the pairing graph) takes 3 to 7 s here: both left out.
    """
    from spectral_ssl import practice

    X_a, X_b = X[:12], X[:12] + 0.3 * X[12:]  # two views of 12 samples
    for library in practice.LIBRARIES:
        rep = practice.optimal_linear_for("barlow_twins", X_a, X_b, 2, library=library)
        _numerical(out, f"practice.barlow_twins.{library}", rep.library_loss, rep.rank)


def compute_pins():
    """Every pin, as ``{name: (kind, float64 ndarray)}``."""
    X = pin_outputs.features()
    X_new = pin_outputs.features(6, seed=4)
    G = pin_outputs.pin_graphs()
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # collapse warnings of the pinned cases are expected
        _simclr_pins(out, X, G, X_new)
        _vicreg_hinge_pins(out, X, G, X_new)
        _barlow_pins(out, X, G, X_new)
        _implicit_label_pins(out, X, X_new)
        _simclr_nonparametric_pins(out, G)
        _estimator_pins(out, X, X_new)
        _practice_pins(out, X)
    return {name: (kind, np.asarray(value, dtype=np.float64)) for name, (kind, value) in out.items()}


def compare(name, kind, actual, expected):
    """Fail (``AssertionError`` naming ``name``) unless ``actual`` matches ``expected`` for its kind."""
    import scipy.linalg

    actual = np.asarray(actual, dtype=np.float64)
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != pinned {expected.shape}"
    rtol, atol = TOLERANCES[kind]
    if kind == "span":
        angle = float(np.max(scipy.linalg.subspace_angles(actual, expected))) if expected.size else 0.0
        assert angle <= atol, f"{name}: span turned by {angle:.3g} rad (pinned within {atol:g})"
        return
    if kind == "closed":  # round-off entries beside the largest compared at rtol times it
        atol = max(rtol * float(np.max(np.abs(expected), initial=0.0)), 1e-12)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=name)


def package_commit():
    """The last commit that changed the package's code (``spectral_ssl/``): the code the pins come from.

    Refuses uncommitted changes of the package: their outputs belong to no commit.
    """
    root = pathlib.Path(__file__).resolve().parent.parent

    def git(*arguments):
        return subprocess.run(["git", "-C", str(root), *arguments], capture_output=True, text=True,
                              check=True).stdout.strip()

    if git("status", "--porcelain", "--", "spectral_ssl"):
        raise RuntimeError("spectral_ssl/ has uncommitted changes; commit them before regenerating the pins.")
    return git("log", "-1", "--format=%H", "--", "spectral_ssl")


def write_pins(path=PIN_FILE):
    """Compute the pins and write them as JSON, with the commit of the package code that produced them."""
    pins = compute_pins()
    payload = {"commit": package_commit(), "command": "PYTHONPATH=$PWD python -m tests.pin_optima",
               "pins": {name: {"kind": kind, "shape": list(value.shape), "values": value.ravel().tolist()}
                        for name, (kind, value) in sorted(pins.items())}}
    path.write_text(json.dumps(payload, indent=0) + "\n")
    return pins


def read_pins(path=PIN_FILE):
    """The stored pins, as ``{name: (kind, float64 ndarray)}``."""
    payload = json.loads(path.read_text())
    return {name: (entry["kind"], np.array(entry["values"], dtype=np.float64).reshape(entry["shape"]))
            for name, entry in payload["pins"].items()}


if __name__ == "__main__":
    written = write_pins()
    print(f"wrote {len(written)} pinned optima to {PIN_FILE}", file=sys.stderr)
