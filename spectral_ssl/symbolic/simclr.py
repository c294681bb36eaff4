r"""SimCLR: the local + global decomposition and the regular-simplex optimum (THEORY section 3.3)."""

import sympy

from .core import Derivation, Holds, Identity, Sign, Step, degrees, laplacian, matrix, sizes, symmetric_graph

tau = sympy.Symbol("tau", positive=True)
N_DEC, K_DEC = 3, 2


def _unit_rows(Z):
    rows = []
    for i in range(Z.rows):
        norm = sympy.sqrt(sum(x**2 for x in Z.row(i)))
        rows.append(Z.row(i) / norm)
    return sympy.Matrix.vstack(*rows)


def _loss_from_cosines(G, cos):
    """``-sum_ij G_ij log Ghat_ij`` with the log of the softmax quotient split (definition, section 2)."""
    n = G.rows
    d = degrees(G)
    attraction = -sum(G[i, j] * cos[i, j] for i in range(n) for j in range(n)) / tau
    lse = sum(d[i] * sympy.log(sum(sympy.exp(cos[i, k] / tau) for k in range(n) if k != i))
              for i in range(n))
    return attraction + lse


def _symmetric_symbols(name, n, **assumptions):
    M = sympy.zeros(n, n)
    for i in range(n):
        for j in range(i + 1, n):
            M[i, j] = M[j, i] = sympy.Symbol(f"{name}_{i + 1}{j + 1}", **assumptions)
    return M


