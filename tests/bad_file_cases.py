"""Untrusted files, corrupt arrays, dangerous paths and oversized inputs, as catalogue cases.

Loaded by ``bad_input_cases.py`` (by path: ``tests`` is not a package), which
passes its :class:`Case` and :class:`CliResult` classes to :func:`cases`.
Every file a case reads is crafted by the case itself in a fresh temporary
folder. Each call runs under a 20 s alarm (a hang fails the case with
``TimeoutError``) and, where the case is about memory, under a small memory
budget (:func:`spectral_ssl.memory.budget_limit`), so the refusal does not
depend on the machine's RAM. Output cases check that the files they protect
are byte for byte unchanged after the call.

Kinds (the ``kind`` of each case):

* ``sparse structure``: index arrays that would make scipy's compiled code read
  or write out of bounds (out-of-range, negative, decreasing ``indptr``, ...);
* ``memory budget``: files whose header or zip directory declares far more than
  the budget, and calls that would build N x N matrices;
* ``graph values``: matrices of the wrong kind of numbers or shape;
* ``file contents``: malformed ``.npy``, ``.npz``, ``.mtx`` and CSV files;
* ``paths``: folders, FIFOs, devices, links given as input files;
* ``outputs``: ``--out``/``--params`` that would overwrite, follow a link or
  destroy an input.
"""

import contextlib
import io as _stdio
import os
import signal
import socket
import tempfile
import zipfile

import numpy as np
import scipy.sparse as sp

#: Seconds a case may take before it counts as a hang.
TIMEOUT = 20

#: The budget the memory cases run under.
SMALL_BUDGET = "1MiB"

KINDS = ("sparse structure", "memory budget", "graph values", "file contents", "paths", "outputs")


# --------------------------------------------------------------------------- running a case


@contextlib.contextmanager
def _alarm(seconds):
    def stop(signum, frame):
        raise TimeoutError(f"the call did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _sandbox(budget):
    from spectral_ssl import memory

    previous = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            with _alarm(TIMEOUT), (memory.budget_limit(budget) if budget else contextlib.nullcontext()):
                yield folder
        finally:
            os.chdir(previous)


def _snapshot(paths):
    return {path: open(path, "rb").read() for path in paths if os.path.isfile(path)}


def _changed(before):
    return [path for path, content in before.items()
            if not os.path.isfile(path) or open(path, "rb").read() != content]


def _function(setup, call, budget=None):
    """Run ``setup()`` (returns the files to protect), then ``call()``; a changed file fails."""

    def run():
        with _sandbox(budget):
            before = _snapshot(setup() or ())
            try:
                return call()
            finally:
                if _changed(before):
                    raise AssertionError(f"the call changed {_changed(before)}")

    return run


def _cli_runner(CliResult):
    def command(setup, *argv, budget=None):
        def run():
            from spectral_ssl import cli

            with _sandbox(budget):
                before = _snapshot(setup() or ())
                had_output = os.path.lexists("Z.npy")
                stderr = _stdio.StringIO()
                with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(_stdio.StringIO()):
                    try:
                        code = cli.main(list(argv))
                    except SystemExit as stop:
                        code = stop.code
                changed = _changed(before)
                if changed:
                    return CliResult(-1, f"overwrote {changed}")
                if argv[0] == "solve" and code != 0 and os.path.lexists("Z.npy") and not had_output:
                    return CliResult(-1, "wrote Z.npy although the command failed")
                return CliResult(code, stderr.getvalue())

        return run

    return command


# --------------------------------------------------------------------------- crafted files


def _graph(n=12):
    from spectral_ssl import graphs

    return graphs.knn(np.random.default_rng(0).standard_normal((n, 3)), 3)


def _npz(name, **arrays):
    """A .npz written member by member (like scipy.sparse.save_npz, but any content)."""
    np.savez(name, **arrays)


def _sparse_npz(name, fmt, shape=(3, 3), **arrays):
    _npz(name, format=np.array(fmt.encode()), shape=np.array(shape), **arrays)


def _ring_files(extra=None):
    """G.npz (12 samples), X.npy (12 x 3), the sample inputs of the CLI cases."""

    def setup():
        sp.save_npz("G.npz", _graph())
        np.save("X.npy", np.random.default_rng(1).standard_normal((12, 3)))
        protected = ["G.npz", "X.npy"]
        if extra is not None:
            protected += list(extra() or ())
        return protected

    return setup


def _write(name, content):
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(name, mode) as handle:
        handle.write(content)
    return name


def _npy_header(name, shape, descr="<f8", body=b""):
    buffer = _stdio.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    _write(name, buffer.getvalue() + body)


def _zip_bomb(name, megabytes):
    """A .npz whose data member inflates to ``megabytes`` of zeros (about 1000:1 compressed)."""
    with zipfile.ZipFile(name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("data.npy", "w") as member:
            count = megabytes * 2**20 // 8
            np.lib.format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False,
                                                          "shape": (count,)})
            chunk = bytes(2**20)
            for _ in range(megabytes):
                member.write(chunk)
        for key, value in {"format": np.array(b"coo"), "shape": np.array([4, 4]),
                           "row": np.zeros(1, np.int32), "col": np.zeros(1, np.int32)}.items():
            buffer = _stdio.BytesIO()
            np.save(buffer, value)
            archive.writestr(f"{key}.npy", buffer.getvalue())


def _socket(name):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(name)
    return server  # kept open by the caller's closure until the case ends


# --------------------------------------------------------------------------- corrupt in-memory matrices


def _corrupt(fmt, change):
    """A valid 12-sample graph in format ``fmt`` with ``change(matrix)`` applied to its arrays."""
    G = _graph().asformat(fmt)
    if fmt in ("csr", "csc", "coo", "bsr"):
        for attribute in ("indices", "indptr", "row", "col"):
            if hasattr(G, attribute) and isinstance(getattr(G, attribute), np.ndarray):
                setattr(G, attribute, getattr(G, attribute).astype(np.int64))
    change(G)
    return G


def _set(attribute, index, value):
    def change(G):
        getattr(G, attribute)[index] = value

    return change


def _replace(attribute, value):
    def change(G):
        setattr(G, attribute, value(getattr(G, attribute)))

    return change


