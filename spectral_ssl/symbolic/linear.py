r"""The linear regime (Locality Preserving Projections) and the LDA identity (THEORY section 3.1)."""

import sympy

from .core import Derivation, Identity, Step, laplacian, matrix, symmetric_graph
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
    xbar = X.T * ones / N
    steps = [
        Step("Covariance of an affine map", r"\operatorname{Cov}(XW + \mathbf 1 b^\top) = W^\top B W,\ B = X^\top H X/N",
             Identity(Z.T * H * Z / N, W.T * (X.T * H * X / N) * W), ("H\\mathbf 1 = 0",),
             f"Exact for symbolic $X$ (${N}\\times{D}$), $W$, $b$."),
        Step("The bias does not change the invariance",
             r"\operatorname{tr}\big((XW + \mathbf 1b^\top)^\top L (XW + \mathbf 1b^\top)\big) = N\operatorname{tr}(W^\top A W),\ A = X^\top L X/N",
             Identity((Z.T * L * Z).trace(), N * (W.T * (X.T * L * X / N) * W).trace()),
             ("L\\mathbf 1 = 0",), "Symbolic relation $G$ on 3 samples."),
        Step("Substitution W = B^{-1/2} V (whitening)",
             r"W = S^{-1}V,\ B = S^2 \Rightarrow W^\top B W = V^\top V,\ W^\top A W = V^\top (S^{-1} A S^{-1}) V",
             Identity(sympy.Matrix.vstack(Wsub.T * B * Wsub, Wsub.T * A * Wsub),
                      sympy.Matrix.vstack(V.T * V, V.T * M * V), method="cancel"),
             ("B \\succ 0", "S = B^{1/2} = S^\\top"),
             "The loss becomes the non-parametric VICReg loss with $Y = V$ and $L/N$ replaced by "
             "$M = B^{-1/2}AB^{-1/2}$, so Section 3.1 applies with the eigenvalues $\\mu$ of $M$."),
        Step("Eigenvectors map to generalized eigenvectors",
             r"A S^{-1}v - \mu B S^{-1} v = S(Mv - \mu v)",
             Identity(A * Sinv * v - mu * B * Sinv * v, S * (M * v - mu * v), method="cancel"),
             ("S \\text{ invertible}",),
             "So $Mv = \\mu v \\iff Aq = \\mu Bq$ with $q = S^{-1}v$, and $V^\\top V = I \\iff Q^\\top B Q = I$: "
             "$W^\\star = Q_K\\operatorname{diag}(\\sqrt t)R$ with $t_k = (1 - \\gamma\\mu_k/\\alpha)_+$."),
        Step("Optimal bias centres the representation", r"b = -W^\top\bar x \Rightarrow \tfrac1N\mathbf 1^\top(XW + \mathbf 1 b^\top) = 0",
             Identity((ones.T * (X * W + ones * (-(W.T * xbar)).T)) / N, sympy.zeros(1, K)), (),
             "The loss ignores $b$; the toolkit returns the centring one."),
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
    quad = lambda M: (q.T * M * q)[0, 0]  # noqa: E731
    steps = [
        Step("Laplacian of a clique", r"L_{\text{clique}} = n_c I - \mathbf 1\mathbf 1^\top",
             Identity(sympy.Matrix.vstack(*[laplacian(clique[k]).reshape(k * k, 1) for k in clique]),
                      sympy.Matrix.vstack(*[(k * sympy.eye(k) - sympy.ones(k, k)).reshape(k * k, 1)
                                            for k in clique])),
             ("G_{ij} = 1[y_i = y_j],\\ i\\ne j",), "Checked for cliques of size 2, 3, 4."),
        Step("Within-class scatter",
             r"X^\top L X = \sum_c X_c^\top(n_c I - \mathbf 1\mathbf 1^\top)X_c = n_c\sum_c\sum_{i\in c}(x_i - m_c)(x_i - m_c)^\top = n_c N S_W",
             Identity(X.T * L * X, n_c * N * S_W, method="cancel"),
             ("\\text{balanced classes of size } n_c",),
             f"Symbolic data, {n_classes} classes x {n_c} samples, $D = {D}$; $S_W$ uses the $1/N$ normalisation."),
        Step("Total scatter = within + between", r"X^\top H X/N = S_W + S_B",
             Identity(S_T, S_W + S_B, method="cancel"), ()),
        Step("Generalized eigenproblem is Fisher's criterion",
             r"\frac{q^\top B q}{q^\top S_W q} = 1 + \frac{q^\top S_B q}{q^\top S_W q}",
             Identity(quad(S_T) / quad(S_W), 1 + quad(S_B) / quad(S_W), method="cancel"),
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
