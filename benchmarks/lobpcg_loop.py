"""spectral_ssl's former in-house LOBPCG loop, kept only as the reference of benchmark suite (g).

Until this suite measured it, ``spectral_ssl.linalg`` solved with this loop. At equal
residual (1e-10 of the scale) on the same RCM-ordered 10-NN Laplacian with the same block
float32 AMG preconditioner, SciPy's ``lobpcg`` took 1.15 times its time at N = 1e5 and 0.62
times at N = 1e6, short of the 1.5 times the loop had to gain to be kept: the package now
calls SciPy's ``lobpcg``. Not part of the installed package.
"""

import numbers

import numpy as np


def _svqb(gram, drop=1e-12, with_smallest=False):
    r"""``T`` with :math:`T^\top \text{gram}\, T = I`: orthonormalises the block ``V`` (``gram = V^T V``) as ``V T``.

    Scaled SVQB: the Gram matrix with unit diagonal is diagonalised, and
    directions whose eigenvalue is below ``drop`` times the largest (numerically
    dependent columns) are left out, so ``T`` may have fewer columns than rows.
    """
    d = np.sqrt(np.abs(np.diag(gram)))
    d[d == 0] = 1.0
    s, Q = np.linalg.eigh(gram / np.outer(d, d))
    if s.size == 0 or s[-1] <= 0:
        T, smallest = np.zeros((gram.shape[0], 0)), 0.0
    else:
        keep = s > drop * s[-1]
        T, smallest = (Q[:, keep] / np.sqrt(s[keep])) / d[:, None], float(s[keep][0])
    return (T, smallest) if with_smallest else T


#: Rows per chunk of the LOBPCG block operations: a chunk of a few blocks stays
#: in cache while it is combined, instead of one pass over memory per operation.
_CHUNK_ROWS = 8192


def _chunks(N):
    return [slice(a, min(N, a + _CHUNK_ROWS)) for a in range(0, N, _CHUNK_ROWS)]


def _view(buffer, rows, cols):
    """A C-contiguous (rows, cols) array on the start of a flat buffer."""
    return buffer[: rows * cols].reshape(rows, cols)


def _sym(H):
    return (H + H.T) / 2