def simclr_decomposition():
    r""":math:`\mathcal L_{\mathrm{SimCLR}} = \frac1\tau\operatorname{tr}(\hat Z^\top L\hat Z) + \sum_i d_i\log\sum_{k\ne i}e^{-\lVert\hat z_i - \hat z_k\rVert^2/(2\tau)}`.

    Result ``loss`` (the right-hand side, with :math:`\hat z_i = z_i/\lVert z_i\rVert`
    written in the raw symbols :math:`z_{ik}`, :math:`N = 3`, :math:`K = 2`);
    also ``local`` and ``global`` (the two terms).
    """
    n = N_DEC
    G = symmetric_graph(n)
    d = degrees(G)
    cos = _symmetric_symbols("c", n, real=True)
    dist = _symmetric_symbols("delta", n, nonnegative=True)
    for i in range(n):
        cos[i, i] = 1
    Ghat = sympy.Matrix(n, n, lambda i, j: 0 if i == j else sympy.exp(cos[i, j] / tau)
                        / sum(sympy.exp(cos[i, k] / tau) for k in range(n) if k != i))
    definition = -sum(G[i, j] * sympy.log(Ghat[i, j]) for i in range(n) for j in range(n) if i != j)
    split = _loss_from_cosines(G, cos)
    by_distance = (sum(G[i, j] * dist[i, j] for i in range(n) for j in range(n)) / (2 * tau)
                   + sum(d[i] * sympy.log(sum(sympy.exp(-dist[i, k] / (2 * tau)) for k in range(n) if k != i))
                         for i in range(n)))
    chord = {cos[i, j]: 1 - dist[i, j] / 2 for i in range(n) for j in range(i + 1, n)}
    # unit-vector identity on raw vectors
    a = matrix("a", 1, 3, real=True)
    b = matrix("b", 1, 3, real=True)
    an, bn = _unit_rows(a), _unit_rows(b)
    Y = matrix("y", n, K_DEC, real=True)
    Lg = laplacian(G)
    # the result, in raw coordinates
    Z = matrix("z", n, K_DEC, real=True)
    Zn = _unit_rows(Z)
    sq = lambda i, k: sum((Zn[i, c] - Zn[k, c]) ** 2 for c in range(K_DEC))  # noqa: E731
    local = (Zn.T * Lg * Zn).trace() / tau
    glob = sum(d[i] * sympy.log(sum(sympy.exp(-sq(i, k) / (2 * tau)) for k in range(n) if k != i))
               for i in range(n))
    # Abstract forms of the claims (any N, K) and the explicit objects they are checked with.
    ii, jj, kk = sympy.symbols("i j k", integer=True)
    nn, dim = sizes("N", "D")
    ai, bi = sympy.IndexedBase("a"), sympy.IndexedBase("b")
    Gi, ci, di, Di = (sympy.IndexedBase(x) for x in ("G", "c", "d", r"\Delta"))
    Yi, Ym = sympy.IndexedBase(r"\hat{Z}"), sympy.MatrixSymbol(r"\hat{Z}", nn, K_DEC)
    Lm = sympy.MatrixSymbol("L", nn, nn)
    norm_a = sympy.sqrt(sympy.Sum(ai[kk] ** 2, (kk, 1, dim)))
    norm_b = sympy.sqrt(sympy.Sum(bi[kk] ** 2, (kk, 1, dim)))
    off = lambda p, q: 1 - sympy.KroneckerDelta(p, q)  # noqa: E731
    lse = lambda exponent: sympy.Sum(  # noqa: E731
        di[ii] * sympy.log(sympy.Sum(off(ii, kk) * sympy.exp(exponent(ii, kk)), (kk, 1, nn))), (ii, 1, nn))
    pairs = lambda term: sympy.Sum(term, (ii, 1, nn), (jj, 1, nn))  # noqa: E731
    softmax = sympy.exp(ci[ii, jj] / tau) / sympy.Sum(off(ii, kk) * sympy.exp(ci[ii, kk] / tau), (kk, 1, nn))
    split_abstract = -pairs(Gi[ii, jj] * ci[ii, jj]) / tau + lse(lambda p, q: ci[p, q] / tau)
    chord_abstract = split_abstract.replace(lambda e: isinstance(e, sympy.Indexed) and e.base == ci,
                                            lambda e: 1 - Di[e.indices] / 2)
    values = {nn: n, dim: 3, ai: a, bi: b, Gi: G, ci: cos, di: sympy.Matrix(d), Di: dist, Yi: Y, Ym: Y, Lm: Lg}
    steps = [
        Step("Cosine of unit vectors",
             Identity(sympy.Sum(ai[kk] * bi[kk], (kk, 1, dim)) / (norm_a * norm_b),
                      1 - sympy.Sum((ai[kk] / norm_a - bi[kk] / norm_b) ** 2, (kk, 1, dim)) / 2,
                      method="cancel", values=values),
             ("a, b \\ne 0",), "$\\hat a^\\top\\hat b = 1 - \\tfrac12\\lVert\\hat a - \\hat b\\rVert^2$ for "
             "$\\hat a = a/\\lVert a\\rVert$; raw symbolic vectors in $\\mathbb R^3$."),
        Step("Split the log of the softmax",
             Identity(-pairs(off(ii, jj) * Gi[ii, jj] * sympy.log(softmax)), split_abstract, method="logexp",
                      values=values),
             ("\\tau > 0", "d = G\\mathbf 1", "c_{ii} = 1"),
             f"The left side is $-\\sum_{{i\\ne j}}G_{{ij}}\\log\\hat G_{{ij}}$, $\\hat G$ the softmax of the "
             f"cosines $c_{{ij}}$ over $k \\ne i$; symbolic relation and cosines, $N = {n}$."),
        Step("Chord distances: the constants cancel",
             Identity(chord_abstract,
                      pairs(Gi[ii, jj] * Di[ii, jj]) / (2 * tau) + lse(lambda p, q: -Di[p, q] / (2 * tau)),
                      method="logexp", values=values),
             ("c_{ij} = 1 - \\tfrac12\\Delta_{ij}", "\\Delta_{ij} = \\lVert\\hat z_i - \\hat z_j\\rVert^2",
              "\\Delta_{ii} = 0"),
             "The attraction gives $-\\mathrm{vol}/\\tau$, each log-sum-exp $+1/\\tau$ weighted by $d_i$: "
             "$+\\mathrm{vol}/\\tau$."),
        Step("Local term is the Dirichlet energy",
             Identity(pairs(Gi[ii, jj] * sympy.Sum((Yi[ii, kk] - Yi[jj, kk]) ** 2, (kk, 1, K_DEC))) / (2 * tau),
                      sympy.Trace(Ym.T * Lm * Ym) / tau, values=values), (),
             "Dirichlet identity with $\\hat Z$ the row-normalised representation: VICReg's invariance term, "
             "while the second term repels every pair (global, as MDS stress)."),
        Step("Whole decomposition on raw coordinates",
             Holds(lambda: _raw_decomposition(G, Zn, local),
                   "for every $i \\ne k$ the exponents satisfy "
                   "$\\hat z_i^\\top\\hat z_k/\\tau = 1/\\tau - \\lVert\\hat z_i - \\hat z_k\\rVert^2/(2\\tau)$ "
                   "(`cancel`), so each log-sum-exp is $1/\\tau$ plus the repulsion's; the remaining "
                   "$-\\frac1\\tau\\sum G_{ij}\\hat z_i^\\top\\hat z_j + \\mathrm{vol}/\\tau$ minus the local "
                   "term `cancel`s to 0", kind="equality"),
             ("z_i \\ne 0",),
             "Steps 1-4 chained on symbolic raw $Z$ ($3\\times 2$)."),
    ]
    return Derivation(
        name="simclr_decomposition",
        title="SimCLR = local Dirichlet energy + global repulsion",
        section="THEORY section 3.3",
        statement=(r"For row-normalised $\hat Z$: $\mathcal L_{\mathrm{SimCLR}}(Z) = "
                   r"\frac1\tau\operatorname{tr}(\hat Z^\top L\hat Z) + \sum_i d_i\log\sum_{k\ne i}"
                   r"e^{-\lVert\hat z_i - \hat z_k\rVert^2/(2\tau)}$ exactly."),
        steps=steps,
        results={"loss": local + glob, "local": local, "global": glob},
        arguments={"loss": (G, Z, tau), "local": (G, Z, tau), "global": (G, Z, tau)},
        result_name="loss",
        symbols={"G": f"symmetric {n}x{n} relation, entries g_ij (i<j) > 0",
                 "Z": f"{n}x{K_DEC} representation (no zero row)", "tau": "temperature (> 0)"},
    )


