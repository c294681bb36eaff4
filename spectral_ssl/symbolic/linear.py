r"""The linear regime (Locality Preserving Projections) and the LDA identity (THEORY section 3.1)."""

import sympy

from .core import Derivation, Identity, ScalarOf, Step, laplacian, matrix, sizes, symmetric_graph
from .vicreg import symmetric


def _centering(N):
    return sympy.eye(N) - sympy.ones(N, N) / N


def linear_regime():
    r"""With :math:`Z = XW + \mathbf 1 b^\top`, VICReg is the non-parametric problem in :math:`M = B^{-1/2} A B^{-1/2}`.

    :math:`A = X^\top L X/N`, :math:`B = X^\top H X/N = S^2` (:math:`S = B^{1/2}`
    symmetric). Result ``M`` = :math:`S^{-1} A S^{-1}` for symbolic
    :math:`2\times 2` ``A`` and ``S``: its eigenvalues are the generalized
    eigenvalues :math:`\mu` of :math:`A q = \mu B q`.
    """
    N, D, K = 3, 2, 2
    X = matrix("x", N, D, real=True)
    W = matrix("w", D, K, real=True)
    b = matrix("b", K, 1, real=True)
    G = symmetric_graph(N)
    L = laplacian(G)
    H = _centering(N)
    ones = sympy.ones(N, 1)
    Z = X * W + ones * b.T
    A = symmetric("a", D)
    S = symmetric("s", D)
    V = matrix("v", D, K, real=True)
    v = matrix("v", D, 1, real=True)
    mu = sympy.Symbol("mu", real=True)
    Sinv = S.inv()
    B = S * S
    M = (Sinv * A * Sinv).applyfunc(sympy.cancel)
    Wsub = Sinv * V
    n, dd, kk = sizes("N", "D", "K")
    Xm, Wm, bm = sympy.MatrixSymbol("X", n, dd), sympy.MatrixSymbol("W", dd, kk), sympy.MatrixSymbol("b", kk, 1)
    Hm, Lm = sympy.MatrixSymbol("H", n, n), sympy.MatrixSymbol("L", n, n)
    one = sympy.MatrixSymbol(r"\mathbf{1}", n, 1)
    Am, Sm = sympy.MatrixSymbol("A", dd, dd), sympy.MatrixSymbol("S", dd, dd)
    Vm, vm = sympy.MatrixSymbol("V", dd, kk), sympy.MatrixSymbol("v", dd, 1)
    values = {n: N, dd: D, kk: K, Xm: X, Wm: W, bm: b, Hm: H, Lm: L, one: ones, Am: A, Sm: S, Vm: V, vm: v}
    Zm = Xm * Wm + one * bm.T
    Si = sympy.Inverse(Sm)
    Mm = Si * Am * Si
    Wv = Si * Vm
    steps = [
        Step("Covariance of an affine map",
             Identity(Zm.T * Hm * Zm / n, Wm.T * (Xm.T * Hm * Xm / n) * Wm, values=values),
             ("H = I - \\mathbf 1\\mathbf 1^\\top/N", "H\\mathbf 1 = 0"),
             "$B = X^\\top H X/N$ is the covariance of the features: the bias drops out."),
        Step("The bias does not change the invariance",
             Identity(sympy.Trace(Zm.T * Lm * Zm), n * sympy.Trace(Wm.T * (Xm.T * Lm * Xm / n) * Wm),
                      values=values),
             ("L\\mathbf 1 = 0",), "$A = X^\\top L X/N$; symbolic relation $G$ on 3 samples."),
        Step("Substitution W = B^{-1/2} V (whitening)",
             Identity(sympy.BlockMatrix([[Wv.T * (Sm * Sm) * Wv], [Wv.T * Am * Wv]]),
                      sympy.BlockMatrix([[Vm.T * Vm], [Vm.T * Mm * Vm]]), method="cancel", values=values),
             ("B = S^2 \\succ 0", "S = B^{1/2} = S^\\top"),
             "With $W = S^{-1}V$: $W^\\top B W = V^\\top V$ and $W^\\top A W = V^\\top M V$, "
             "$M = S^{-1}AS^{-1} = B^{-1/2}AB^{-1/2}$. The loss becomes the non-parametric VICReg loss with "
             "$Y = V$ and $L/N$ replaced by $M$, so Section 3.1 applies with the eigenvalues $\\mu$ of $M$."),
        Step("Eigenvectors map to generalized eigenvectors",
             Identity(Am * Si * vm - mu * (Sm * Sm) * Si * vm, Sm * (Mm * vm - mu * vm), method="cancel",
                      values=values),
             ("S \\text{ invertible}",),
             "So $Mv = \\mu v \\iff Aq = \\mu Bq$ with $q = S^{-1}v$, and $V^\\top V = I \\iff Q^\\top B Q = I$: "
             "$W^\\star = Q_K\\operatorname{diag}(\\sqrt t)R$ with $t_k = (1 - \\gamma\\mu_k/\\alpha)_+$."),
        Step("Optimal bias centres the representation",
             Identity(one.T * (Xm * Wm + one * (-(Wm.T * Xm.T * one / n)).T) / n, sympy.ZeroMatrix(1, kk),
                      values=values),
             (), "$b = -W^\\top\\bar x$ with $\\bar x = X^\\top\\mathbf 1/N$. The loss ignores $b$; the "
             "toolkit returns the centring one."),
    ]
    return Derivation(
        name="linear_regime",
        title="Linear regime: VICReg = Locality Preserving Projections",
        section="THEORY section 3.1 (linear regime)",
        statement=(r"For $Z = XW + \mathbf 1b^\top$: $\operatorname{Cov}(Z) = W^\top BW$ and the invariance is "
                   r"$2\gamma\operatorname{tr}(W^\top AW)$; substituting $W = B^{-1/2}V$ gives the non-parametric "
                   r"problem in $B^{-1/2}AB^{-1/2}$, whose eigenpairs are those of $Aq = \mu Bq$."),
        steps=steps,
        results={"M": M},
        arguments={"M": (A, S)},
        result_name="M",
        symbols={"A": "X^T L X / N (2x2 symmetric, entries a_kl)",
                 "S": "B^{1/2}, the symmetric square root of X^T H X / N (entries s_kl)"},
    )


