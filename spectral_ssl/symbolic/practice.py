r"""The libraries' losses as graph-form problems: every constant of :mod:`spectral_ssl.practice`.

Each claim is written with abstract placeholders (short LaTeX) and checked on explicit
symbolic views: :math:`n = 3` pairs, :math:`K = 2` columns, :math:`A` a matrix of
symbols, :math:`B = PA` its rows permuted (the two views then have equal column means and
covariances, where the per-view and pooled statistics agree), :math:`Z = [A; B]`, the
pairing graph :math:`G` (row :math:`i` linked to row :math:`n+i`), the hinge an undefined
function :math:`h`.
"""

import sympy

from .core import Derivation, Identity, NotIdentity, Step
from .expressions import matrix, off_diagonal2

#: Fixed sizes of the checks: pairs and columns.
N_PAIRS, K_COLS = 3, 2


def _centred(M):
    mean = sympy.Matrix([[sum(M[:, c]) / M.rows for c in range(M.cols)]])
    return M - sympy.ones(M.rows, 1) * mean


def _cov_b(M):
    """Graph-form covariance (divides by the number of rows)."""
    Mc = _centred(M)
    return (Mc.T * Mc) / M.rows


def _cov_u(M):
    """The libraries' covariance (divides by rows - 1)."""
    Mc = _centred(M)
    return (Mc.T * Mc) / (M.rows - 1)


def _pairing(n):
    G = sympy.zeros(2 * n, 2 * n)
    for p in range(n):
        G[p, n + p] = G[n + p, p] = 1
    return G


def _graph_invariance(Z, G):
    r""":math:`\frac1{N}\sum_{ij}G_{ij}\lVert z_i - z_j\rVert^2` (``losses.invariance_term``)."""
    rows = Z.rows
    return sum(G[a, b] * sum((Z[a, c] - Z[b, c]) ** 2 for c in range(Z.cols))
               for a in range(rows) for b in range(rows)) / rows


def _hinge_sum(C, h):
    return sum(h(sympy.expand(C[c, c])) for c in range(C.rows))


