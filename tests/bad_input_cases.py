"""The bad-input catalogue: common mistakes with the public API, as data.

Each :class:`Case` is one wrong call: where it happens (a function, an
estimator or the command line), the call as a user would write it, the
mistake, a zero-argument callable that makes the call, the error it must
raise (an exception class; for the command line, the exit code), a regular
expression its message must contain, and the argument the message must name.

Two consumers:

* ``tests/test_bad_inputs.py`` runs every case and checks the type and message;
* ``docs/generate_catalogue.py`` runs every case and publishes the real messages.

This file is not a test module (no ``test_`` prefix) and ``tests`` is not a
package: both consumers load it by path. Calls that read or write files run in
a fresh temporary folder made the current directory, so the messages show
short relative paths (``G.npz``) rather than temporary ones.
"""

import contextlib
import io as _stdio
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

#: The areas of the public interface, in the catalogue's order.
AREAS = ("function", "estimator", "CLI")


@dataclass(frozen=True)
class Case:
    """One wrong call and the error it must produce."""

    id: str
    area: str  # one of AREAS
    call: str  # the call as a user would write it (shown in the catalogue)
    mistake: str  # what is wrong, in a few words
    run: Callable[[], object]  # makes the call; for the CLI returns a CliResult
    expected: object  # the exception class, or the CLI's exit code
    match: str  # regular expression searched in the message (re.search)
    argument: str  # the argument or option the message names (for a call out of order: the method)
    kind: str = "common mistake"  # what sort of bad input (bad_file_cases.KINDS for the others)