def lda_identity():
    r""":math:`X^\top L X = n_c N S_W` for a balanced label graph (2 classes x 2 samples, :math:`D = 2`).

    Result ``XtLX`` = :math:`n_c N S_W` written in the data symbols
    :math:`x_{id}` (rows 1-2: class 1, rows 3-4: class 2).
    """
    n_c, n_classes, D = 2, 2, 2
    N = n_c * n_classes
    X = matrix("x", N, D, real=True)
    labels = [i // n_c for i in range(N)]
    G = sympy.Matrix(N, N, lambda i, j: 1 if (labels[i] == labels[j] and i != j) else 0)
    L = laplacian(G)
    blocks = [[i for i in range(N) if labels[i] == c] for c in range(n_classes)]
    means = [sum((X.row(i) for i in blk), sympy.zeros(1, D)) / len(blk) for blk in blocks]
    overall = sum((X.row(i) for i in range(N)), sympy.zeros(1, D)) / N
    S_W = sum(((X.row(i) - means[c]).T * (X.row(i) - means[c]) for c, blk in enumerate(blocks) for i in blk),
              sympy.zeros(D, D)) / N
    S_B = sum((len(blk) * (means[c] - overall).T * (means[c] - overall) for c, blk in enumerate(blocks)),
              sympy.zeros(D, D)) / N
    S_T = X.T * _centering(N) * X / N
    q = matrix("q", D, 1, real=True)
    clique = {k: sympy.Matrix(k, k, lambda i, j: 0 if i == j else 1) for k in (2, 3, 4)}
    n, dd = sizes("N", "D")
    Xm, Lm, Hm = sympy.MatrixSymbol("X", n, dd), sympy.MatrixSymbol("L", n, n), sympy.MatrixSymbol("H", n, n)
    SW, SB = sympy.MatrixSymbol("S_W", dd, dd), sympy.MatrixSymbol("S_B", dd, dd)
    qm = sympy.MatrixSymbol("q", dd, 1)
    values = {n: N, dd: D, Xm: X, Lm: L, Hm: _centering(N), SW: S_W, SB: S_B, qm: q}
    quad = lambda M: ScalarOf(qm.T * M * qm)  # noqa: E731
    steps = [
        Step("Laplacian of a clique",
             Identity(sympy.BlockDiagMatrix(*[sympy.MatrixSymbol(f"L_{{K_{m}}}", m, m) for m in clique]),
                      sympy.BlockDiagMatrix(*[m * sympy.Identity(m) - sympy.MatrixSymbol(r"\mathbf{1}", m, 1)
                                              * sympy.MatrixSymbol(r"\mathbf{1}", m, 1).T for m in clique]),
                      values={**{sympy.MatrixSymbol(f"L_{{K_{m}}}", m, m): laplacian(clique[m]) for m in clique},
                              **{sympy.MatrixSymbol(r"\mathbf{1}", m, 1): sympy.ones(m, 1) for m in clique}}),
             ("G_{ij} = 1[y_i = y_j],\\ i\\ne j",), "Checked for cliques of size 2, 3, 4."),
        Step("Within-class scatter",
             Identity(Xm.T * Lm * Xm, n_c * n * SW, method="cancel", values=values),
             ("\\text{balanced classes of size } n_c",),
             f"$S_W = \\frac1N\\sum_c\\sum_{{i\\in c}}(x_i - m_c)(x_i - m_c)^\\top$ (the $1/N$ normalisation), "
             f"$m_c$ the class means; symbolic data, {n_classes} classes x {n_c} samples ($n_c = {n_c}$), "
             f"$D = {D}$."),
        Step("Total scatter = within + between",
             Identity(Xm.T * Hm * Xm / n, SW + SB, method="cancel", values=values), (),
             "$S_B = \\frac1N\\sum_c n_c(m_c - m)(m_c - m)^\\top$, $m$ the overall mean."),
        Step("Generalized eigenproblem is Fisher's criterion",
             Identity(quad(Xm.T * Hm * Xm / n) / quad(SW), 1 + quad(SB) / quad(SW), method="cancel",
                      values=values),
             ("q^\\top S_W q > 0",),
             "With $A = X^\\top LX/N = n_c S_W$, the smallest $\\mu = n_c\\,q^\\top S_W q / q^\\top B q$ "
             "maximises $q^\\top S_B q / q^\\top S_W q$: the hard-constraint limit is Fisher LDA."),
    ]
    return Derivation(
        name="lda_identity",
        title="Label graph: linear VICReg = Fisher LDA",
        section="THEORY section 3.1 (linear regime, label graph)",
        statement=(r"For the label graph with balanced classes of size $n_c$, "
                   r"$X^\top L X = n_c N S_W$, $S_W = \frac1N\sum_c\sum_{i\in c}(x_i-m_c)(x_i-m_c)^\top$, "
                   r"so the generalized eigenproblem of the linear regime is Fisher's."),
        steps=steps,
        results={"XtLX": n_c * N * S_W},
        arguments={"XtLX": (X,)},
        result_name="XtLX",
        symbols={"X": f"{N}x{D} data, rows 1-{n_c} class 1, rows {n_c + 1}-{N} class 2 (entries x_id)"},
    )