def library_mappings():
    r"""lightly / official VICReg is :math:`\frac1K` times the graph form with :math:`(\mu, 2\nu, \lambda/s^2)`
    at :math:`sZ`; NT-Xent's graph form is :math:`2n` times lightly's."""
    n, K = N_PAIRS, K_COLS
    lam, mu, nu, s, tau = sympy.symbols(r"lambda mu nu s tau", positive=True)
    s_value = sympy.sqrt(sympy.Rational(n, n - 1))
    A = matrix("a", n, K, real=True)
    P = sympy.Matrix(n, n, lambda r, c: 1 if c == (r + 1) % n else 0)  # a cyclic row permutation
    B = P * A
    Z = A.col_join(B)
    G = _pairing(n)
    h = sympy.Function("h")

    # Abstract placeholders (what the steps print) and the explicit values they are checked with.
    Asym, Bsym, Zsym, Gsym = sympy.symbols("A B Z G")
    inv_lib = sympy.Function(r"\operatorname{inv}_{lib}")(Asym, Bsym)
    inv_graph = sympy.Function(r"\operatorname{inv}")(s * Zsym, Gsym)
    c_u = sympy.Function("c_u")
    c = sympy.Function("c")
    v_u = sympy.Function("v_u")
    v = sympy.Function("v")
    n_sym, K_sym = sympy.symbols("n K", positive=True, integer=True)

    def cov_term_graph(M, scale):
        return off_diagonal2(_cov_b(scale * M))

    def hinge_graph(M, scale):
        return _hinge_sum(_cov_b(scale * M), h)

    explicit_s = {
        inv_lib: sum((A[r, q] - B[r, q]) ** 2 for r in range(n) for q in range(K)) / (n * K),
        inv_graph: _graph_invariance(s * Z, G),
        c(s * Asym): cov_term_graph(A, s), c(s * Bsym): cov_term_graph(B, s), c(s * Zsym): cov_term_graph(Z, s),
    }
    # (keys keep the symbol s, their values use s = sqrt(n / (n - 1)): the check substitutes
    # plain symbols before placeholders, so s itself must not be a key here)
    explicit_value = {
        K_sym: K, n_sym: n,
        c_u(Asym): off_diagonal2(_cov_u(A)) / K, c(s * Asym): cov_term_graph(A, s_value),
        v_u(Asym): _hinge_sum(_cov_u(A), h) / K, v_u(Bsym): _hinge_sum(_cov_u(B), h) / K,
        v(s * Asym): hinge_graph(A, s_value), v(s * Bsym): hinge_graph(B, s_value),
        v(s * Zsym): hinge_graph(Z, s_value),
    }

    # The whole loss, lightly's form (per view) against the graph form at sZ.
    def lightly(A_, B_):
        inv = sum((A_[r, q] - B_[r, q]) ** 2 for r in range(n) for q in range(K)) / (n * K)
        var = (_hinge_sum(_cov_u(A_), h) + _hinge_sum(_cov_u(B_), h)) / K
        cov = (off_diagonal2(_cov_u(A_)) + off_diagonal2(_cov_u(B_))) / K
        return lam * inv + mu / 2 * var + nu * cov

    def graph(variance, covariance, invariance):
        Zs = s_value * Z
        return (variance * hinge_graph(Z, s_value) + covariance * off_diagonal2(_cov_b(Zs))
                + invariance * _graph_invariance(Zs, G))

    L_lib = sympy.Function(r"\mathcal{L}_{lightly}")(Asym, Bsym)
    L_graph = sympy.Function(r"\mathcal{L}_{graph}")
    whole = {L_lib: lightly(A, B), L_graph(mu, 2 * nu, lam / s**2): graph(mu, 2 * nu, lam / s_value**2),
             L_graph(mu, nu, lam): graph(mu, nu, lam), K_sym: K}

    # NT-Xent on 2 pairs (4 rows) with symbolic similarities S_ij (cosines over tau).
    m = 2
    S = sympy.Matrix(2 * m, 2 * m, lambda r, q: sympy.Symbol(f"S_{min(r, q) + 1}{max(r, q) + 1}", real=True)
                     if r != q else 0)
    partner = [(r + m) % (2 * m) for r in range(2 * m)]
    ell = [-S[r, partner[r]] / tau + sympy.log(sum(sympy.exp(S[r, q] / tau) for q in range(2 * m) if q != r))
           for r in range(2 * m)]
    Gm = _pairing(m)
    graph_simclr = -sum(Gm[r, q] * sympy.log(sympy.exp(S[r, q] / tau)
                                              / sum(sympy.exp(S[r, p] / tau) for p in range(2 * m) if p != r))
                        for r in range(2 * m) for q in range(2 * m) if q != r)
    nt_lightly = sympy.Function(r"\ell_{lightly}")(Asym, Bsym)
    nt_google = sympy.Function(r"\ell_{google}")(Asym, Bsym)
    nt_graph = sympy.Function(r"\mathcal{L}_{SimCLR}")(Zsym, Gsym)
    google = (sum(ell[:m]) / m) + (sum(ell[m:]) / m)  # a->b and b->a cross-entropies, each a mean over n
    nt_values = {nt_lightly: sum(ell) / (2 * m), nt_graph: graph_simclr, nt_google: google, n_sym: m}

    steps = [
        Step("Invariance: lambda / s^2",
             Identity(lam * inv_lib, lam / s**2 * inv_graph / K_sym, method="cancel",
                      values={**explicit_s, K_sym: K}),
             ("G \\text{ the pairing graph}",),
             "The library's invariance is the mean over the $nK$ entries of $(A-B)^2$; the graph form's "
             "sums each pair twice over $2n$ rows, so it is $K$ times the library's mean, and at $sZ$ it is "
             "$s^2$ times larger: weight $\\lambda/s^2$, any $s$."),
        Step("Unbiased covariance at Z is the graph covariance at sZ",
             Identity(c_u(Asym), c(s * Asym) / K_sym, values=explicit_value),
             ("s = \\sqrt{n/(n-1)}",),
             "$\\operatorname{Cov}_b(sA) = s^2 A_c^\\top A_c/n = A_c^\\top A_c/(n-1)$; the library's covariance "
             "term also divides by $K$. The same holds for the variances $v_u$ inside the hinge."),
        Step("Covariance: 2 nu",
             Identity(nu * (c(s * Asym) + c(s * Bsym)), 2 * nu * c(s * Zsym), values=explicit_s),
             ("B = PA \\text{ (equal column means and covariances)}",),
             "With equal view statistics the pooled covariance of $[A; B]$ is each view's; the library adds "
             "two views' terms, the graph form has one: weight $2\\nu$."),
        Step("Variance: mu (lightly, official code)",
             Identity(mu / 2 * (v_u(Asym) + v_u(Bsym)), mu * v(s * Zsym) / K_sym, values=explicit_value),
             ("B = PA", "h \\text{ any function (the hinge)}"),
             "The official code and lightly halve the sum of the two views' hinge terms: weight $\\mu$."),
        Step("Variance: 2 mu (solo-learn)",
             Identity(mu * (v_u(Asym) + v_u(Bsym)), 2 * mu * v(s * Zsym) / K_sym, values=explicit_value),
             ("B = PA",), "solo-learn does not halve it: weight $2\\mu$."),
        Step("The whole loss",
             Identity(L_lib, L_graph(mu, 2 * nu, lam / s**2) / K_sym, values=whole),
             ("B = PA", "s = \\sqrt{n/(n-1)}"),
             "$\\mathcal L_{graph}(\\alpha, \\beta, \\gamma)$ is `losses.vicreg` at $sZ$ with variance $\\alpha$, "
             "covariance $\\beta$, invariance $\\gamma$, hinge variance; then $W = W'/s$."),
        Step("The naive weights are not the mapping",
             NotIdentity(L_lib, L_graph(mu, nu, lam) / K_sym, values=whole), ("B = PA",),
             "Reading lightly's $(\\lambda, \\mu, \\nu)$ as the graph form's (invariance, variance, covariance) "
             "misses the factor 2 on the covariance and $1/s^2$ on the invariance."),
        Step("NT-Xent: graph form = 2n x lightly",
             Identity(nt_graph, 2 * n_sym * nt_lightly, method="logexp", values=nt_values),
             ("\\text{every row has one positive: } d = \\mathbf 1",),
             "The graph form sums the $2n$ rows' cross-entropies; lightly averages them. Same temperature."),
        Step("NT-Xent: Google's code = 2 x lightly",
             Identity(nt_google, 2 * nt_lightly, method="logexp", values=nt_values), (),
             "Google's code averages each direction over $n$ and adds the two."),
    ]
    return Derivation(
        name="library_mappings",
        title="Library losses as graph-form problems",
        section="spectral_ssl.practice (docs: From your training code to the optimum)",
        statement=(r"With $s = \sqrt{n/(n-1)}$ and $Z = [A; B]$ on the pairing graph, lightly's (and the "
                   r"official) VICReg with $(\lambda, \mu, \nu)$ equals $\frac1K$ times the graph-form hinge "
                   r"VICReg at $sZ$ with variance $\mu$, covariance $2\nu$, invariance $\lambda/s^2$, whenever "
                   r"the views have equal statistics (solo-learn: variance $2\mu$). The graph-form SimCLR is "
                   r"$2n$ times lightly's NT-Xent and $n$ times Google's."),
        steps=steps,
        results={"result": lightly(A, B), "graph_form": graph(mu, 2 * nu, lam / s_value**2)},
        arguments={"result": (A, lam, mu, nu), "graph_form": (A, lam, mu, nu)},
        symbols={"A": f"{n}x{K} view, entries a_ik", "B": "P A, A with its rows cyclically permuted",
                 "h": "the hinge, an undefined function", "s": "sqrt(n / (n - 1))"},
    )