def _raw_decomposition(G, Zn, local):
    """Exact check of the decomposition on raw coordinates (see the step's description)."""
    n, k_dim = Zn.shape
    d = degrees(G)
    for i in range(n):
        for k in range(n):
            if k == i:
                continue
            cosine = sum(Zn[i, c] * Zn[k, c] for c in range(k_dim)) / tau
            chord = -sum((Zn[i, c] - Zn[k, c]) ** 2 for c in range(k_dim)) / (2 * tau)
            gap = sympy.cancel(sympy.together(cosine - chord - 1 / tau))
            if gap != 0:
                return False, f"exponents of pair ({i + 1}, {k + 1}) differ by {gap}"
    gram = Zn * Zn.T
    attraction = -sum(G[i, j] * gram[i, j] for i in range(n) for j in range(n)) / tau
    rest = sympy.cancel(sympy.together(sympy.expand(attraction + sum(d) / tau - local)))
    if rest != 0:
        return False, f"non-log parts leave {rest}"
    return True, f"all {n * (n - 1)} exponents match and the non-log parts cancel exactly"


def _exp_normal_form(expr):
    """Expand products of exponentials and bring every exponent to lowest terms."""
    expr = sympy.powsimp(sympy.expand(expr))
    return sympy.simplify(expr.replace(lambda e: isinstance(e, sympy.exp),
                                       lambda e: sympy.exp(sympy.cancel(e.args[0]))))


