r"""Barlow Twins in graph form; CCA is its optimum under within-view whitening (THEORY section 3.4)."""

import sympy

from .core import (
    Derivation, FrobeniusSquared, Identity, Sign, Step, degrees, frobenius2, laplacian, matrix, off_diagonal2,
    sizes, symmetric_graph,
)
from .vicreg import symmetric

N, K = 3, 2
off = sympy.Symbol("lambda_off", nonnegative=True)


def _normalised_columns(Z, D):
    cols = []
    for k in range(Z.cols):
        z = Z.col(k)
        cols.append(z / sympy.sqrt((z.T * D * z)[0, 0]))
    return sympy.Matrix.hstack(*cols)


def barlow_twins_graph_form():
    r""":math:`C = \hat Z^\top G\hat Z` with :math:`\hat z_k^\top D_G\hat z_k = 1` gives :math:`C_{kk} = 1 - \hat z_k^\top L\hat z_k`.

    Result ``loss`` :math:`\sum_k (C_{kk}-1)^2 + \lambda\sum_{k\ne l}C_{kl}^2`
    (uncentred columns) in the symbols :math:`g_{ij}` (:math:`N = 3`),
    :math:`z_{ik}` (:math:`K = 2`) and ``lambda_off``; also ``correlation``
    (the matrix :math:`C`) and ``whitened_minimal_loss`` (:math:`K = 3`
    correlations :math:`\rho_k`, :math:`\lambda < 1`).
    """
    G = symmetric_graph(N)
    d = degrees(G)
    D = sympy.diag(*d)
    L = laplacian(G)
    Z = matrix("z", N, K, real=True)
    Zh = _normalised_columns(Z, D)
    Cm = Zh.T * G * Zh
    loss = sum((Cm[k, k] - 1) ** 2 for k in range(K)) + off * off_diagonal2(Cm)
    dirichlet = [(Zh.col(k).T * L * Zh.col(k))[0, 0] for k in range(K)]
    # lambda < 1: the VICReg-like decomposition, K = 3
    C3 = symmetric("c", 3)
    lam_lt = sympy.Symbol("lambda_off", nonnegative=True)
    rho = sympy.symbols("rho1:4", real=True)
    mean_rho = sum(rho) / 3
    whitened = lam_lt * sum((1 - r) ** 2 for r in rho) + (1 - lam_lt) * 3 * (1 - mean_rho) ** 2
    # degree-regular graph: the 4-cycle with weight w, degree 2w
    w = sympy.Symbol("w", positive=True)
    cycle = sympy.Matrix(4, 4, lambda i, j: w if (i - j) % 4 in (1, 3) else 0)
    X = matrix("x", 4, 2, real=True)
    q = matrix("q", 2, 1, real=True)
    mu = sympy.Symbol("mu", real=True)
    deg = 2 * w
    Lc = laplacian(cycle)
    Dc = sympy.diag(*degrees(cycle))
    Xm, qm = sympy.MatrixSymbol("X", 4, 2), sympy.MatrixSymbol("q", 2, 1)
    Gc, Dc_m, Lc_m = (sympy.MatrixSymbol(name, 4, 4) for name in ("G", "D_G", "L"))
    dsym = sympy.Symbol("d", positive=True)
    regular = {Xm: X, qm: q, Gc: cycle, Dc_m: Dc, Lc_m: Lc, dsym: deg}
    n, c = sizes("N", "K")
    Zh_m, Dm = sympy.MatrixSymbol(r"\hat{Z}", n, c), sympy.MatrixSymbol("D_G", n, n)
    Gm, Lm = sympy.MatrixSymbol("G", n, n), sympy.MatrixSymbol("L", n, n)
    ones_k, eye_k = sympy.MatrixSymbol(r"\mathbf{1}", c, 1), sympy.Identity(c)
    values = {n: N, c: K, Zh_m: Zh, Dm: D, Gm: G, Lm: L, ones_k: sympy.ones(K, 1)}
    diagonal = lambda M: sympy.HadamardProduct(M, eye_k) * ones_k  # noqa: E731  (the diagonal, a vector)
    Cg = Zh_m.T * Gm * Zh_m
    steps = [
        Step("Columns are D_G-normalised",
             Identity(diagonal(Zh_m.T * Dm * Zh_m), ones_k, method="cancel", values=values),
             ("z_k^\\top D_G z_k > 0",),
             "$\\hat Z = Z\\operatorname{diag}(Z^\\top D_G Z)^{-1/2}$ (column $k$ divided by "
             "$\\sqrt{z_k^\\top D_G z_k}$); $(M \\circ \\mathbb I)\\mathbf 1$ is the diagonal of $M$. Both views "
             "of every edge list carry the weighted norms $z_k^\\top D_G z_k$."),
        Step("Diagonal is one minus a Dirichlet energy",
             Identity(diagonal(Cg), ones_k - diagonal(Zh_m.T * Lm * Zh_m), method="cancel", values=values),
             ("L = D_G - G",), f"$C = \\hat Z^\\top G\\hat Z$; symbolic $G$ ($N = {N}$), $Z$ ($K = {K}$)."),
        Step("The loss in graph form",
             Identity(FrobeniusSquared(diagonal(Cg) - ones_k)
                      + off * (FrobeniusSquared(Cg) - FrobeniusSquared(diagonal(Cg))),
                      FrobeniusSquared(diagonal(Zh_m.T * Lm * Zh_m))
                      + off * (FrobeniusSquared(Cg) - FrobeniusSquared(diagonal(Cg))),
                      method="cancel", values=values), (),
             "$\\lVert(C \\circ \\mathbb I)\\mathbf 1 - \\mathbf 1\\rVert^2 = \\sum_k(C_{kk} - 1)^2$ and "
             "$\\lVert C\\rVert_F^2 - \\sum_k C_{kk}^2 = \\sum_{k\\ne l}C_{kl}^2$. "
             "The diagonal term is an invariance (Dirichlet) penalty: zero iff every column is constant on "
             "each connected component of $G$."),
        Step("Off-diagonal weight below one (whitened views)",
             Identity(sum((C3[k, k] - 1) ** 2 for k in range(3)) + lam_lt * off_diagonal2(C3),
                      lam_lt * frobenius2(C3 - sympy.eye(3)) + (1 - lam_lt) * sum((1 - C3[k, k]) ** 2 for k in range(3))),
             (), "The VICReg decomposition with $\\alpha = 1$, $\\beta = \\lambda$. With whitened views "
             "$C = R^\\top\\operatorname{diag}(\\rho)R$ and a constant diagonal (Jensen, as for VICReg) the loss is "
             "$\\lambda\\sum_k(1-\\rho_k)^2 + (1-\\lambda)K(1-\\bar\\rho)^2$."),
        Step("Jensen bound for the diagonal term", Sign(sum((1 - C3[k, k]) ** 2 for k in range(3)) - 3 * (1 - sum(C3[k, k] for k in range(3)) / 3) ** 2,
                  "nonnegative", certificate=sum((C3[k, k] - sum(C3[j, j] for j in range(3)) / 3) ** 2 for k in range(3)),
                  method="expand"), ("\\bar c = \\bar\\rho",)),
        Step("Degree-regular graphs: same directions as linear VICReg",
             Identity(Xm.T * Gc * Xm * qm - (1 - mu / dsym) * Xm.T * Dc_m * Xm * qm,
                      -(Xm.T * Lc_m * Xm * qm - mu * Xm.T * Xm * qm), method="cancel", values=regular),
             ("G \\text{ regular of degree } d",),
             "4-cycle with symbolic weight $w$ ($d = 2w$), symbolic $X$ ($4\\times 2$): the canonical "
             "correlations are $\\rho = 1 - \\mu/d$, $\\mu$ the generalized eigenvalues of $X^\\top L X$ and "
             "$X^\\top X$ (uncentred, as the paper's columns)."),
    ]
    return Derivation(
        name="barlow_twins_graph_form",
        title="Barlow Twins: cross-correlation in graph form (CCA under whitening)",
        section="THEORY section 3.4",
        statement=(r"With $\hat Z = Z\operatorname{diag}(Z^\top D_GZ)^{-1/2}$ and $C = \hat Z^\top G\hat Z$: "
                   r"$C_{kk} = 1 - \hat z_k^\top L\hat z_k$, so the Barlow Twins loss penalises a Dirichlet energy "
                   r"per column plus the cross-correlations; for regular graphs its whitened linear solution "
                   r"(CCA, not the optimum of the loss as written) shares linear VICReg's directions."),
        steps=steps,
        results={"loss": loss, "correlation": Cm, "whitened_minimal_loss": whitened},
        arguments={"loss": (G, Z, off), "correlation": (G, Z), "whitened_minimal_loss": (lam_lt, *rho)},
        result_name="loss",
        symbols={"G": f"symmetric {N}x{N} relation, entries g_ij (i<j) > 0", "Z": f"{N}x{K} representation",
                 "lambda_off": "off-diagonal weight (>= 0)", "rho1..rho3": "canonical correlations (K = 3)"},
    )
