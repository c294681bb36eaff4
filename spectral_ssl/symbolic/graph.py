r"""The Dirichlet identity: every invariance term is a graph Laplacian quadratic form (THEORY section 1)."""

import sympy

from .core import Derivation, Identity, Sign, Step, laplacian, matrix, symmetric_graph

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
    ones = sympy.ones(N, 1)
    pairwise = sum(G[i, j] * sum((Z[i, k] - Z[j, k]) ** 2 for k in range(K))
                   for i in range(N) for j in range(N))
    quadratic = 2 * (Z.T * L * Z).trace()
    expanded_pairs = sum(G[i, j] * (2 * Z[i, k] ** 2 - 2 * Z[i, k] * Z[j, k])
                         for i in range(N) for j in range(N) for k in range(K))
    steps = [
        Step("The constant vector is in the kernel of L", r"L\mathbf 1 = (D_G - G)\mathbf 1 = d - d = 0",
             Identity(L * ones, sympy.zeros(N, 1)), ("G = G^\\top", "G_{ii} = 0"),
             "Rows of $L$ sum to zero: the reason a bias $\\mathbf 1 b^\\top$ never changes an invariance term."),
        Step("Expand the squares and use the symmetry of G",
             r"\sum_{ij}G_{ij}\lVert z_i - z_j\rVert^2 = 2\sum_{ij}G_{ij}(\lVert z_i\rVert^2 - z_i^\top z_j)",
             Identity(pairwise, expanded_pairs), ("G = G^\\top",),
             "The $\\lVert z_j\\rVert^2$ terms equal the $\\lVert z_i\\rVert^2$ terms after swapping $i$ and $j$."),
        Step("Degrees and the Laplacian",
             r"2\sum_{ij}G_{ij}(\lVert z_i\rVert^2 - z_i^\top z_j) = 2\operatorname{tr}(Z^\top D_G Z) - 2\operatorname{tr}(Z^\top G Z) = 2\operatorname{tr}(Z^\top L Z)",
             Identity(expanded_pairs, quadratic), ("d = G\\mathbf 1",)),
        Step("Dirichlet identity", r"\sum_{ij}G_{ij}\lVert z_i - z_j\rVert^2 = 2\operatorname{tr}(Z^\top L Z)",
             Identity(pairwise, quadratic), ("G = G^\\top", "G_{ii} = 0"),
             f"Exact polynomial identity in the {N * (N - 1) // 2} edge weights and {N * K} coordinates "
             f"($N = {N}$, $K = {K}$)."),
        Step("L is positive semi-definite",
             r"\operatorname{tr}(Z^\top L Z) = \tfrac12\sum_{ij}G_{ij}\lVert z_i - z_j\rVert^2 \ge 0",
             Sign(quadratic / 2, "nonnegative", certificate=pairwise / 2, method="expand"),
             ("G_{ij} \\ge 0",),
             "The certificate is a sum of non-negative weights times squares."),
    ]
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