def simclr_simplex():
    r"""Equal cliques: the regular simplex is optimal among collapsed configurations with one between-clique cosine.

    :math:`C` cliques of size :math:`m`, :math:`N = Cm`. Result ``loss``
    :math:`N(m-1)[-1/\tau + \log((m-1)e^{1/\tau} + (N-m)e^{-1/((C-1)\tau)})]`
    (free symbols N, m, C, tau); also ``family_loss`` :math:`\mathcal L(c)`.
    """
    Nn, m, C = sympy.symbols("N m C", positive=True)
    c = sympy.Symbol("c", real=True)
    family = Nn * (m - 1) * (-1 / tau + sympy.log((m - 1) * sympy.exp(1 / tau) + (Nn - m) * sympy.exp(c / tau)))
    c_simplex = -1 / (C - 1)
    optimum = Nn * (m - 1) * (-1 / tau + sympy.log((m - 1) * sympy.exp(1 / tau)
                                                   + (Nn - m) * sympy.exp(-1 / ((C - 1) * tau))))
    code_form = Nn * (m - 1) * sympy.log(m - 1 + (Nn - m) * sympy.exp(-C / ((C - 1) * tau)))
    p, q = sympy.symbols("p q", positive=True)  # m = 1 + p, C = 1 + q
    deriv = sympy.diff(family, c)
    on_sizes = {m: 1 + p, C: 1 + q, Nn: (1 + q) * (1 + p)}
    certificate = ((1 + q) * (1 + p) * p * q * (1 + p) * sympy.exp(c / tau)
                   / (tau * (p * sympy.exp(1 / tau) + q * (1 + p) * sympy.exp(c / tau))))

    def instance(n_cliques, size):
        n = n_cliques * size
        label = [i // size for i in range(n)]
        G = sympy.Matrix(n, n, lambda i, j: 1 if (label[i] == label[j] and i != j) else 0)
        cos = sympy.Matrix(n, n, lambda i, j: 1 if label[i] == label[j] else c)
        return _loss_from_cosines(G, cos), family.subs({Nn: n, m: size, C: n_cliques})

    def family_instances():
        for n_cliques, size in ((2, 3), (3, 2), (3, 3)):
            lhs, rhs = instance(n_cliques, size)
            residual = sympy.cancel(sympy.expand_log(sympy.expand(lhs - rhs), force=True))
            if residual != 0:
                return False, f"C={n_cliques}, m={size}: residual {residual}"
        return True, "graph-form loss equals L(c) for (C, m) = (2, 3), (3, 2), (3, 3)"

    def gram_spectrum():
        for k in (2, 3, 4, 5):
            gram = (1 - c) * sympy.eye(k) + c * sympy.ones(k, k)
            eig = {sympy.expand(v): mult for v, mult in gram.eigenvals().items()}
            expected = {sympy.expand(1 - c): k - 1, sympy.expand(1 + (k - 1) * c): 1}
            if eig != expected:
                return False, f"C={k}: eigenvalues {eig}, expected {expected}"
        return True, "eigenvalues 1 - c (x C-1) and 1 + (C-1)c for C = 2..5"

    def simplex_vertices():
        for k in (2, 3, 4, 5):
            P = sympy.Matrix(k, k, lambda a, b: (1 if a == b else 0) - sympy.Rational(1, k)) * sympy.sqrt(
                sympy.Rational(k, k - 1))
            gram = (P * P.T).applyfunc(sympy.nsimplify)
            expected = sympy.Matrix(k, k, lambda a, b: 1 if a == b else sympy.Rational(-1, k - 1))
            if gram != expected or P.rank() != k - 1:
                return False, f"C={k}: Gram {gram}, rank {P.rank()}"
        return True, "unit vectors with cosine -1/(C-1), rank C-1, for C = 2..5"

    steps = [
        Step("Loss of the family (collapsed cliques, between-clique cosine c)",
             Holds(family_instances, "graph-form loss (symbolic $\\tau$, $c$) on explicit clique graphs "
                   "vs the formula, `expand_log` + `cancel`", kind="equality"),
             ("\\text{clique members share one unit vector}", "u_a^\\top u_b = c\\ (a\\ne b)"),
             "Each row has $m-1$ positives at cosine 1 and $N-m$ negatives at cosine $c$."),
        Step("The loss increases with c", Sign(deriv, "positive", where=on_sizes, certificate=certificate),
             ("m = 1 + p,\\ p > 0", "C = 1 + q,\\ q > 0", "N = Cm", "\\tau > 0"),
             "Positive for every real $c$, in particular on $c > -1/(C-1)$."),
        Step("Feasibility: the Gram matrix of C unit vectors",
             Holds(gram_spectrum, "`eigenvals` of the symbolic Gram matrix for $C = 2..5$", kind="equality"),
             ("\\text{Gram of unit vectors is PSD}",)),
        Step("Smallest feasible cosine", Identity(1 + (C - 1) * c, (C - 1) * (c - c_simplex), method="cancel"), ("C > 1",),
             "With step 2, the minimum over the family is at $c = -1/(C-1)$."),
        Step("The regular simplex attains it",
             Holds(simplex_vertices, "exact rational Gram matrix and rank for $C = 2..5$", kind="equality"),
             ("K \\ge C - 1",)),
        Step("Minimal loss", Identity(family.subs(c, c_simplex), optimum, method="logexp"), ()),
        Step("Form without large exponentials",
             Identity(sympy.exp(optimum / (Nn * (m - 1))), sympy.exp(code_form / (Nn * (m - 1))),
                      method=_exp_normal_form), ("C > 1", "m > 1"),
             "Compared through $\\exp(\\,\\cdot\\,/(N(m-1)))$ (injective on the reals): "
             "$e^{-1/\\tau}\\big((m-1)e^{1/\\tau} + (N-m)e^{-1/((C-1)\\tau)}\\big) = m - 1 + (N-m)e^{-C/((C-1)\\tau)}$. "
             "The form `methods.simclr.simplex_loss` evaluates."),
    ]
    return Derivation(
        name="simclr_simplex",
        title="SimCLR with equal cliques: the regular simplex",
        section="THEORY section 3.3 (closed form)",
        statement=(r"For $C$ cliques of size $m$ ($N = Cm$), among configurations that collapse every clique "
                   r"to a unit vector with one common between-clique cosine $c$, the loss increases with $c$ "
                   r"and $c \ge -1/(C-1)$ by positive semi-definiteness: the regular simplex is optimal, "
                   r"with loss $N(m-1)[-1/\tau + \log((m-1)e^{1/\tau} + (N-m)e^{-1/((C-1)\tau)})]$."),
        steps=steps,
        results={"loss": optimum, "family_loss": family},
        arguments={"loss": (Nn, m, C, tau), "family_loss": (Nn, m, C, tau, c)},
        result_name="loss",
        symbols={"N": "number of samples (= C m)", "m": "clique size (>= 2)", "C": "number of cliques (>= 2)",
                 "tau": "temperature (> 0)", "c": "between-clique cosine (family_loss only)"},
    )
