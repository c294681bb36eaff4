r"""The Dirichlet identity: every invariance term is a graph Laplacian quadratic form (THEORY section 1)."""

import sympy

from .core import Derivation, Identity, Sign, Step, i, instantiate, j, k, laplacian, matrix, sizes, symmetric_graph

#: Fixed sizes of the symbolic check.
N, K = 4, 2


def dirichlet_identity():
    r""":math:`\sum_{ij} G_{ij}\lVert z_i - z_j\rVert^2 = 2\operatorname{tr}(Z^\top L Z)`.

    Checked as an exact polynomial identity with a symbolic symmetric
    zero-diagonal :math:`G` (:math:`N = 4`) and symbolic :math:`Z`
    (:math:`4\times 2`). Result: the pairwise sum, a function of the
    :math:`g_{ij}` (:math:`i<j`) and :math:`z_{ik}`.
    """
    G = symmetric_graph(N)
    Z = matrix("z", N, K, real=True)
    L = laplacian(G)
    n, c = sizes("N", "K")
    Gi, Zi = sympy.IndexedBase("G"), sympy.IndexedBase("Z")
    Lm, Zm = sympy.MatrixSymbol("L", n, n), sympy.MatrixSymbol("Z", n, c)
    ones = sympy.MatrixSymbol(r"\mathbf{1}", n, 1)
    # The abstract claims (any N, K) and the explicit objects they are checked with.
    values = {n: N, c: K, Gi: G, Zi: Z, Lm: L, Zm: Z, ones: sympy.ones(N, 1)}
    pairwise = sympy.Sum(Gi[i, j] * sympy.Sum((Zi[i, k] - Zi[j, k]) ** 2, (k, 1, c)), (i, 1, n), (j, 1, n))
    expanded = 2 * sympy.Sum(Gi[i, j] * sympy.Sum(Zi[i, k] ** 2 - Zi[i, k] * Zi[j, k], (k, 1, c)),
                             (i, 1, n), (j, 1, n))
    quadratic = 2 * sympy.Trace(Zm.T * Lm * Zm)
    steps = [
        Step("The constant vector is in the kernel of L",
             Identity(Lm * ones, sympy.ZeroMatrix(n, 1), values=values), ("G = G^\\top", "G_{ii} = 0"),
             "Rows of $L = D_G - G$ sum to zero: the reason a bias $\\mathbf 1 b^\\top$ never changes an "
             "invariance term."),
        Step("Expand the squares and use the symmetry of G",
             Identity(pairwise, expanded, values=values), ("G = G^\\top",),
             "The $Z_{j,k}^2$ terms equal the $Z_{i,k}^2$ terms after swapping $i$ and $j$."),
        Step("Degrees and the Laplacian",
             Identity(expanded, quadratic, values=values), ("d = G\\mathbf 1", "L = D_G - G"),
             "The first sum is $2\\operatorname{tr}(Z^\\top D_G Z)$, the second $2\\operatorname{tr}(Z^\\top G Z)$."),
        Step("Dirichlet identity",
             Identity(pairwise, quadratic, values=values), ("G = G^\\top", "G_{ii} = 0"),
             f"Exact polynomial identity in the {N * (N - 1) // 2} edge weights and {N * K} coordinates."),
        Step("L is positive semi-definite",
             Sign(quadratic / 2, "nonnegative", certificate=pairwise / 2, method="expand", values=values),
             ("G_{ij} \\ge 0",),
             "The certificate is a sum of non-negative weights times squares."),
    ]
    pairwise, quadratic = instantiate(pairwise, values), instantiate(quadratic, values)
    return Derivation(
        name="dirichlet_identity",
        title="Dirichlet identity",
        section="THEORY section 1 (used by every invariance term)",
        statement=(r"For a symmetric, zero-diagonal relation $G$ with degrees $d = G\mathbf 1$ and "
                   r"Laplacian $L = D_G - G$: $\sum_{ij} G_{ij}\lVert z_i - z_j\rVert^2 = "
                   r"2\operatorname{tr}(Z^\top L Z)$, so the VICReg invariance term "
                   r"$\frac{\gamma}{N}\sum_{ij}G_{ij}\lVert z_i - z_j\rVert^2$ is "
                   r"$\frac{2\gamma}{N}\operatorname{tr}(Z^\top L Z)$."),
        steps=steps,
        results={"result": pairwise, "quadratic_form": quadratic},
        arguments={"result": (G, Z), "quadratic_form": (G, Z)},
        symbols={"G": f"symmetric {N}x{N} relation, zero diagonal, entries g_ij (i<j) > 0",
                 "Z": f"{N}x{K} representation, entries z_ik"},
    )