def _structure_cases(Case):
    from spectral_ssl import graphs

    rows = [
        ("csr", "column index 10**6", _set("indices", 3, 10**6), r"column index 1000000 is out of range \[0, 12\)"),
        ("csr", "a negative column index", _set("indices", 3, -1), r"column index -1 is out of range"),
        ("csr", "a decreasing indptr", _set("indptr", 3, 10**3), r"indptr must start at 0 and never decrease"),
        ("csr", "indptr not starting at 0", _set("indptr", 0, 1), r"indptr must start at 0"),
        ("csr", "indptr one entry short", _replace("indptr", lambda a: a[:-1]), r"indptr has 12 entries for 12 rows"),
        ("csr", "indptr ending beyond the indices", _replace("indices", lambda a: a[:-4]),
         r"indptr ends at \d+ but there are \d+ indices"),
        ("csr", "float column indices", _replace("indices", lambda a: a.astype(float)),
         r"indices must be a 1-D integer array, got dtype float64"),
        ("csr", "2-D indices", _replace("indices", lambda a: a.reshape(1, -1)), r"indices must be a 1-D integer array"),
        ("csr", "fewer weights than indices", _replace("data", lambda a: a[:-3]),
         r"it declares \d+ entries but holds \d+ values"),
        ("csc", "row index 10**6", _set("indices", 0, 10**6), r"CSC matrix .*row index 1000000 is out of range"),
        ("csc", "a negative row index", _set("indices", 0, -7), r"row index -7 is out of range"),
        ("csc", "a decreasing indptr", _set("indptr", 5, 0), r"indptr must start at 0 and never decrease"),
        ("csc", "indptr one entry long", _replace("indptr", lambda a: np.r_[a, a[-1]]),
         r"indptr has 14 entries for 12 columns"),
        ("coo", "row index 10**6", _set("row", 0, 10**6), r"COO matrix .*row index 1000000 is out of range"),
        ("coo", "a negative column index", _set("col", 2, -3), r"column index -3 is out of range"),
        ("coo", "row and col of different lengths", _replace("col", lambda a: a[:-1]), r"row has \d+ entries but col \d+"),
        ("bsr", "block column index 99", _set("indices", 0, 99), r"BSR matrix .*block column index 99 is out of range"),
        ("bsr", "a decreasing indptr", _set("indptr", 2, 10**4), r"indptr must have 13 non-decreasing entries"),
        ("bsr", "2-D block data", _replace("data", lambda a: a.reshape(a.shape[0], -1)), r"data must be 3-D"),
        ("dia", "an offset without data row", _replace("offsets", lambda a: np.r_[a, 1]),
         r"DIA matrix .*data must have one row per offset"),
        ("dia", "float offsets", _replace("offsets", lambda a: a.astype(float)), r"offsets must be a 1-D integer array"),
    ]
    out = []
    for fmt, mistake, change, pattern in rows:
        slug = mistake.replace(" ", "-").replace("*", "").lower()
        out.append(Case(f"sparse-{fmt}-{slug}", "function", f"graphs.check(G_{fmt})  # {mistake}",
                        f"a {fmt.upper()} graph with {mistake}",
                        (lambda fmt=fmt, change=change: graphs.check(_corrupt(fmt, change))), ValueError,
                        pattern, "G", "sparse structure"))

    def lil(change):
        def build():
            G = sp.lil_matrix(_graph())
            change(G)
            return graphs.check(G)
        return build

    def dok_key(key):
        def build():
            G = sp.dok_matrix(_graph())
            G._dict[key] = 1.0  # what scipy's own __setitem__ would refuse
            return graphs.check(G)
        return build

    out += [
        Case("sparse-lil-column-out-of-range", "function", "graphs.check(G_lil)  # rows[0] = [99]",
             "a LIL graph with a column index out of range", lil(lambda G: G.rows.__setitem__(0, [99])),
             ValueError, r"LIL matrix .*row must have as many values|LIL matrix .*column index 99", "G",
             "sparse structure"),
        Case("sparse-lil-negative", "function", "graphs.check(G_lil)  # rows[1][0] = -4",
             "a LIL graph with a negative column index", lil(lambda G: G.rows[1].__setitem__(0, -4)),
             ValueError, r"LIL matrix .*column index -4 is out of range", "G", "sparse structure"),
        Case("sparse-lil-float-index", "function", "graphs.check(G_lil)  # rows[1][0] = 1.5",
             "a LIL graph with a fractional column index", lil(lambda G: G.rows[1].__setitem__(0, 1.5)),
             ValueError, r"LIL matrix .*column indices must be a 1-D integer array", "G", "sparse structure"),
        Case("sparse-dok-key-out-of-range", "function", "graphs.check(G_dok)  # key (0, 50) in a 12 x 12",
             "a DOK graph with a key outside its shape", dok_key((0, 50)), ValueError,
             r"DOK matrix .*column index 50 is out of range \[0, 12\)", "G", "sparse structure"),
        Case("sparse-dok-bad-key", "function", "graphs.check(G_dok)  # key ('a', 1)",
             "a DOK graph with a key that is not a pair of integers", dok_key(("a", 1)), ValueError,
             r"every key must be a pair of integers", "G", "sparse structure"),
        Case("sparse-1d-coo-array", "function", "graphs.check(sp.coo_array(np.ones(4)))",
             "a 1-D sparse array", lambda: graphs.check(sp.coo_array(np.ones(4))), ValueError,
             r"G must be 2-D \(n_samples, n_samples\), got a sparse array of shape \(4,\)", "G",
             "sparse structure"),
    ]
    return out


def _structure_file_cases(Case, command):
    from spectral_ssl import io

    files = {
        "csr-oob": lambda: _sparse_npz("G.npz", "csr", data=np.ones(2), indices=np.array([1, 10**6]),
                                       indptr=np.array([0, 1, 2, 2])),
        "csr-negative": lambda: _sparse_npz("G.npz", "csr", data=np.ones(2), indices=np.array([1, -5]),
                                            indptr=np.array([0, 1, 2, 2])),
        "csr-indptr": lambda: _sparse_npz("G.npz", "csr", data=np.ones(3), indices=np.array([1, 0, 0]),
                                          indptr=np.array([0, 3, 1, 3])),
        "csr-float-indices": lambda: _sparse_npz("G.npz", "csr", data=np.ones(2), indices=np.array([1.0, 0.0]),
                                                 indptr=np.array([0, 1, 2, 2])),
        "csc-oob": lambda: _sparse_npz("G.npz", "csc", data=np.ones(2), indices=np.array([1, 7]),
                                       indptr=np.array([0, 1, 2, 2])),
        "coo-oob": lambda: _sparse_npz("G.npz", "coo", data=np.ones(2), row=np.array([0, 1]),
                                       col=np.array([1, 2**40])),
        "coo-negative": lambda: _sparse_npz("G.npz", "coo", data=np.ones(2), row=np.array([0, -1]),
                                            col=np.array([1, 0])),
        "bsr-oob": lambda: _sparse_npz("G.npz", "bsr", shape=(4, 4), data=np.ones((1, 2, 2)),
                                       indices=np.array([5]), indptr=np.array([0, 1, 1])),
        "dia-mismatch": lambda: _sparse_npz("G.npz", "dia", data=np.ones((1, 3)), offsets=np.array([1, -1])),
    }
    patterns = {
        "csr-oob": r"CSR matrix with an invalid structure: column index 1000000 is out of range \[0, 3\)",
        "csr-negative": r"column index -5 is out of range", "csr-indptr": r"indptr must start at 0 and never decrease",
        "csr-float-indices": r"indices must be a 1-D integer array, got dtype float64",
        "csc-oob": r"CSC matrix .*row index 7 is out of range", "coo-oob": r"column index 1099511627776 is out of range",
        "coo-negative": r"row index -1 is out of range", "bsr-oob": r"block column index 5 is out of range",
        "dia-mismatch": r"data must have one row per offset",
    }
    out = []
    for key, make in files.items():
        out.append(Case(f"npz-{key}", "function", f'io.load_graph("G.npz")  # {key.replace("-", " ")}',
                        f"a .npz graph whose arrays are corrupt ({key.replace('-', ' ')})",
                        _function(make, lambda: io.load_graph("G.npz")), ValueError, patterns[key], "G",
                        "sparse structure"))
    for key in ("csr-oob", "csr-negative", "csr-indptr", "coo-oob", "bsr-oob"):
        out.append(Case(f"cli-npz-{key}", "CLI", f"spectral-ssl solve --graph {key}.npz ...",
                        f"the crafted .npz of the probe ({key.replace('-', ' ')}) on the command line",
                        command(lambda make=files[key]: make(), "solve", "--method", "vicreg", "--graph",
                                "G.npz", "--n-components", "1", "--out", "Z.npy"), 1,
                        "spectral-ssl solve: error: --graph .*" + patterns[key].split(": ")[-1], "--graph",
                        "sparse structure"))
    return out