def _lobpcg(A, start, precondition, constraint, tol, n_check, *, maxiter, restarts, stall):
    r"""Block LOBPCG for the smallest eigenpairs of the symmetric ``A``, in orthonormal-basis form.

    Each iteration spans :math:`[X, P, W]`: the current Ritz vectors, the previous
    search directions and the preconditioned residuals of the columns still
    active, kept orthonormal to one another and to ``constraint`` (block
    Gram-Schmidt, repeated when it cancelled most of a column, then SVQB), so
    that the Rayleigh-Ritz step is a standard symmetric eigenproblem of size at
    most :math:`3m`. Only :math:`[X, P, W]^\top A W` is a product over the
    :math:`N` rows; the :math:`[X, P]` block carries over from the previous small
    problem. :math:`AX` is recomputed from ``A`` for each residual (one sparse
    product instead of storing and updating :math:`A[X, P]`). The first
    ``n_check`` columns are checked against ``tol`` (absolute) and leave the
    search once below it (soft locking); the others are guard vectors.
    ``constraint``: a unit vector the iteration stays orthogonal to, or None.
    ``start``: the initial block, or its number of columns for a standard
    normal one from ``numpy.random.default_rng(0)`` (drawn in place, no copy).
    ``precondition(R, norms, out)`` writes an approximation of :math:`A^{-1}R`
    into ``out`` (``norms``: the column norms of ``R``). Block operations run
    over row chunks (:data:`_CHUNK_ROWS`), several per pass over memory.

    Returns
    -------
    values : ndarray, shape (m,)
    vectors : ndarray, shape (N, m), orthonormal
    worst : float
        Largest residual among the first ``n_check`` columns at the last check.
    """
    N = A.shape[0]
    m = start if isinstance(start, numbers.Integral) else start.shape[1]
    chunks = _chunks(N)
    y = None if constraint is None else constraint[:, None]

    def project_out(V, against):
        """``V -= B (B^T V)`` for each orthonormal block ``B``; squared column norms before, Gram after."""
        against = [B for B in against if B.shape[1]]
        before = np.zeros(V.shape[1])
        coefficients = [np.zeros((B.shape[1], V.shape[1])) for B in against]
        for rows in chunks:
            v = V[rows]
            before += np.einsum("ij,ij->j", v, v)
            for B, c in zip(against, coefficients):
                c += B[rows].T @ v
        gram = np.zeros((V.shape[1], V.shape[1]))
        for rows in chunks:
            v = V[rows]
            for B, c in zip(against, coefficients):
                v -= B[rows] @ c
            gram += v.T @ v
        return before, gram

    def orthonormalise(V, spare, against):
        """Columns of ``V`` made orthonormal and orthogonal to ``against``: (result, free buffer)."""
        for _ in range(3):
            before, gram = project_out(V, against)
            T, smallest = _svqb(gram, with_smallest=True)
            out = _view(spare, N, T.shape[1])
            for rows in chunks:
                np.matmul(V[rows], T, out=out[rows])
            V, spare = out, V.base
            # Round-off leaves components along `against` of about eps times the
            # factor by which a column shrank, amplified by the conditioning of
            # the rest: repeat while that factor is large.
            after = np.diag(gram)
            shrink = np.sqrt(np.max(before / np.where(after > 0, after, np.inf)) / smallest) \
                if T.shape[1] else 0.0
            if T.shape[1] == 0 or shrink < 1e2:
                break
        return V, spare

    fixed = [] if y is None else [y]
    W_buf, spare_buf, P_buf = (np.empty(N * m) for _ in range(3))
    X = _view(W_buf, N, m)
    if isinstance(start, numbers.Integral):
        np.random.default_rng(0).standard_normal(out=X)
    else:
        X[...] = start
    del start
    start, W_buf = orthonormalise(X, spare_buf, fixed)
    X = start.copy()  # X keeps its own memory; the three buffers rotate below
    spare_buf = start.base
    del start
    m = X.shape[1]
    theta, C = np.linalg.eigh(_sym(X.T @ (A @ X)))
    for rows in chunks:
        X[rows] = X[rows] @ C
    small = np.diag(theta)
    checked = np.arange(m) < n_check
    worst = np.inf
    for run in range(1 + restarts):
        P = _view(P_buf, N, 0)
        small = small[:m, :m]
        best, since_best = np.inf, 0
        for _ in range(maxiter):
            AX = A @ X
            R = _view(W_buf, N, m)
            squares = np.zeros(m)
            for rows in chunks:
                r = R[rows]
                np.multiply(X[rows], theta, out=r)
                np.subtract(AX[rows], r, out=r)
                squares += np.einsum("ij,ij->j", r, r)
            del AX
            norms = np.sqrt(squares)
            worst = float(np.max(norms[:n_check]))
            if worst <= tol:
                return theta, X, worst
            if worst < 0.9 * best:
                best, since_best = worst, 0
            else:
                since_best += 1
                if since_best > stall:
                    return theta, X, worst
            active = np.flatnonzero((norms > tol) | ~checked)
            if active.size < m:
                R = np.ascontiguousarray(R[:, active])
            W = _view(W_buf, N, active.size)
            precondition(R, norms[active], out=W)
            del R
            W, spare_buf = orthonormalise(W, spare_buf, fixed + [X, P])
            W_buf = W.base
            w = W.shape[1]
            if w == 0:
                break  # no new direction: restart without P
            AW = A @ W
            p = P.shape[1]
            k0 = m + p
            k = k0 + w
            rows_H = np.zeros((k, w))  # [X, P, W]^T A W
            for rows in chunks:
                aw = AW[rows]
                rows_H[:m] += X[rows].T @ aw
                if p:
                    rows_H[m:k0] += P[rows].T @ aw
                rows_H[k0:] += W[rows].T @ aw
            del AW
            H = np.empty((k, k))
            H[:k0, :k0] = small
            H[:, k0:] = rows_H
            H[k0:, :k0] = rows_H[:k0].T
            H = _sym(H)
            values, C = np.linalg.eigh(H)
            theta, Cx = values[:m], C[:, :m]
            # Next P: the part of each active new Ritz vector outside the old X.
            Cp = Cx[:, active]
            Cp[:m] = 0.0
            for _ in range(2):  # twice: the second pass removes what round-off left along Cx
                Cp -= Cx @ (Cx.T @ Cp)
                s, V = np.linalg.eigh(Cp.T @ Cp)
                keep = s > 1e-20
                Cp = Cp @ (V[:, keep] / np.sqrt(s[keep]))
            P_new = _view(spare_buf, N, Cp.shape[1])
            parts = [(X, slice(0, m)), (P, slice(m, k0)), (W, slice(k0, k))]
            parts = [(B, s) for B, s in parts if B.shape[1]]
            for rows in chunks:
                blocks = [B[rows] for B, _ in parts]
                new_p = sum(b @ Cp[s] for b, (_, s) in zip(blocks, parts))
                new_x = sum(b @ Cx[s] for b, (_, s) in zip(blocks, parts))
                P_new[rows] = new_p
                X[rows] = new_x
            P, P_buf, spare_buf = P_new, spare_buf, P_buf
            Cn = np.hstack([Cx, Cp])
            small = _sym(Cn.T @ H @ Cn)
    return theta, X, worst