@dataclass(frozen=True)
class CliResult:
    """What ``spectral_ssl.cli.main`` did: its exit code and what it wrote to stderr."""

    code: int
    stderr: str

    @property
    def message(self):
        """The error line: the last non-empty line of stderr (argparse prints the usage above it)."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else ""


@dataclass(frozen=True)
class Outcome:
    """What running a case produced: ``error`` is the exception class or exit code (None: no error)."""

    error: object
    message: str


def error_message(error):
    """The message a user reads in the traceback: ``str(error)``, then its explicit cause, if any.

    scikit-learn reports a method that does not apply (``transform`` of a
    non-parametric estimator) as a generic ``AttributeError`` raised *from* the
    estimator's own explanation; both are shown, as in the traceback.
    """
    message = str(error)
    cause = error.__cause__
    if cause is not None:
        message += f" (caused by {type(cause).__name__}: {cause})"
    return message


def run_case(case):
    """Run ``case`` and return its :class:`Outcome` (never raises for the expected kinds of failure)."""
    if case.area == "CLI":
        result = case.run()
        return Outcome(result.code, result.message)
    try:
        case.run()
    except Exception as error:  # noqa: BLE001 - the point is to record it
        return Outcome(type(error), error_message(error))
    return Outcome(None, "")


# --------------------------------------------------------------------------- shared data


def _features(n=12, d=3, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


def _graph(n=12):
    from spectral_ssl import graphs

    return graphs.knn(_features(n), 3)


def _cliques():
    from spectral_ssl import graphs

    return graphs.from_groups(np.repeat(np.arange(3), 4))


def _with_isolated_sample():
    G = _cliques().tolil()
    G[0, :] = 0
    G[:, 0] = 0
    return G.tocsr()


@contextlib.contextmanager
def _in_temporary_folder():
    previous = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            yield folder
        finally:
            os.chdir(previous)


def _write_files():
    """The files the CLI and io cases read, in the current folder."""
    np.save("X.npy", _features())
    np.save("X10.npy", _features(10))
    sp.save_npz("G.npz", _graph())
    with open("edges.csv", "w") as handle:
        handle.write("0,1\n1,0\n1,2\n")
    with open("X.csv", "w") as handle:
        handle.write("1,2,3\n4,5\n")


def _in_files(call):
    """``call`` run in a temporary folder holding the files of :func:`_write_files`."""

    def run():
        with _in_temporary_folder():
            _write_files()
            return call()

    return run


def _cli(*argv):
    """A zero-argument callable running ``spectral-ssl ARGV`` in a folder with the sample files."""

    def call():
        from spectral_ssl import cli

        stderr = _stdio.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(_stdio.StringIO()):
            try:
                code = cli.main(list(argv))
            except SystemExit as stop:  # argparse's usage errors
                code = stop.code
        return CliResult(code, stderr.getvalue())

    return _in_files(call)


def _fitted(estimator_class, **params):
    return estimator_class(**params).fit(_features())


# --------------------------------------------------------------------------- the cases

_F, _E, _C = AREAS


def _function_cases():
    from spectral_ssl import graphs, io, linalg, losses, solve, spectral
    from spectral_ssl.certify import certify
    from spectral_ssl.methods import barlow_twins, simclr, spectral_contrastive, vicreg

    X, G = _features(), _graph()
    return [
        # graphs
        Case("graph-asymmetric", _F, "graphs.check(np.triu(G))", "a directed (asymmetric) graph",
             lambda: graphs.check(np.triu(G.toarray())), ValueError,
             r"G is not symmetric .*; symmetrise it, e\.g\. \(G \+ G\.T\) / 2", "G"),
        Case("graph-negative", _F, "graphs.check(-G)", "negative relation weights",
             lambda: graphs.check(-G), ValueError,
             r"G has negative weights \(min -1\); relation weights must be >= 0", "G"),
        Case("graph-self-loops", _F, "graphs.check(G + sp.eye(12))", "self-loops on the diagonal",
             lambda: graphs.check(G + sp.eye(12)), ValueError,
             r"G has a nonzero diagonal \(self-loops\); remove them with G\.setdiag\(0\)", "G"),
        Case("graph-empty", _F, "graphs.check(np.zeros((12, 12)))", "a graph without any edge",
             lambda: graphs.check(np.zeros((12, 12))), ValueError,
             r"G is empty \(no positive pairs\); give at least one nonzero weight", "G"),
        Case("graph-not-square", _F, "graphs.check(np.ones((3, 4)))", "a rectangular matrix",
             lambda: graphs.check(np.ones((3, 4))), ValueError,
             r"G must be square \(n_samples, n_samples\), got shape \(3, 4\)", "G"),
        Case("graph-nan", _F, "graphs.check(G_with_nan)", "a NaN weight",
             lambda: graphs.check(np.array([[0.0, np.nan], [np.nan, 0.0]])), ValueError,
             r"G contains NaN or inf; relation weights must be finite", "G"),
        Case("graph-string", _F, 'graphs.check("graph.npz")', "a file name instead of a matrix",
             lambda: graphs.check("graph.npz"), TypeError,
             r"G must be a square array or scipy\.sparse matrix, got str", "G"),
        Case("knn-too-many-neighbors", _F, "graphs.knn(X, n_neighbors=12)  # X has 12 rows",
             "more neighbours than other samples",
             lambda: graphs.knn(X, n_neighbors=12), ValueError,
             r"n_neighbors must be between 1 and n_samples - 1 = 11, got 12", "n_neighbors"),
        Case("knn-float-neighbors", _F, "graphs.knn(X, n_neighbors=2.5)", "a fractional neighbour count",
             lambda: graphs.knn(X, n_neighbors=2.5), TypeError,
             r"n_neighbors must be an integer, got 2\.5", "n_neighbors"),
        Case("gaussian-bandwidth", _F, "graphs.gaussian(X, bandwidth=0)", "a zero bandwidth",
             lambda: graphs.gaussian(X, bandwidth=0), ValueError, r"bandwidth must be > 0\.0, got 0\.0",
             "bandwidth"),
        Case("groups-2d", _F, "graphs.from_groups(groups.reshape(-1, 1))", "a column vector of groups",
             lambda: graphs.from_groups(np.zeros((6, 1))), ValueError,
             r"groups must be 1-D \(one entry per sample\), got shape \(6, 1\)", "groups"),
        Case("groups-singletons", _F, "graphs.from_groups(np.arange(6))", "every sample in its own group",
             lambda: graphs.from_groups(np.arange(6)), ValueError,
             r"groups has no two samples in the same group.*each group needs at least 2 members",
             "groups"),
        Case("labels-nan", _F, "graphs.from_labels([0, 1, nan, 1])", "a missing label",
             lambda: graphs.from_labels([0.0, 1.0, np.nan, 1.0]), ValueError,
             r"labels contains NaN or inf; every sample needs a valid label", "labels"),
        # the implicit label relation (graphs.from_labels(y, implicit=True), issue #16)
        Case("labels-implicit-nan", _F, "graphs.from_labels([0, 1, nan, 1], implicit=True)",
             "a missing label, implicit relation",
             lambda: graphs.from_labels([0.0, 1.0, np.nan, 1.0], implicit=True), ValueError,
             r"labels contains NaN or inf; every sample needs a valid label", "labels"),
        Case("labels-implicit-none", _F, 'graphs.from_labels(np.array(["a", None, "a"], dtype=object), implicit=True)',
             "an object label None", lambda: graphs.from_labels(np.array(["a", None, "a"], dtype=object),
                                                                implicit=True), ValueError,
             r"labels contains NaN, inf or None \(first: entry 1\); every sample needs a valid label", "labels"),
        Case("labels-implicit-mixed", _F, 'graphs.from_labels(np.array([1, "a", 1], dtype=object), implicit=True)',
             "object labels of two kinds", lambda: graphs.from_labels(np.array([1, "a", 1], dtype=object),
                                                                     implicit=True), TypeError,
             r"labels mixes types that cannot be compared \(e\.g\. numbers and strings\)", "labels"),
        Case("labels-implicit-singletons", _F, "graphs.from_labels(np.arange(6), implicit=True)",
             "every sample in its own class", lambda: graphs.from_labels(np.arange(6), implicit=True),
             ValueError, r"labels has no two samples in the same group, so the graph would be empty", "labels"),
        Case("labels-implicit-flag", _F, 'graphs.from_labels(y, implicit="yes")', "implicit not a bool",
             lambda: graphs.from_labels([0, 0, 1], implicit="yes"), TypeError,
             r"implicit must be True or False, got 'yes'", "implicit"),
        Case("labels-implicit-single-class", _F,
             "barlow_twins.optimal_representation(graphs.from_labels(np.zeros(8), implicit=True), 2)",
             "a single class: no closed form of the loss as written",
             lambda: barlow_twins.optimal_representation(graphs.from_labels(np.zeros(8), implicit=True), 2),
             ValueError, r"loss as written with n_components=2 above the number of classes less one "
                         r"\(centered\) \(0\) has no closed form.*Use constraint='whitened'", "n_components"),
        Case("labels-implicit-k-too-large", _F,
             "vicreg.optimal_representation(graphs.from_labels(y, implicit=True), 12)  # N = 12",
             "n_components = N on the implicit relation",
             lambda: vicreg.optimal_representation(graphs.from_labels(np.arange(12) % 3, implicit=True), 12),
             ValueError, r"n_components=12 is larger than the number of non-constant Laplacian eigenvectors "
                         r"\(N - 1\) \(11\); use n_components <= 11", "n_components"),
        Case("labels-implicit-singleton-normalized", _F,
             "spectral_contrastive.optimal_representation(graphs.from_labels([0, 0, 1, 2, 2], implicit=True), 2)",
             "a class of one sample (isolated) for a normalised method",
             lambda: spectral_contrastive.optimal_representation(
                 graphs.from_labels([0, 0, 1, 2, 2], implicit=True), 2), ValueError,
             r"G has 1 isolated sample\(s\) \(no positive pair; first: sample 2\)", "G"),
        Case("labels-implicit-simclr", _F, "losses.simclr(Z, graphs.from_labels(y, implicit=True))",
             "SimCLR on the implicit relation (needs every pair)",
             lambda: losses.simclr(X, graphs.from_labels(np.arange(12) % 3, implicit=True)), TypeError,
             r"G is an implicit label relation \(graphs\.LabelRelation\) and this function needs an "
             r"explicit sparse graph\. Pass G\.to_sparse\(\)", "G"),
        Case("labels-implicit-kernel", _F, "vicreg.optimal_kernel(X, graphs.from_labels(y, implicit=True), 2)",
             "the kernel regime on the implicit relation",
             lambda: vicreg.optimal_kernel(X, graphs.from_labels(np.arange(12) % 3, implicit=True), 2),
             TypeError, r"G is an implicit label relation \(graphs\.LabelRelation\).*vicreg\.optimal_linear",
             "G"),
        Case("rewire-fraction", _F, "graphs.rewire(G, labels, fraction=1.5)", "a fraction above 1",
             lambda: graphs.rewire(G, np.arange(12) % 2, fraction=1.5), ValueError,
             r"fraction must be >= 0\.0 and <= 1\.0, got 1\.5", "fraction"),
        # losses
        Case("loss-rows", _F, "losses.vicreg(Z[:10], G)", "Z has fewer rows than G has samples",
             lambda: losses.vicreg(X[:10], G), ValueError,
             r"Z has 10 rows but the graph G has 12 samples; they must describe the same samples",
             "Z"),
        Case("loss-variance-kind", _F, 'losses.vicreg(Z, G, variance_kind="hinge2")',
             "an unknown variance penalty",
             lambda: losses.vicreg(X, G, variance_kind="hinge2"), ValueError,
             r"variance_kind must be one of 'square', 'hinge'; got 'hinge2'", "variance_kind"),
        Case("loss-temperature", _F, "losses.simclr(Z, G, temperature=0)", "a zero temperature",
             lambda: losses.simclr(X, G, temperature=0), ValueError, r"temperature must be > 0\.0, got 0\.0",
             "temperature"),
        Case("loss-zero-row", _F, "losses.simclr(Z_with_a_zero_row, G)", "a zero representation",
             lambda: losses.simclr(np.vstack([np.zeros((1, 3)), X[1:]]), G), ValueError,
             r"Z has 1 row\(s\) with zero norm \(first: row 0\).*give them a nonzero representation",
             "Z"),
        Case("loss-centered-flag", _F, 'losses.barlow_twins(Z, G, centered="yes")', "a string flag",
             lambda: losses.barlow_twins(X, G, centered="yes"), TypeError,
             r"centered must be True or False, got 'yes'", "centered"),
        # methods
        Case("k-zero", _F, "vicreg.optimal_representation(G, 0)", "no component asked for",
             lambda: vicreg.optimal_representation(G, 0), ValueError,
             r"n_components must be >= 1, got 0", "n_components"),
        Case("k-too-large", _F, "vicreg.optimal_representation(G, 12)  # N = 12",
             "as many components as samples",
             lambda: vicreg.optimal_representation(G, 12), ValueError,
             r"n_components=12 is larger than .* \(11\); use n_components <= 11", "n_components"),
        Case("k-float", _F, "spectral_contrastive.optimal_representation(G, 2.5)", "a fractional K",
             lambda: spectral_contrastive.optimal_representation(G, 2.5), TypeError,
             r"n_components must be an integer, got 2\.5", "n_components"),
        Case("x-rows", _F, "vicreg.optimal_linear(X[:10], G, 2)", "X and G describe different samples",
             lambda: vicreg.optimal_linear(X[:10], G, 2), ValueError,
             r"X has 10 rows but the graph G has 12 samples", "X"),
        Case("x-sparse", _F, "vicreg.optimal_linear(sp.csr_matrix(X), G, 2)", "sparse features",
             lambda: vicreg.optimal_linear(sp.csr_matrix(X), G, 2), TypeError,
             r"X is a sparse matrix; pass a dense array \(e\.g\. X\.toarray\(\)\)", "X"),
        Case("x-masked", _F, "vicreg.optimal_linear(np.ma.masked_invalid(X), G, 2)",
             "a masked array (its mask would be dropped)",
             lambda: vicreg.optimal_linear(np.ma.masked_invalid(X), G, 2), TypeError,
             r"X is a masked array, whose mask would be ignored \(the hidden values used\); fill "
             r"the masked entries \(X\.filled\(value\)\)", "X"),
        Case("x-overflow", _F, "vicreg.optimal_linear(X * 1e160, G, 2)",
             "features so large that their products overflow",
             lambda: vicreg.optimal_linear(X * 1e160, G, 2), ValueError,
             r"X is finite but too large: the products of its columns overflow float64 .*; "
             r"rescale it, e\.g\. X / np\.abs\(X\)\.max\(\)", "X"),
        Case("x-underflow", _F, "vicreg.optimal_linear(X * 1e-160, G, 2)",
             "features so small that their products underflow",
             lambda: vicreg.optimal_linear(X * 1e-160, G, 2), ValueError,
             r"X has columns too small for float64 products \(column 0: .*\); rescale them, "
             r"e\.g\. X / np\.abs\(X\)\.max\(axis=0\)", "X"),
        Case("x-1d", _F, "vicreg.optimal_linear(x, G, 1)  # x.shape == (12,)", "a 1-D feature vector",
             lambda: vicreg.optimal_linear(X[:, 0], G, 1), ValueError,
             r"X must be 2-D .*; reshape a single feature with X\.reshape\(-1, 1\)", "X"),
        Case("variance-negative", _F, "vicreg.optimal_representation(G, 2, variance=-1)",
             "a negative loss weight",
             lambda: vicreg.optimal_representation(G, 2, variance=-1), ValueError,
             r"variance must be > 0\.0, got -1\.0", "variance"),
        Case("kernel-name", _F, 'vicreg.optimal_kernel(X, G, 2, kernel="gaussian")', "an unknown kernel",
             lambda: vicreg.optimal_kernel(X, G, 2, kernel="gaussian"), ValueError,
             r"kernel must be one of 'linear', 'rbf', 'polynomial'; got 'gaussian'", "kernel"),
        Case("kernel-degree", _F, 'barlow_twins.optimal_kernel(X, G, 2, kernel="polynomial", degree=0)',
             "a polynomial of degree 0",
             lambda: barlow_twins.optimal_kernel(X, G, 2, kernel="polynomial", degree=0), ValueError,
             r"degree must be >= 1, got 0", "degree"),
        Case("simclr-closed-form", _F, 'simclr.optimal_representation(G, 2, solver="closed_form")',
             "the simplex closed form on a graph that is not equal cliques",
             lambda: simclr.optimal_representation(G, 2, solver="closed_form"), ValueError,
             r"solver='closed_form' needs G to be a union of equal-size cliques", "solver"),
        Case("isolated-sample", _F, "spectral_contrastive.optimal_representation(G_isolated, 2)",
             "a sample with no positive pair",
             lambda: spectral_contrastive.optimal_representation(_with_isolated_sample(), 2), ValueError,
             r"isolated", "G"),
        Case("solve-method", _F, 'solve("byol", G, 2)', "an unknown method name",
             lambda: solve("byol", G, 2), ValueError,
             r"method must be one of 'barlow_twins', 'simclr', 'spectral_contrastive', 'vicreg'; "
             r"got 'byol'\.$", "method"),
        Case("solve-foreign-hyper", _F, 'solve("vicreg", G, 2, temperature=0.5)',
             "another method's hyper-parameter",
             lambda: solve("vicreg", G, 2, temperature=0.5), TypeError,
             r"solve\(\) got an unexpected keyword argument 'temperature': not an option of vicreg "
             r"in the nonparametric regime .*, which takes variance, covariance, invariance",
             "temperature"),
        Case("solve-regime-needs-x", _F, 'solve("vicreg", G, 2, regime="linear")', "the linear regime without X",
             lambda: solve("vicreg", G, 2, regime="linear"), ValueError,
             r"regime='linear' needs the inputs X; pass X, an \(N, D\) array of features, or use "
             r"regime='nonparametric'", "X"),
        Case("solve-x-ignored", _F, 'solve("vicreg", G, 2, X=X, regime="nonparametric")',
             "X given to the nonparametric regime",
             lambda: solve("vicreg", G, 2, X=X, regime="nonparametric"), ValueError,
             r"X is given but regime='nonparametric' ignores it; drop X or use regime='linear'", "X"),
        Case("solve-regime-name", _F, 'solve("vicreg", G, 2, regime="parametric")', "an unknown regime",
             lambda: solve("vicreg", G, 2, regime="parametric"), ValueError,
             r"regime must be one of 'nonparametric', 'linear', 'kernel'; got 'parametric'", "regime"),
        # spectral, certify, linalg
        Case("eigenmaps-normalized", _F, 'spectral.laplacian_eigenmaps(G, 2, normalized="sym")',
             "a string where a flag is expected",
             lambda: spectral.laplacian_eigenmaps(G, 2, normalized="sym"), TypeError,
             r"normalized must be True or False, got 'sym'", "normalized"),
        Case("isomap-neighbors", _F, "spectral.isomap(X, 2, n_neighbors=12)", "too many neighbours",
             lambda: spectral.isomap(X, 2, n_neighbors=12), ValueError,
             r"n_neighbors must be between 1 and N - 1 = 11, got 12", "n_neighbors"),
        Case("mds-kind", _F, 'spectral.classical_mds(D, 2, kind="similarity")', "an unknown input kind",
             lambda: spectral.classical_mds(np.zeros((4, 4)), 2, kind="similarity"), ValueError,
             r"kind must be one of", "kind"),
        Case("cca-rows", _F, "spectral.cca(X, Y[:10], 2)", "two views with different samples",
             lambda: spectral.cca(X, X[:10], 2), ValueError, r"X_right", "X_right"),
        Case("certify-restarts", _F, 'certify("vicreg", G, 2, restarts=0)', "no restart",
             lambda: certify("vicreg", G, 2, restarts=0), ValueError,
             r"restarts must be >= 1, got 0", "restarts"),
        Case("certify-method", _F, 'certify("VICReg", G, 2)', "a method name with capitals",
             lambda: certify("VICReg", G, 2), ValueError,
             r"method must be the name of a registered method, one of \[.*'vicreg'\]; got 'VICReg'",
             "method"),
        Case("laplacian-kind", _F, 'linalg.laplacian(G, kind="random-walk")', "an unknown Laplacian",
             lambda: linalg.laplacian(G, kind="random-walk"), ValueError, r"kind must be one of", "kind"),
        Case("make-kernel", _F, 'linalg.make_kernel(X, "cosine")', "an unknown kernel name",
             lambda: linalg.make_kernel(X, "cosine"), ValueError,
             r"kernel must be one of 'linear', 'rbf', 'polynomial'; got 'cosine'", "kernel"),
        # io
        Case("io-missing", _F, 'io.load_graph("graph.npz")', "a file that does not exist",
             _in_files(lambda: io.load_graph("graph.npz")), FileNotFoundError,
             r"G: file 'graph\.npz' does not exist", "G"),
        Case("io-extension", _F, 'io.load_features("X.xlsx")', "an unsupported file format",
             _in_files(lambda: io.load_features("X.xlsx")), ValueError,
             r"X: 'X\.xlsx' has extension '\.xlsx'; expected one of \.npy, \.csv\. Save the array", "X"),
        Case("io-ragged", _F, 'io.load_features("X.csv")  # rows of 3 and 2 values', "a ragged CSV",
             _in_files(lambda: io.load_features("X.csv")), ValueError,
             r"X: rows of 'X\.csv' have different numbers of columns \(\[2, 3\]\); every row needs",
             "X"),
        Case("io-mixed-directions", _F, 'io.load_graph("edges.csv")  # 0,1 / 1,0 / 1,2',
             "an edge list mixing one-way and two-way edges",
             _in_files(lambda: io.load_graph("edges.csv")), ValueError,
             r"G: 'edges\.csv' lists some edges in both directions and others in one.*list every "
             r"edge once, or every edge both ways", "G"),
        Case("io-size", _F, 'io.load_graph("G.npz", n_samples=10)', "a graph of other samples",
             _in_files(lambda: io.load_graph("G.npz", n_samples=10)), ValueError,
             r"G: 'G\.npz' relates 12 samples but the features have 10 rows", "G"),
    ]


def _estimator_cases():
    from spectral_ssl.estimators import BarlowTwins, SimCLR, SpectralContrastive, VICReg

    X = _features()
    return [
        Case("est-regime", _E, 'VICReg(regime="deep").fit(X)', "an unknown regime",
             lambda: VICReg(regime="deep").fit(X), ValueError,
             r"regime must be one of 'nonparametric', 'linear', 'kernel'; got 'deep'", "regime"),
        Case("est-relation", _E, 'VICReg(relation="cosine").fit(X)', "an unknown relation",
             lambda: VICReg(relation="cosine").fit(X), ValueError,
             r"relation must be one of 'knn', 'gaussian', 'labels', 'groups', 'precomputed'; got 'cosine'",
             "relation"),
        Case("est-missing-groups", _E, 'VICReg(relation="groups").fit(X)', "groups not passed to fit",
             lambda: VICReg(relation="groups").fit(X), ValueError,
             r"relation='groups' builds the graph from groups .*; call fit\(X, groups=groups\)", "groups"),
        Case("est-groups-ignored", _E, "VICReg().fit(X, groups=groups)  # relation='knn'",
             "groups given to another relation",
             lambda: VICReg().fit(X, groups=np.arange(12) // 2), ValueError,
             r"groups is given but relation='knn' ignores it; use relation='groups'", "groups"),
        Case("est-missing-y", _E, 'SpectralContrastive(relation="labels").fit(X)', "labels not passed to fit",
             lambda: SpectralContrastive(relation="labels").fit(X), ValueError,
             r"relation='labels' builds the graph from the class labels y; call fit\(X, y\)", "y"),
        Case("est-graph-size", _E, 'VICReg(relation="precomputed").fit(X, graph=G_10)',
             "a precomputed graph of other samples",
             lambda: VICReg(relation="precomputed").fit(X, graph=_graph(10)), ValueError,
             r"graph relates 10 samples but X has 12 samples; give one entry per sample", "graph"),
        Case("est-transform-features", _E, "VICReg().fit(X).transform(X[:, :2])",
             "transform on other features than fit",
             lambda: _fitted(VICReg).transform(X[:, :2]), ValueError,
             r"X has 2 features, but VICReg is expecting 3 features as input", "X"),
        Case("est-nonparametric-transform", _E, 'VICReg(regime="nonparametric").fit(X).transform(X)',
             "transform with no out-of-sample map",
             lambda: _fitted(VICReg, regime="nonparametric").transform(X), AttributeError,
             r"This 'VICReg' has no attribute 'transform' \(caused by AttributeError: VICReg with "
             r"regime='nonparametric' has no transform.*Use fit_transform\(X\)", "regime"),
        Case("est-not-fitted", _E, "BarlowTwins().transform(X)", "transform before fit",
             lambda: BarlowTwins().transform(X), __import__("sklearn.exceptions").exceptions.NotFittedError,
             r"This BarlowTwins instance is not fitted yet\. Call 'fit'", "fit"),
        Case("est-temperature", _E, "SimCLR(temperature=-1).fit(X)", "a negative temperature",
             lambda: SimCLR(temperature=-1.0).fit(X), ValueError, r"temperature must be > 0\.0, got -1\.0",
             "temperature"),
        Case("est-k-too-large", _E, "VICReg(n_components=5).fit(X)  # 3 features",
             "more components than the features span",
             lambda: VICReg(n_components=5).fit(X), ValueError,
             r"n_components=5 is larger than .*; use n_components <= 3", "n_components"),
    ]


def _cli_cases():
    solve = ("solve", "--method", "vicreg", "--graph", "G.npz", "--n-components", "2")
    return [
        Case("cli-no-command", _C, "spectral-ssl", "no command", _cli(), 2,
             r"spectral-ssl: error: a command is required \(one of: .*solve", "command"),
        Case("cli-report-k", _C, "spectral-ssl report --n-components 0", "K below 1",
             _cli("report", "--n-components", "0"), 2,
             r"argument --n-components: must be an integer >= 1, got '0'", "--n-components"),
        Case("cli-report-relation", _C, "spectral-ssl report --relation labels", "an unknown relation",
             _cli("report", "--relation", "labels"), 2,
             r"argument --relation: invalid choice: 'labels'", "--relation"),
        Case("cli-verify-restarts", _C, "spectral-ssl verify --restarts 0", "no restart",
             _cli("verify", "--restarts", "0"), 2,
             r"argument --restarts: must be an integer >= 1, got '0'", "--restarts"),
        Case("cli-solve-required", _C, "spectral-ssl solve --method vicreg", "required options missing",
             _cli("solve", "--method", "vicreg"), 2,
             r"the following arguments are required: --graph, --n-components, --out", "--graph"),
        Case("cli-solve-foreign-option", _C, "spectral-ssl solve --method vicreg ... --temperature 0.5",
             "another method's option", _cli(*solve, "--out", "Z.npy", "--temperature", "0.5"), 2,
             r"argument --temperature: applies to --method simclr only; --method vicreg takes "
             r"--variance, --covariance, --invariance", "--temperature"),
        Case("cli-solve-missing-graph", _C, "spectral-ssl solve --graph graph.npz ...", "a missing file",
             _cli("solve", "--method", "vicreg", "--graph", "graph.npz", "--n-components", "2",
                  "--out", "Z.npy"), 1,
             r"spectral-ssl solve: error: --graph: file 'graph\.npz' does not exist\.", "--graph"),
        Case("cli-solve-rows", _C, "spectral-ssl solve --graph G.npz --X X10.npy ...",
             "features of other samples", _cli(*solve, "--X", "X10.npy", "--out", "Z.npy"), 1,
             r"--graph: 'G\.npz' relates 12 samples but the features have 10 rows", "--graph"),
        Case("cli-solve-needs-x", _C, "spectral-ssl solve ... --regime linear", "the linear regime without --X",
             _cli(*solve, "--regime", "linear", "--out", "Z.npy"), 1,
             r"--regime linear needs the features: give --X FILE", "--X"),
        Case("cli-solve-k", _C, "spectral-ssl solve ... --n-components 20", "K above N - 1",
             _cli("solve", "--method", "vicreg", "--graph", "G.npz", "--n-components", "20",
                  "--out", "Z.npy"), 1,
             r"--n-components: n_components=20 is larger than .*; use n_components <= 11",
             "--n-components"),
        Case("cli-solve-out-extension", _C, "spectral-ssl solve ... --out Z.txt", "an output that is not .npy",
             _cli(*solve, "--out", "Z.txt"), 1,
             r"--out: 'Z\.txt' must end in \.npy; for example --out result\.npy", "--out"),
        Case("cli-solve-out-folder", _C, "spectral-ssl solve ... --out results/Z.npy",
             "an output folder that does not exist", _cli(*solve, "--out", "results/Z.npy"), 1,
             r"--out: folder 'results' does not exist; create it first", "--out"),
    ]


def _file_cases():
    """The cases of ``bad_file_cases.py``: untrusted files, corrupt arrays, paths, sizes, outputs."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent / "bad_file_cases.py"
    spec = importlib.util.spec_from_file_location("bad_file_cases", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.cases(Case, CliResult)


def all_cases():
    """Every case: the common mistakes (functions, estimators, command line), then the file cases."""
    return [*_function_cases(), *_estimator_cases(), *_cli_cases(), *_file_cases()]


CASES = all_cases()