# --------------------------------------------------------------------------- memory budget


def _memory_cases(Case, command, MemoryBudgetError):
    from spectral_ssl import graphs, io, linalg, spectral
    from spectral_ssl.estimators import SimCLR, SpectralContrastive, VICReg
    from spectral_ssl.methods import barlow_twins, simclr, spectral_contrastive, vicreg

    def big(n=400):
        return np.random.default_rng(0).standard_normal((n, 3))

    def bigG(n=400):
        return graphs.knn(big(n), 5)

    budget = SMALL_BUDGET
    calls = [
        ("gaussian-all-pairs", "graphs.gaussian(X, 1.0)  # N = 400, no n_neighbors", "all N x N Gaussian weights",
         lambda: graphs.gaussian(big(), 1.0), "graphs.gaussian", r"pass n_neighbors="),
        ("median-bandwidth", "linalg.median_bandwidth(X)  # N = 400", "all pairwise distances",
         lambda: linalg.median_bandwidth(big()), "linalg.median_bandwidth", r"pass bandwidth="),
        ("isomap", "spectral.isomap(X, 2)  # N = 400", "all geodesic distances",
         lambda: spectral.isomap(big(), 2), "spectral.isomap", r"laplacian_eigenmaps"),
        ("simclr-nonparametric", "simclr.optimal_representation(G, 2)  # N = 400", "SimCLR's N x N softmax",
         lambda: simclr.optimal_representation(bigG(), 2), "simclr.optimal_representation", r"use VICReg"),
        ("simclr-linear", "simclr.optimal_linear(X, G, 2)  # N = 400", "SimCLR's N x N softmax",
         lambda: simclr.optimal_linear(big(), bigG(), 2), "simclr.optimal_linear", r"use VICReg"),
        ("simclr-kernel", "simclr.optimal_kernel(X, G, 2)  # N = 400", "SimCLR's N x N softmax and Gram",
         lambda: simclr.optimal_kernel(big(), bigG(), 2), "simclr.optimal_kernel", r"use VICReg"),
        ("vicreg-kernel", "vicreg.optimal_kernel(X, G, 2)  # N = 400", "the N x N Gram matrix",
         lambda: vicreg.optimal_kernel(big(), bigG(), 2), "vicreg.optimal_kernel", r"Nystroem"),
        ("barlow-kernel", "barlow_twins.optimal_kernel(X, G, 2)  # N = 400", "the N x N Gram matrix",
         lambda: barlow_twins.optimal_kernel(big(), bigG(), 2), "barlow_twins.optimal_kernel", r"Nystroem"),
        ("spectral-contrastive-kernel", "spectral_contrastive.optimal_kernel(X, G, 2)  # N = 400",
         "the N x N Gram matrix", lambda: spectral_contrastive.optimal_kernel(big(), bigG(), 2),
         "spectral_contrastive.optimal_kernel", r"Nystroem"),
        ("from-labels", "graphs.from_labels(y)  # 2 classes of 200", "a clique per class",
         lambda: graphs.from_labels(np.arange(400) % 2), "graphs.from_labels", r"a k-NN graph within each group"),
        ("from-groups", "graphs.from_groups(groups)  # 1 group of 400", "one clique of every sample",
         lambda: graphs.from_groups(np.zeros(400)), "graphs.from_groups", r"a k-NN graph within each group"),
        ("est-gaussian", 'VICReg(relation="gaussian").fit(X)  # N = 400', "the median bandwidth of every pair",
         lambda: VICReg(relation="gaussian").fit(big()), "relation_bandwidth",
         r"set relation_bandwidth= \(e\.g\. the median distance"),
        ("est-simclr", "SimCLR().fit(X)  # N = 400", "SimCLR on 400 samples",
         lambda: SimCLR().fit(big()), "simclr.optimal_linear", r"use VICReg"),
        ("est-kernel", 'VICReg(regime="kernel").fit(X)  # N = 400', "the kernel regime on 400 samples",
         lambda: VICReg(regime="kernel", relation_bandwidth=None).fit(big()), "vicreg.optimal_kernel", r"Nystroem"),
        ("est-labels", 'SpectralContrastive(relation="labels").fit(X, y)  # 2 classes of 200',
         "the label graph of large classes",
         lambda: SpectralContrastive(relation="labels").fit(big(), np.arange(400) % 2), "graphs.from_labels", r"budget"),
        ("dense-graph", "graphs.check(np.ones((400, 400)) - np.eye(400))", "a dense graph larger than the budget",
         lambda: graphs.check(np.ones((400, 400)) - np.eye(400)), "check_graph", r"build the graph sparse"),
    ]
    out = []
    for key, call, mistake, run, argument, pattern in calls:
        first = argument.split("|")[0]
        out.append(Case(f"budget-{key}", "function", call, f"{mistake} beyond a 1 MiB budget",
                        _function(lambda: None, run, budget), MemoryBudgetError,
                        rf"(?:{argument})\S* would need .* more than the memory budget of 1 MiB; .*{pattern}",
                        first, "memory budget"))

    def bomb_npz():
        _zip_bomb("G.npz", 4)

    headers = [
        ("edge-list-index", "G.csv", "a 16-byte edge list naming sample 999999999", lambda: _write("G.csv", "0,1\n2,999999999\n"),
         r"a graph of 1000000000 samples"),
        ("coo-npz-shape", "G.npz", "a COO .npz declaring 10**9 x 10**9", lambda: _sparse_npz(
            "G.npz", "coo", shape=(10**9, 10**9), data=np.ones(2), row=np.array([0, 1]), col=np.array([1, 0])),
         r"a graph of 1000000000 samples"),
        ("csr-npz-shape", "G.npz", "a CSR .npz declaring 10**9 rows", lambda: _sparse_npz(
            "G.npz", "csr", shape=(10**9, 10**9), data=np.ones(1), indices=np.array([1]), indptr=np.array([0, 1])),
         r"a graph of 1000000000 samples"),
        ("mtx-header", "G.mtx", "an 80-byte .mtx header claiming 10**9 nodes",
         lambda: _write("G.mtx", "%%MatrixMarket matrix coordinate real general\n1000000000 1000000000 2\n1 2 1\n2 1 1\n"),
         r"a 1000000000 x 1000000000 matrix"),
        ("mtx-array", "G.mtx", "a dense .mtx declaring 100000 x 100000",
         lambda: _write("G.mtx", "%%MatrixMarket matrix array real general\n100000 100000\n" + "0\n" * 64),
         r"a 100000 x 100000 matrix"),
        ("npy-header", "G.npy", "a 144-byte .npy whose header claims 200000 x 200000",
         lambda: _npy_header("G.npy", (200000, 200000), body=bytes(16)), r"an array of shape \(200000, 200000\)"),
        ("zip-bomb", "G.npz", "a .npz member inflating to 4 MiB (4 KiB on disk)", bomb_npz,
         r"the 4194\d+ bytes its zip directory declares"),
    ]
    for key, name, mistake, make, pattern in headers:
        out.append(Case(f"budget-file-{key}", "function", f'io.load_graph("{name}")  # {mistake}', mistake,
                        _function(make, lambda name=name: io.load_graph(name), budget), MemoryBudgetError,
                        rf"reading (?:the graph )?G .* would need .*{pattern}", "G", "memory budget"))
        out.append(Case(f"cli-budget-{key}", "CLI", f"spectral-ssl solve --graph {name} ...  # {mistake}",
                        mistake + ", on the command line",
                        command(make, "solve", "--method", "vicreg", "--graph", name, "--n-components", "1",
                                "--out", "Z.npy", budget=budget), 1,
                        rf"spectral-ssl solve: error: reading (?:the graph )?--graph .* would need .*{pattern}",
                        "--graph", "memory budget"))
    out += [
        Case("budget-file-features-npy", "function", 'io.load_features("X.npy")  # header claims 10**6 x 10**3',
             "a features .npy whose header claims 8 GB", _function(
                 lambda: _npy_header("X.npy", (10**6, 10**3)), lambda: io.load_features("X.npy"), budget),
             MemoryBudgetError, r"reading X 'X\.npy' would need .*\(1000000, 1000\)", "X", "memory budget"),
        Case("file-npy-negative-shape", "function", 'io.load_features("X.npy")  # header declares shape (-1, 4)',
             "a .npy whose header declares a negative length", _function(
                 lambda: _npy_header("X.npy", (-1, 4), body=bytes(64)), lambda: io.load_features("X.npy")),
             ValueError, r"X: cannot read 'X\.npy' as a numeric \.npy array \(its header is damaged: shape "
                         r"\(-1, 4\) has a negative length\)", "X", "file contents"),
        Case("budget-file-labels-npy", "function", 'io.load_labels("y.npy")  # header claims 10**9 labels',
             "a labels .npy whose header claims 10**9 entries", _function(
                 lambda: _npy_header("y.npy", (10**9,), "<i8"), lambda: io.load_labels("y.npy"), budget),
             MemoryBudgetError, r"reading labels 'y\.npy' would need", "labels", "memory budget"),
        Case("budget-file-csv", "function", 'io.load_features("X.csv")  # a 1 MB CSV, 1 MiB budget',
             "a CSV whose parsed cells exceed the budget", _function(
                 lambda: _write("X.csv", "1,2,3\n" * 170000), lambda: io.load_features("X.csv"), budget),
             MemoryBudgetError, r"reading X 'X\.csv' would need .*the cells of a 1020000-byte text file", "X",
             "memory budget"),
    ]
    from spectral_ssl import memory

    def env(value):
        def run():
            saved = os.environ.get(memory.ENVIRONMENT_VARIABLE)
            os.environ[memory.ENVIRONMENT_VARIABLE] = value
            try:
                return memory.budget()
            finally:
                if saved is None:
                    del os.environ[memory.ENVIRONMENT_VARIABLE]
                else:
                    os.environ[memory.ENVIRONMENT_VARIABLE] = saved
        return run

    for value, pattern in (("4 gigs", r"got '4 gigs'"), ("-1GiB", r"got '-1GiB'"), ("0%", r"in \(0, 100\], got '0%'"),
                           ("150%", r"got '150%'"), ("0.1B", r"at least 1 byte"), ("", None)):
        if pattern is None:
            continue
        out.append(Case(f"budget-env-{value.replace(' ', '-').replace('%', 'pct')}", "function",
                        f"SPECTRAL_SSL_MEMORY_BUDGET={value!r}", "an unreadable budget in the environment",
                        env(value), ValueError,
                        rf"the environment variable SPECTRAL_SSL_MEMORY_BUDGET .*{pattern}",
                        "SPECTRAL_SSL_MEMORY_BUDGET", "memory budget"))
    for value, error, pattern in (("lots", ValueError, r"got 'lots'"), (True, TypeError, r"got True"),
                                  (-5, ValueError, r"positive number of bytes, got -5"),
                                  (float("nan"), ValueError, r"got nan"), ([4], TypeError, r"got \[4\]")):
        out.append(Case(f"budget-set-{str(value).lower()}", "function", f"memory.set_budget({value!r})",
                        "a budget that is not a size", lambda value=value: memory.set_budget(value), error,
                        rf"budget must be .*{pattern}", "budget", "memory budget"))
    return out


