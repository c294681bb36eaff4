r"""Spectral contrastive loss = low-rank approximation of the normalised adjacency (THEORY section 3.2)."""

import sympy

from .core import (
    Derivation, FrobeniusSquared, Identity, Step, degrees, frobenius2, i, j, k, matrix, sizes,
    symmetric_graph,
)
from .vicreg import cayley_rotation

N, K = 3, 2


def _graph_form(G, Z, d, vol):
    gram = Z * Z.T
    n = G.rows
    return (-2 / vol * sum(G[i, j] * gram[i, j] for i in range(n) for j in range(n))
            + 1 / vol**2 * sum(d[i] * d[j] * gram[i, j] ** 2 for i in range(n) for j in range(n)))


def spectral_contrastive_expansion():
    r""":math:`\mathcal L = \lVert UU^\top - \bar A\rVert_F^2 - \lVert\bar A\rVert_F^2` with :math:`u_i = \sqrt{d_i/\mathrm{vol}}\,z_i`.

    Result ``loss``: the graph form
    :math:`-\frac2{\mathrm{vol}}\sum_{ij}G_{ij}z_i^\top z_j + \frac1{\mathrm{vol}^2}\sum_{ij}d_id_j(z_i^\top z_j)^2`
    in the symbols :math:`g_{ij}` (:math:`N = 3`) and :math:`z_{ik}` (:math:`K = 2`),
    with :math:`d = G\mathbf 1`. Also ``minimal_loss`` :math:`-\nu_1^2 - \nu_2^2`.
    """
    G = symmetric_graph(N)
    Z = matrix("z", N, K, real=True)
    d = degrees(G)
    vol = sum(d)
    # The algebra holds for any positive degrees and volume: use free symbols r_i = sqrt(d_i),
    # v = sqrt(vol) so that no square root of a sum appears.
    r = sympy.symbols(f"r1:{N + 1}", positive=True)
    v = sympy.Symbol("v", positive=True)
    U = sympy.diag(*[ri / v for ri in r]) * Z
    Abar = sympy.Matrix(N, N, lambda i, j: G[i, j] / (r[i] * r[j]))
    generic = _graph_form(G, Z, [ri**2 for ri in r], v**2)
    DZ = sympy.diag(*d) * Z
    Ugen = matrix("u", N, K, real=True)
    Agen = sympy.Matrix(N, N, lambda i, j: sympy.Symbol(f"abar_{min(i, j) + 1}{max(i, j) + 1}", real=True))
    # Eckart-Young value: Abar = V diag(nu) V^T with a general rotation V.
    V = cayley_rotation(3)
    nu = sympy.symbols("nu1:4", positive=True)
    A_spec = V * sympy.diag(*nu) * V.T
    U_star = V[:, :2] * sympy.diag(sympy.sqrt(nu[0]), sympy.sqrt(nu[1]))
    n, c = sizes("N", "K")
    Ui, Ai, Gi, Zi, di = (sympy.IndexedBase(x) for x in ("U", r"\bar{A}", "G", "Z", "d"))
    Um, Am, Zm = sympy.MatrixSymbol("U", n, c), sympy.MatrixSymbol(r"\bar{A}", n, n), sympy.MatrixSymbol("Z", n, c)
    Dh = sympy.MatrixSymbol(r"D_G^{1/2}", n, n)
    Dm = sympy.MatrixSymbol("D_G", n, n)
    inner = lambda M, p, q: sympy.Sum(M[p, k] * M[q, k], (k, 1, c))  # noqa: E731
    expansion = {n: N, c: K, Um: Ugen, Ui: Ugen, Am: Agen, Ai: Agen}
    substituted = {n: N, c: K, Dh: sympy.diag(*r), Zm: Z, Am: Abar, Gi: G, Zi: Z,
                   di: sympy.Matrix([ri**2 for ri in r])}
    computable = {n: N, c: K, di: sympy.Matrix(d), Zi: Z, Zm: Z, Dm: sympy.diag(*d)}
    Vm, Vk = sympy.MatrixSymbol("V", 3, 3), sympy.MatrixSymbol("V_K", 3, 2)
    Nu = sympy.MatrixSymbol(r"\operatorname{diag}(\nu)", 3, 3)
    Nuk = sympy.MatrixSymbol(r"\operatorname{diag}(\sqrt{\nu})_K", 2, 2)
    eckart = {Vm: V, Vk: V[:, :2], Nu: sympy.diag(*nu), Nuk: sympy.diag(sympy.sqrt(nu[0]), sympy.sqrt(nu[1]))}
    Ustar = Vk * Nuk
    Aspec = Vm * Nu * Vm.T
    steps = [
        Step("Expand the Frobenius norm",
             Identity(FrobeniusSquared(Um * Um.T - Am) - FrobeniusSquared(Am),
                      sympy.Sum(inner(Ui, i, j) ** 2 - 2 * Ai[i, j] * inner(Ui, i, j), (i, 1, n), (j, 1, n)),
                      values=expansion),
             ("\\bar A = \\bar A^\\top",), "$\\sum_k U_{ik}U_{jk} = u_i^\\top u_j$."),
        Step("Substitute u_i and the normalised adjacency",
             Identity(FrobeniusSquared(Dh * Zm * Zm.T * Dh / v**2 - Am) - FrobeniusSquared(Am),
                      -2 / v**2 * sympy.Sum(Gi[i, j] * inner(Zi, i, j), (i, 1, n), (j, 1, n))
                      + 1 / v**4 * sympy.Sum(di[i] * di[j] * inner(Zi, i, j) ** 2, (i, 1, n), (j, 1, n)),
                      method="cancel", values=substituted),
             ("d_i > 0", "\\mathrm{vol} = v^2 > 0", "\\bar A = D_G^{-1/2}GD_G^{-1/2}"),
             "$U = D_G^{1/2}Z/v$ is $u_i = \\sqrt{d_i/\\mathrm{vol}}\\,z_i$. Free symbols "
             "$r_i = \\sqrt{d_i}$ and $v = \\sqrt{\\mathrm{vol}}$: the identity holds for any positive "
             f"degrees, in particular $d = G\\mathbf 1$ ($N = {N}$, $K = {K}$)."),
        Step("Computable form",
             Identity(sympy.Sum(di[i] * di[j] * inner(Zi, i, j) ** 2, (i, 1, n), (j, 1, n)),
                      FrobeniusSquared(Zm.T * Dm * Zm), values=computable), ("d = G\\mathbf 1",),
             "What `losses.spectral_contrastive` evaluates (no $N\\times N$ product)."),
        Step("Eckart-Young value",
             Identity(FrobeniusSquared(Ustar * Ustar.T - Aspec) - FrobeniusSquared(Aspec),
                      -(nu[0] ** 2 + nu[1] ** 2), method="cancel", values=eckart),
             ("V^\\top V = I", "\\nu_k > 0"),
             "$\\bar A = V\\operatorname{diag}(\\nu)V^\\top$ with a general $3\\times 3$ rotation $V$ "
             "(Cayley transform) and $U^\\star = V_K\\operatorname{diag}(\\sqrt{\\nu_1}, \\sqrt{\\nu_2})$, rank "
             "$K = 2$. Eckart-Young says no rank-$K$ matrix does better when $\\nu_1 \\ge \\nu_2$ are the "
             "largest eigenvalues; $z_i = \\sqrt{\\mathrm{vol}/d_i}\\,u_i$."),
    ]
    loss = _graph_form(G, Z, d, vol)
    return Derivation(
        name="spectral_contrastive_expansion",
        title="Spectral contrastive = low-rank approximation of the normalised adjacency",
        section="THEORY sections 2 and 3.2",
        statement=(r"With $u_i = \sqrt{d_i/\mathrm{vol}}\,z_i$ and $\bar A = D_G^{-1/2}GD_G^{-1/2}$, the spectral "
                   r"contrastive loss equals $\lVert UU^\top - \bar A\rVert_F^2 - \lVert\bar A\rVert_F^2$; by "
                   r"Eckart-Young its minimum over rank $K$ is $-\sum_{k\le K}\max(0,\nu_k)^2$."),
        steps=steps,
        results={"loss": loss, "minimal_loss": -(nu[0] ** 2 + nu[1] ** 2)},
        arguments={"loss": (G, Z), "minimal_loss": nu[:2]},
        result_name="loss",
        symbols={"G": f"symmetric {N}x{N} relation, entries g_ij (i<j) > 0",
                 "Z": f"{N}x{K} representation", "nu1, nu2": "the two largest eigenvalues of Abar (> 0)"},
    )
