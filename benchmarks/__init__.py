"""Benchmarks of spectral_ssl at scale (not part of the installed package).

Run from the repository root::

    python -m benchmarks [--sizes tiny|small|large] [--out DIR] [--only spectral,linear,lbfgs,dask,factor] [--merge]

Every case runs in its own Python subprocess with one BLAS thread
(``_util.BLAS_THREADS``), so its peak resident memory (``VmHWM``) is its own; a
case that exceeds its time limit is recorded as ``timeout``. The results go to
``DIR/results.json`` (every number, plus the machine and library versions) and
``DIR/results.md`` (tables); ``--merge`` keeps the suites of an existing
``results.json`` that this run does not redo.

Suites
------
spectral
    Non-parametric VICReg (= Laplacian Eigenmaps, combinatorial Laplacian) and
    spectral contrastive (= normalised spectral embedding) on a kNN graph, against
    scikit-learn's ``SpectralEmbedding`` (ARPACK, and AMG when pyamg is installed,
    with its default tolerance and with ``eigen_tol=1e-10``) on the same graph;
    spectral_ssl's LOBPCG also with ``tol`` set to the residual scikit-learn's AMG
    reached: wall time, peak memory, largest eigen-residual, eigenvalue error.
linear
    Linear VICReg from chunked reductions (``spectral_ssl.scale``), in memory and
    from a ``.npy`` memory map, against the in-memory ``optimal_linear``; time as a
    multiple of one ``X.T @ X`` in the same process.
lbfgs
    Closed form against direct minimisation of the same exact loss (L-BFGS, and
    Adam when torch is installed), until the loss is within 1e-6 relative of the
    closed form's: the time ratios.
dask
    The linear regime on a 2-worker ``dask.distributed`` LocalCluster (127.0.0.1)
    from a ``.npy`` file: time and peak memory per worker.
factor
    The sparse LU of L + eps I that ARPACK shift-invert needs: SciPy's
    ``splu`` defaults (what ``eigsh`` builds) against spectral_ssl's symmetric-mode
    factor, on the same graphs: time, entries, peak memory.
public_linear
    The public ``vicreg.optimal_linear`` and ``spectral_contrastive.optimal_linear``
    (pairing graph, groups, a 10-NN graph) against one ``X.T @ X``, in the main process
    with the environment's BLAS threads (``python -m benchmarks.public_linear`` alone).
"""