# --------------------------------------------------------------------------- graph values


def _value_cases(Case):
    from spectral_ssl import graphs

    strings = np.array([["0", "1"], ["1", "0"]])
    one_way = np.array([[0, 1e9, 0], [1e9, 0, 1e-2], [0, 0, 0]])
    rows = [
        ("strings", "graphs.check(np.array([['0', '1'], ['1', '0']]))", "a matrix of strings",
         lambda: graphs.check(strings), TypeError, r"G must be a real numeric matrix, got dtype <U1"),
        ("timedelta", "graphs.check(G.astype('timedelta64[s]'))", "durations instead of weights",
         lambda: graphs.check(np.zeros((3, 3), "timedelta64[s]")), TypeError, r"got dtype timedelta64\[s\]"),
        ("datetime", "graphs.check(np.zeros((3, 3), 'datetime64[D]'))", "dates instead of weights",
         lambda: graphs.check(np.zeros((3, 3), "datetime64[D]")), TypeError, r"got dtype datetime64\[D\]"),
        ("bytes", "graphs.check(np.zeros((3, 3), 'S1'))", "a matrix of bytes",
         lambda: graphs.check(np.zeros((3, 3), "S1")), TypeError, r"got dtype \|S1"),
        ("object", "graphs.check(np.array([[0, None], [None, 0]]))", "a matrix with None",
         lambda: graphs.check(np.array([[0, None], [None, 0]])), TypeError, r"got dtype object"),
        ("complex-dense", "graphs.check(G * 1j)", "complex weights",
         lambda: graphs.check(_graph().toarray() * 1j), TypeError, r"got dtype complex128"),
        ("complex-sparse", "graphs.check(sp.csr_matrix(G * 1j))", "complex sparse weights",
         lambda: graphs.check(_graph() * 1j), TypeError, r"G has a complex dtype"),
        ("ragged", "graphs.check([[0, 1], [1]])", "ragged nested lists",
         lambda: graphs.check([[0, 1], [1]]), ValueError, r"G must be a square array of numbers"),
        ("3d", "graphs.check(np.zeros((2, 2, 2)))", "a 3-D array", lambda: graphs.check(np.zeros((2, 2, 2))),
         ValueError, r"G must be 2-D"),
        ("one-way-small-edge", "graphs.check([[0, 1e9, 0], [1e9, 0, 1e-2], [0, 0, 0]])",
         "a one-way edge of weight 1e-2 next to weights of 1e9", lambda: graphs.check(one_way), ValueError,
         r"G is not symmetric .*G\[1, 2\] = 0\.01 but G\[2, 1\] = 0"),
        ("one-way-sparse", "graphs.check(sp.triu(G))", "a sparse graph with every edge one way",
         lambda: graphs.check(sp.triu(_graph())), ValueError, r"G is not symmetric .* but G\[\d+, \d+\] = 0\)"),
        ("unequal-weights", "graphs.check([[0, 1], [1 + 1e-6, 0]])", "two directions with different weights",
         lambda: graphs.check(np.array([[0, 1], [1 + 1e-6, 0]])), ValueError,
         r"G\[0, 1\] = 1\.0 but G\[1, 0\] = 1\.000001"),
        ("sparse-nan", "graphs.check(G with a NaN weight)", "a NaN stored in a sparse graph",
         lambda: graphs.check(sp.csr_matrix(([np.nan, np.nan], ([0, 1], [1, 0])), shape=(3, 3))), ValueError,
         r"G contains NaN or inf"),
        ("sparse-inf", "graphs.check(G with an inf weight)", "an infinite sparse weight",
         lambda: graphs.check(sp.coo_matrix(([np.inf, np.inf], ([0, 1], [1, 0])), shape=(3, 3))), ValueError,
         r"G contains NaN or inf"),
        ("sparse-negative", "graphs.check(-sp.dok_matrix(G))", "negative weights in a DOK graph",
         lambda: graphs.check(-sp.dok_matrix(_graph())), ValueError, r"G has negative weights"),
        ("sparse-diagonal", "graphs.check(sp.lil_matrix(G + I))", "self-loops in a LIL graph",
         lambda: graphs.check(sp.lil_matrix(_graph() + sp.eye(12))), ValueError, r"G has a nonzero diagonal"),
        ("sparse-rectangular", "graphs.check(sp.bsr_matrix((4, 6)))", "a rectangular BSR matrix",
         lambda: graphs.check(sp.bsr_matrix((4, 6))), ValueError, r"G must be square .*\(4, 6\)"),
        ("sparse-empty", "graphs.check(sp.dia_matrix((5, 5)))", "an empty DIA graph",
         lambda: graphs.check(sp.dia_matrix((5, 5))), ValueError, r"G is empty"),
        ("sparse-one-sample", "graphs.check(sp.csr_matrix((1, 1)))", "a graph of one sample",
         lambda: graphs.check(sp.csr_matrix((1, 1))), ValueError, r"G must relate at least 2 samples"),
        ("labels-object-nan", "graphs.from_labels(np.array(['a', nan, 'a'], dtype=object))",
         "object labels with a missing value", lambda: graphs.from_labels(np.array(["a", np.nan, "a"], dtype=object)),
         ValueError, r"labels contains NaN, inf or None \(first: entry 1\)"),
        ("labels-none", "graphs.from_labels([1, None, 1])", "a None label",
         lambda: graphs.from_labels(np.array([1, None, 1], dtype=object)), ValueError, r"labels contains NaN, inf or None"),
        ("labels-mixed", "graphs.from_labels(np.array([1, 'a', 1], dtype=object))", "numbers and strings mixed",
         lambda: graphs.from_labels(np.array([1, "a", 1], dtype=object)), TypeError, r"labels mixes types"),
        ("groups-complex", "graphs.from_groups(np.array([1j, 1j]))", "complex group labels",
         lambda: graphs.from_groups(np.array([1j, 1j])), TypeError, r"groups has dtype complex128"),
        ("groups-timedelta", "graphs.from_groups(np.zeros(4, 'timedelta64[s]'))", "durations as groups",
         lambda: graphs.from_groups(np.zeros(4, "timedelta64[s]")), TypeError, r"groups has dtype timedelta64"),
    ]
    return [Case(f"values-{key}", "function", call, mistake, run, error, pattern,
                 "labels" if "labels" in key else "groups" if "groups" in key else "G", "graph values")
            for key, call, mistake, run, error, pattern in rows]


# --------------------------------------------------------------------------- file contents


def _content_cases(Case, command):
    from spectral_ssl import io

    def npy(name, array):
        return lambda: np.save(name, array)

    def raw(name, content):
        return lambda: _write(name, content)

    X = np.random.default_rng(0).standard_normal((6, 2))
    header = _stdio.BytesIO()
    np.save(header, X)
    good_npy = header.getvalue()
    rows = [
        # (key, loader call, file, make, error, pattern, argument)
        ("csv-underscore", 'io.load_features("X.csv")  # 1_000', raw("X.csv", "1_000,2\n3,4\n"), ValueError,
         r"line 1 of 'X\.csv' mixes numbers and text \('1_000'\)", "X"),
        ("csv-underscore-row2", 'io.load_features("X.csv")  # 1,2 / 3,4_0', raw("X.csv", "1,2\n3,4_0\n"), ValueError,
         r"data row 2 has the non-numeric value '4_0'", "X"),
        ("csv-arabic-digits", 'io.load_features("X.csv")  # Arabic-Indic digits', raw("X.csv", "1,2\n\u0663,4\n"),
         ValueError, r"data row 2 has the non-numeric value '\u0663'", "X"),
        ("csv-fullwidth", 'io.load_features("X.csv")  # fullwidth digits', raw("X.csv", "1,2\n\uff13,4\n"),
         ValueError, r"non-numeric value '\uff13'", "X"),
        ("csv-hex", 'io.load_features("X.csv")  # 0x10', raw("X.csv", "1,2\n0x10,4\n"), ValueError,
         r"non-numeric value '0x10'", "X"),
        ("csv-exponent-only", 'io.load_features("X.csv")  # 1e', raw("X.csv", "1,2\n1e,4\n"), ValueError,
         r"non-numeric value '1e'", "X"),
        ("csv-double-sign", 'io.load_features("X.csv")  # --1', raw("X.csv", "1,2\n--1,4\n"), ValueError,
         r"non-numeric value '--1'", "X"),
        ("csv-empty-cell", 'io.load_features("X.csv")  # 1,,3', raw("X.csv", "1,2,3\n1,,3\n"), ValueError,
         r"non-numeric value ''", "X"),
        ("csv-latin1", 'io.load_features("X.csv")  # Latin-1 bytes', raw("X.csv", b"a\xe9,b\n1,2\n"), ValueError,
         r"is not a UTF-8 text file", "X"),
        ("csv-nul", 'io.load_features("X.csv")  # a NUL byte', raw("X.csv", b"1,2\n\0,4\n"), ValueError,
         r"data row 2 has the non-numeric value '\\x00'", "X"),
        ("csv-spaces-only", 'io.load_features("X.csv")  # blank lines', raw("X.csv", "  \n\t\n"), ValueError,
         r"'X\.csv' is empty", "X"),
        ("labels-underscore", 'io.load_labels("y.txt")  # 1_0', raw("y.txt", "1\n1_0\n"), ValueError,
         r"NOMATCH", "labels"),
        ("edge-index-2-64", 'io.load_graph("G.csv")  # index 2**64', raw("G.csv", "0,1\n2,18446744073709551616\n"),
         ValueError, r"names sample 18446744073709551616, beyond any graph that fits in memory", "G"),
        ("edge-index-1e300", 'io.load_graph("G.csv")  # index 1e300', raw("G.csv", "0,1\n2,1e300\n"),
         ValueError, r"beyond any graph that fits in memory", "G"),
        ("edge-underscore", 'io.load_graph("G.csv")  # 1_0', raw("G.csv", "0,1\n1_0,2\n"), ValueError,
         r"non-numeric value '1_0'", "G"),
        ("edge-fraction", 'io.load_graph("G.csv")  # index 0.5', raw("G.csv", "0,1\n0.5,2\n"), ValueError,
         r"must be non-negative integer sample indices", "G"),
        ("edge-inf-index", 'io.load_graph("G.csv")  # index inf', raw("G.csv", "0,1\ninf,2\n"), ValueError,
         r"must be non-negative integer sample indices", "G"),
        ("edge-spaces", 'io.load_graph("G.csv")  # 0 1 / 1 2', raw("G.csv", "0 1\n1 2\n"), ValueError,
         r"line 1 of 'G\.csv' holds '0 1', numbers separated by spaces; a CSV file separates its values by commas",
         "G"),
        ("edge-text", 'io.load_graph("G.csv")  # 0,x', raw("G.csv", "i,j\n0,x\n"), ValueError,
         r"data row 1 has the non-numeric value 'x'; an edge list holds numbers: sample indices i,j", "G"),
        ("csv-semicolons-row2", 'io.load_features("X.csv")  # 1,2 / 3;4', raw("X.csv", "1,2\n3;4,5\n"), ValueError,
         r"data row 2 of 'X\.csv' holds '3;4', numbers separated by semicolons", "X"),
        ("csv-tabs", 'io.load_features("X.csv")  # tab-separated', raw("X.csv", "1\t2\n3\t4\n"), ValueError,
         r"line 1 of 'X\.csv' holds '1\\t2', numbers separated by tabs", "X"),
        ("edge-zero-and-five", 'io.load_graph("G.csv")  # 0,1,0 / 1,0,5', raw("G.csv", "0,1,0\n1,0,5\n"),
         ValueError, r"\(0,1 has weight 0 and 1,0 weight 5\); list every edge once, or every edge both ways", "G"),
        ("edge-unequal-ways", 'io.load_graph("G.csv")  # 0,1,1 / 1,0,2', raw("G.csv", "0,1,1\n1,0,2\n2,3,1\n3,2,1\n"),
         ValueError, r"\(0,1 has weight 1 and 1,0 weight 2\)", "G"),
        ("npy-no-magic", 'io.load_features("X.npy")  # text', raw("X.npy", "1,2\n"), ValueError,
         r"'X\.npy' is not a \.npy file \(no NumPy header\)", "X"),
        ("npy-truncated", 'io.load_features("X.npy")  # last 16 bytes cut', raw("X.npy", good_npy[:-16]), ValueError,
         r"header declares shape \(6, 2\) of float64, 96 bytes, but the file holds 80", "X"),
        ("npy-bad-version", 'io.load_features("X.npy")  # format version 9.0',
         raw("X.npy", good_npy[:6] + b"\x09\x00" + good_npy[8:]), ValueError, r"unknown format version \(9, 0\)", "X"),
        ("npy-damaged-header", 'io.load_features("X.npy")  # header not a dict',
         raw("X.npy", b"\x93NUMPY\x01\x00\x10\x00" + b"not a header!!!\n"), ValueError, r"its header is damaged", "X"),
        ("npy-object", 'io.load_features("X.npy")  # pickled objects',
         lambda: np.save("X.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True), ValueError,
         r"Object arrays cannot be loaded when allow_pickle=False", "X"),
        ("npy-strings", 'io.load_features("X.npy")  # strings', npy("X.npy", np.array([["1", "2"], ["3", "4"]])),
         ValueError, r"holds an array of dtype <U1; give a numeric array", "X"),
        ("npy-timedelta", 'io.load_features("X.npy")  # timedelta64', npy("X.npy", np.zeros((3, 2), "timedelta64[s]")),
         ValueError, r"dtype timedelta64\[s\]", "X"),
        ("npy-datetime", 'io.load_features("X.npy")  # datetime64', npy("X.npy", np.zeros((3, 2), "datetime64[D]")),
         ValueError, r"dtype datetime64\[D\]", "X"),
        ("npy-complex", 'io.load_features("X.npy")  # complex', npy("X.npy", np.ones((3, 2), complex)),
         ValueError, r"dtype complex128", "X"),
        ("npy-structured", 'io.load_features("X.npy")  # structured dtype',
         npy("X.npy", np.zeros(3, [("a", "f8"), ("b", "i4")])), ValueError, r"holds an array of dtype", "X"),
        ("npy-0d", 'io.load_features("X.npy")  # a scalar', npy("X.npy", np.float64(3)), ValueError, r"must be 2-D", "X"),
        ("npy-3d", 'io.load_features("X.npy")  # 3-D', npy("X.npy", np.zeros((2, 2, 2))), ValueError, r"must be 2-D", "X"),
        ("labels-npy-object", 'io.load_labels("y.npy")  # pickled objects',
         lambda: np.save("y.npy", np.array(["a", None], dtype=object), allow_pickle=True), ValueError,
         r"Object arrays cannot be loaded", "labels"),
        ("labels-npy-complex", 'io.load_labels("y.npy")  # complex', npy("y.npy", np.ones(3, complex)), ValueError,
         r"dtype complex128", "labels"),
        ("graph-npy-strings", 'io.load_graph("G.npy")  # strings', npy("G.npy", np.array([["0", "1"], ["1", "0"]])),
         ValueError, r"dtype <U1", "G"),
        ("graph-npy-bool-asymmetric", 'io.load_graph("G.npy")  # one-way boolean edge',
         npy("G.npy", np.array([[0, 1, 0], [1, 0, 1], [0, 0, 0]], bool)), ValueError, r"is not symmetric", "G"),
        ("npz-not-zip", 'io.load_graph("G.npz")  # not a zip', raw("G.npz", b"PK\x03\x04 not really"), ValueError,
         r"cannot read 'G\.npz' as a scipy\.sparse \.npz \(File is not a zip file\)", "G"),
        ("npz-empty-zip", 'io.load_graph("G.npz")  # empty zip', lambda: zipfile.ZipFile("G.npz", "w").close(),
         ValueError, r"no 'format' and 'shape' entries: it holds nothing", "G"),
        ("npz-plain-arrays", 'io.load_graph("G.npz")  # np.savez(a=...)', lambda: np.savez("G.npz", a=np.eye(3)),
         ValueError, r"no 'format' and 'shape' entries: it holds a", "G"),
        ("npz-unknown-format", 'io.load_graph("G.npz")  # format "lil"',
         lambda: _sparse_npz("G.npz", "lil", data=np.ones(1)), ValueError, r"unknown sparse format 'lil'", "G"),
        ("npz-missing-member", 'io.load_graph("G.npz")  # CSR without indptr',
         lambda: _sparse_npz("G.npz", "csr", data=np.ones(1), indices=np.array([1])), ValueError,
         r"the entry 'indptr' is missing", "G"),
        ("npz-bad-shape", 'io.load_graph("G.npz")  # shape of 3 numbers',
         lambda: _sparse_npz("G.npz", "coo", shape=(3, 3, 3), data=np.ones(1), row=np.zeros(1, int),
                             col=np.ones(1, int)), ValueError, r"its shape must be two non-negative integers", "G"),
        ("npz-negative-shape", 'io.load_graph("G.npz")  # shape (-3, -3)',
         lambda: _sparse_npz("G.npz", "coo", shape=(-3, -3), data=np.ones(1), row=np.zeros(1, int),
                             col=np.ones(1, int)), ValueError, r"its shape must be two non-negative integers", "G"),
        ("npz-float-shape", 'io.load_graph("G.npz")  # shape (3.0, 3.0)',
         lambda: _sparse_npz("G.npz", "coo", shape=(3.0, 3.0), data=np.ones(1), row=np.zeros(1, int),
                             col=np.ones(1, int)), ValueError, r"holds an array of dtype float64; give a integer", "G"),
        ("npz-object-member", 'io.load_graph("G.npz")  # pickled data member',
         lambda: _npz("G.npz", format=np.array(b"coo"), shape=np.array([3, 3]), row=np.zeros(1, int),
                      col=np.ones(1, int), data=np.array([None], dtype=object)), ValueError,
         r"Object arrays cannot be loaded when allow_pickle=False", "G"),
        ("npz-string-data", 'io.load_graph("G.npz")  # string weights',
         lambda: _sparse_npz("G.npz", "coo", data=np.array(["1"]), row=np.zeros(1, int), col=np.ones(1, int)),
         ValueError, r"dtype <U1; give a numeric array", "G"),
        ("npz-truncated-member", 'io.load_graph("G.npz")  # data shorter than declared',
         lambda: _lying_member("G.npz"), ValueError, r"G\.npz:data.*truncated", "G"),
        ("mtx-garbage", 'io.load_graph("G.mtx")  # not Matrix Market', raw("G.mtx", "hello\n"), ValueError,
         r"cannot read 'G\.mtx' as Matrix Market \(the first line must be", "G"),
        ("mtx-field", 'io.load_graph("G.mtx")  # field "quaternion"',
         raw("G.mtx", "%%MatrixMarket matrix coordinate quaternion general\n2 2 1\n1 2 1\n"), ValueError,
         r"unknown header 'coordinate quaternion general'", "G"),
        ("mtx-size-line", 'io.load_graph("G.mtx")  # size line "2 x 1"',
         raw("G.mtx", "%%MatrixMarket matrix coordinate real general\n2 x 1\n"), ValueError,
         r"the size line must hold 3 non-negative integers", "G"),
        ("mtx-negative-size", 'io.load_graph("G.mtx")  # size line "-2 2 1"',
         raw("G.mtx", "%%MatrixMarket matrix coordinate real general\n-2 2 1\n1 2 1\n"), ValueError,
         r"the size line must hold 3 non-negative integers", "G"),
        ("mtx-truncated", 'io.load_graph("G.mtx")  # declares 1000 entries, holds 2',
         raw("G.mtx", "%%MatrixMarket matrix coordinate real general\n50 50 1000\n1 2 1\n2 1 1\n"), ValueError,
         r"declares 1000 entries but only 12 bytes follow", "G"),
        ("mtx-no-size", 'io.load_graph("G.mtx")  # header only',
         raw("G.mtx", "%%MatrixMarket matrix coordinate real general\n%comment\n"), ValueError,
         r"no size line after the header", "G"),
        ("mtx-oob-entry", 'io.load_graph("G.mtx")  # entry (2, 99) in a 3 x 3',
         raw("G.mtx", "%%MatrixMarket matrix coordinate real general\n3 3 2\n1 2 1.0\n2 99 1.0\n"), ValueError,
         r"Column index out of bounds", "G"),
        ("mtx-zero-index", 'io.load_graph("G.mtx")  # entry (0, 1): 1-based format',
         raw("G.mtx", "%%MatrixMarket matrix coordinate real general\n3 3 2\n1 2 1.0\n0 1 1.0\n"), ValueError,
         r"Row index out of bounds", "G"),
        ("mtx-complex", 'io.load_graph("G.mtx")  # complex field',
         raw("G.mtx", "%%MatrixMarket matrix coordinate complex general\n2 2 2\n1 2 1 1\n2 1 1 1\n"), TypeError,
         r"G \(G\.mtx\) has a complex dtype", "G"),
    ]
    loaders = {"X": io.load_features, "labels": io.load_labels, "G": io.load_graph}
    out = []
    for key, call, make, error, pattern, argument in rows:
        name = call.split('"')[1]
        if pattern == "NOMATCH":  # 1_0 as a label is a name, not the number 10: accepted as text
            continue
        out.append(Case(f"file-{key}", "function", call, f"a crafted file: {call.split('#')[1].strip()}",
                        _function(make, lambda load=loaders[argument], name=name: load(name)), error, pattern,
                        argument, "file contents"))
    return out


def _lying_member(name):
    """A .npz whose data member's .npy header declares 100 values but holds 1."""
    with zipfile.ZipFile(name, "w") as archive:
        buffer = _stdio.BytesIO()
        np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": (100,)})
        archive.writestr("data.npy", buffer.getvalue() + bytes(8))
        for key, value in {"format": np.array(b"coo"), "shape": np.array([3, 3]),
                           "row": np.zeros(1, int), "col": np.ones(1, int)}.items():
            member = _stdio.BytesIO()
            np.save(member, value)
            archive.writestr(f"{key}.npy", member.getvalue())


# --------------------------------------------------------------------------- paths


def _path_cases(Case, command):
    from spectral_ssl import io

    sockets = []

    def fifo(name):
        return lambda: os.mkfifo(name)

    def device(name, target="/dev/zero"):
        return lambda: os.symlink(target, name)

    def folder(name):
        return lambda: os.mkdir(name)

    def sock(name):
        return lambda: sockets.append(_socket(name))

    makers = {"FIFO": (fifo, r"is a FIFO \(named pipe\), not a file: reading it could block"),
              "device": (device, r"is a device, not a file"),
              "folder": (folder, r"is a folder; give the path of a file"),
              "socket": (sock, r"is a socket, not a file")}
    loaders = [("X", io.load_features, "X.csv"), ("X", io.load_features, "X.npy"),
               ("labels", io.load_labels, "y.txt"), ("labels", io.load_labels, "y.npy"),
               ("G", io.load_graph, "G.csv"), ("G", io.load_graph, "G.npz"), ("G", io.load_graph, "G.mtx"),
               ("G", io.load_graph, "G.npy")]
    out = []
    for kind, (maker, pattern) in makers.items():
        for argument, load, name in loaders:
            if kind in ("socket", "folder") and name.endswith((".npy", ".mtx")):
                continue  # one extension of each loader is enough for these
            call = f'io.{load.__name__}("{name}")  # {"/dev/zero" if kind == "device" else "a " + kind}'
            out.append(Case(f"path-{kind.lower()}-{name.replace('.', '-')}", "function", call,
                            f"a {kind} given as {name}", _function(maker(name), lambda load=load, name=name: load(name)),
                            ValueError, rf"{argument}: '{name}' {pattern}",
                            argument, "paths"))
    out += [
        Case("path-dangling-link", "function", 'io.load_graph("G.npz")  # a link to nothing',
             "a symbolic link whose target is missing", _function(device("G.npz", "missing.npz"),
                                                                   lambda: io.load_graph("G.npz")),
             FileNotFoundError, r"G: file 'G\.npz' does not exist", "G", "paths"),
        Case("path-link-to-fifo", "function", 'io.load_graph("G.npz")  # a link to a FIFO',
             "a symbolic link to a FIFO", _function(lambda: (os.mkfifo("pipe"), os.symlink("pipe", "G.npz")) and [],
                                                     lambda: io.load_graph("G.npz")),
             ValueError, r"G: 'G\.npz' is a FIFO", "G", "paths"),
    ]
    solve = ("solve", "--method", "vicreg", "--n-components", "1", "--out", "Z.npy")
    for kind, (maker, pattern) in makers.items():
        for option, name in (("--graph", "G.npz"), ("--X", "X.npy")):
            setup = _ring_files()
            argv = list(solve)
            if option == "--graph":
                argv += ["--graph", "in.npz"]
                target = "in.npz"
            else:
                argv += ["--graph", "G.npz", "--X", "in.npy"]
                target = "in.npy"

            def make(setup=setup, maker=maker, target=target):
                protected = setup()
                maker(target)()
                return protected

            out.append(Case(f"cli-path-{kind.lower()}-{option.strip('-').lower()}", "CLI",
                            f"spectral-ssl solve {option} {target} ...  # a {kind}", f"a {kind} as {option}",
                            command(make, *argv), 1, rf"spectral-ssl solve: error: {option}: '{target}' {pattern}",
                            option, "paths"))
    out.append(Case("cli-report-data-fifo", "CLI", "spectral-ssl report --data pipe.csv", "a FIFO as --data",
                    command(fifo("pipe.csv"), "report", "--data", "pipe.csv", "--out", "rep"), 1,
                    r"spectral-ssl report: error: --data: 'pipe\.csv' is a FIFO", "--data", "paths"))
    return out


# --------------------------------------------------------------------------- outputs


def _output_cases(Case, command):
    solve = ("solve", "--method", "vicreg", "--graph", "G.npz", "--n-components", "1")
    linear = ("solve", "--method", "vicreg", "--graph", "G.npz", "--X", "X.npy", "--n-components", "1")

    def with_files(*extra):
        def make():
            for step in extra:
                step()
            return ["G.npz", "X.npy", "old.npy", "W.npz", "elsewhere/Z.npy", "OLD.NPY"]
        return _ring_files(make)

    def old(name):
        return lambda: np.save(name, np.arange(3.0))

    def link(name, target):
        return lambda: os.symlink(target, name)

    def elsewhere():
        os.mkdir("elsewhere")
        np.save("elsewhere/Z.npy", np.arange(2.0))

    rows = [
        ("existing", solve + ("--out", "old.npy"), with_files(old("old.npy")),
         r"--out: 'old\.npy' already exists; give a new name, or add --force", "--out"),
        ("existing-params", linear + ("--out", "Z.npy", "--params", "W.npz"),
         with_files(lambda: np.savez("W.npz", a=1)), r"--params: 'W\.npz' already exists", "--params"),
        ("is-graph", ("solve", "--method", "vicreg", "--graph", "G.npy", "--n-components", "1", "--out", "G.npy",
                      "--force"), with_files(lambda: np.save("G.npy", _graph().toarray())),
         r"--out: 'G\.npy' is the input file of --graph; writing it would destroy the input", "--out"),
        ("is-features", linear + ("--out", "X.npy", "--force"), with_files(),
         r"--out: 'X\.npy' is the input file of --X", "--out"),
        ("params-is-graph", linear + ("--out", "Z.npy", "--params", "G.npz", "--force"), with_files(),
         r"--params: 'G\.npz' is the input file of --graph", "--params"),
        ("hard-link-to-graph", ("solve", "--method", "vicreg", "--graph", "G.npy", "--n-components", "1", "--out",
                                "copy.npy", "--force"),
         with_files(lambda: np.save("G.npy", _graph().toarray()), lambda: os.link("G.npy", "copy.npy")),
         r"--out: 'copy\.npy' is the input file of --graph", "--out"),
        ("symlink-out", solve + ("--out", "Z.npy"), with_files(elsewhere, link("Z.npy", "elsewhere/Z.npy")),
         r"--out: 'Z\.npy' is a symbolic link \(to 'elsewhere/Z\.npy'\)", "--out"),
        ("symlink-out-force", solve + ("--out", "Z.npy", "--force"), with_files(elsewhere, link("Z.npy", "elsewhere/Z.npy")),
         r"--out: 'Z\.npy' is a symbolic link", "--out"),
        ("dangling-symlink-out", solve + ("--out", "Z.npy"), with_files(link("Z.npy", "nowhere/Z.npy")),
         r"--out: 'Z\.npy' is a symbolic link \(to 'nowhere/Z\.npy'\)", "--out"),
        ("fifo-out", solve + ("--out", "Z.npy", "--force"), with_files(lambda: os.mkfifo("Z.npy")),
         r"--out: 'Z\.npy' is a FIFO \(named pipe\); give the name of a regular file", "--out"),
        ("folder-out", solve + ("--out", "d.npy"), with_files(lambda: os.mkdir("d.npy")),
         r"--out: 'd\.npy' is a folder", "--out"),
        ("uppercase-existing", solve + ("--out", "OLD.NPY"), with_files(lambda: _write("OLD.NPY", b"mine")),
         r"--out: 'OLD\.NPY' already exists", "--out"),
        ("missing-folder", solve + ("--out", "no/Z.npy"), with_files(), r"--out: folder 'no' does not exist", "--out"),
        ("out-under-a-file", solve + ("--out", "G.npz/Z.npy"), with_files(), r"--out: cannot use 'G\.npz/Z\.npy' \(Not a directory\)",
         "--out"),
    ]
    out = [Case(f"out-{key}", "CLI", "spectral-ssl " + " ".join(argv) + f"  # {key.replace('-', ' ')}",
                f"an output that must not be written ({key.replace('-', ' ')})",
                command(setup, *argv), 1, rf"spectral-ssl solve: error: {pattern}", option, "outputs")
           for key, argv, setup, pattern, option in rows]

    def report_setup(*steps):
        def make():
            protected = []
            for step in steps:
                protected += list(step() or ())
            return protected
        return make

    def own_file():
        os.mkdir("rep")
        _write("rep/notes.txt", "mine")
        return ["rep/notes.txt"]

    def own_folder():
        os.makedirs("rep/figures")
        return []

    def file_out():
        _write("rep", "a file")
        return ["rep"]

    def link_out():
        os.mkdir("elsewhere")
        _write("elsewhere/report.md", "mine")
        os.symlink("elsewhere", "rep")
        return ["elsewhere/report.md"]

    def link_inside():
        os.mkdir("rep")
        _write("secret.txt", "mine")
        os.symlink("../secret.txt", "rep/report.md")
        return ["secret.txt"]

    def own_pictures():
        # named like a report's figures, but no list of an earlier report's files: replaced
        # (and the pictures deleted) before the list existed
        os.mkdir("rep")
        _write("rep/holiday.png", b"mine")
        return ["rep/holiday.png"]

    def earlier_report_as_input():
        from spectral_ssl._files import replaced_folder

        with replaced_folder("rep", option="--out", allowed=("report.csv",)) as staging:
            _write(str(staging / "report.csv"), "f0,f1,label\n" + "".join(
                f"{i % 3}.5,{i % 5}.25,{i % 2}\n" for i in range(20)))
        return ["rep/report.csv", "rep/.spectral-ssl-files"]

    report_rows = [
        ("pictures", own_pictures, r"--out: 'rep' holds 'holiday\.png', which is not a file of an earlier report "
                                   r"\(the folder has no \.spectral-ssl-files"),
        ("foreign-file", own_file, r"--out: 'rep' holds 'notes\.txt', which is not a file of an earlier report"),
        ("subfolder", own_folder, r"--out: 'rep' holds 'figures', which is not a file of an earlier report"),
        ("is-a-file", file_out, r"--out: 'rep' exists and is a file, not a folder"),
        ("symlink", link_out, r"--out: 'rep' is a symbolic link \(to 'elsewhere'\)"),
        ("symlink-inside", link_inside, r"--out: 'rep' holds 'report\.md', which is not a file of an earlier report"),
        ("fifo", lambda: os.mkfifo("rep") or [], r"--out: 'rep' exists and is a FIFO"),
    ]
    out += [Case(f"out-report-{key}", "CLI", f"spectral-ssl report --out rep  # {key.replace('-', ' ')}",
                 f"a report folder that must not be replaced ({key.replace('-', ' ')})",
                 command(report_setup(make), "report", "--quick", "--no-claims", "--methods", "vicreg",
                         "--out", "rep"), 1, rf"spectral-ssl report: error: {pattern}", "--out", "outputs")
            for key, make, pattern in report_rows]
    out.append(Case("out-report-holds-the-data", "CLI", "spectral-ssl report --data rep/report.csv --out rep",
                    "an earlier report folder that holds the --data file",
                    command(report_setup(earlier_report_as_input), "report", "--quick", "--no-claims",
                            "--methods", "vicreg", "--data", "rep/report.csv", "--out", "rep"), 1,
                    r"spectral-ssl report: error: --out: 'rep' holds the --data file 'rep/report\.csv', which "
                    r"the new report would replace", "--out", "outputs"))
    return out


def cases(Case, CliResult):
    """Every case of this module (``Case`` and ``CliResult`` are bad_input_cases' classes)."""
    from spectral_ssl.memory import MemoryBudgetError

    command = _cli_runner(CliResult)
    return [*_structure_cases(Case), *_structure_file_cases(Case, command),
            *_memory_cases(Case, command, MemoryBudgetError), *_value_cases(Case),
            *_content_cases(Case, command), *_path_cases(Case, command), *_output_cases(Case, command)]
