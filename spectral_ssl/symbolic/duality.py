r"""Sample- vs dimension-contrastive duality (Garrido et al. 2023; THEORY section 5)."""

import sympy

from .core import Derivation, Identity, NotIdentity, Step, frobenius2, matrix


def _offdiag(M):
    return M - sympy.diag(*[M[k, k] for k in range(M.rows)])


def sample_dimension_duality():
    r""":math:`\mathcal L_{dim} - \mathcal L_{sam} = \sum_n\lVert z_n\rVert^4 - \sum_d\lVert Z_{:,d}\rVert^4`.

    :math:`\mathcal L_{sam} = \lVert ZZ^\top - \operatorname{diag}(ZZ^\top)\rVert_F^2`,
    :math:`\mathcal L_{dim} = \lVert Z^\top Z - \operatorname{diag}(Z^\top Z)\rVert_F^2`:
    "diag" is the diagonal part of the same Gram matrix. With the identity in
    its place the formula is false (checked). Result ``difference``
    :math:`\mathcal L_{dim} - \mathcal L_{sam}` for symbolic :math:`Z` (4 x 3).
    """
    Z = matrix("z", 4, 3, real=True)
    samples, dims = Z * Z.T, Z.T * Z
    L_sam, L_dim = frobenius2(_offdiag(samples)), frobenius2(_offdiag(dims))
    row4 = sum(sum(Z[n, k] ** 2 for k in range(Z.cols)) ** 2 for n in range(Z.rows))
    col4 = sum(sum(Z[n, k] ** 2 for n in range(Z.rows)) ** 2 for k in range(Z.cols))
    Z2 = matrix("z", 3, 2, real=True)
    steps = [
        Step("Both Gram matrices have the same Frobenius norm", r"\lVert ZZ^\top\rVert_F^2 = \operatorname{tr}(ZZ^\top ZZ^\top) = \lVert Z^\top Z\rVert_F^2",
             Identity(frobenius2(samples), frobenius2(dims)), (), "Symbolic $Z$, $4\\times 3$."),
        Step("Removing the diagonals", r"\mathcal L_{sam} = \lVert ZZ^\top\rVert_F^2 - \sum_n\lVert z_n\rVert^4,\ \mathcal L_{dim} = \lVert Z^\top Z\rVert_F^2 - \sum_d\lVert Z_{:,d}\rVert^4",
             Identity(sympy.Matrix([L_sam, L_dim]), sympy.Matrix([frobenius2(samples) - row4, frobenius2(dims) - col4])), ()),
        Step("Duality", r"\mathcal L_{dim} - \mathcal L_{sam} = \sum_n\lVert z_n\rVert^4 - \sum_d\lVert Z_{:,d}\rVert^4",
             Identity(L_dim - L_sam, row4 - col4), ("\\operatorname{diag} = \\text{diagonal part of the same Gram matrix}",)),
        Step("Not with diag = identity", r"\lVert Z^\top Z - I\rVert_F^2 - \lVert ZZ^\top - I\rVert_F^2 \ne \sum_n\lVert z_n\rVert^4 - \sum_d\lVert Z_{:,d}\rVert^4",
             NotIdentity(frobenius2(Z2.T * Z2 - sympy.eye(2)) - frobenius2(Z2 * Z2.T - sympy.eye(3)),
                         sum(sum(Z2[n, k] ** 2 for k in range(2)) ** 2 for n in range(3))
                         - sum(sum(Z2[n, k] ** 2 for n in range(3)) ** 2 for k in range(2))),
             (), "The formula needs the diagonal part (symbolic $3\\times 2$ $Z$)."),
        Step("What the identity convention gives instead", r"\lVert Z^\top Z - I_K\rVert_F^2 - \lVert ZZ^\top - I_N\rVert_F^2 = K - N",
             Identity(frobenius2(Z2.T * Z2 - sympy.eye(2)) - frobenius2(Z2 * Z2.T - sympy.eye(3)), 2 - 3), (),
             "A constant: with the identity, the two criteria are equivalent ($N = 3$, $K = 2$)."),
    ]
    return Derivation(
        name="sample_dimension_duality",
        title="Sample- vs dimension-contrastive duality (Garrido et al. 2023)",
        section="THEORY section 5",
        statement=(r"$\lVert Z^\top Z - \operatorname{diag}(Z^\top Z)\rVert_F^2 - \lVert ZZ^\top - "
                   r"\operatorname{diag}(ZZ^\top)\rVert_F^2 = \sum_n\lVert z_n\rVert^4 - \sum_d\lVert Z_{:,d}\rVert^4$: "
                   r"sample-contrastive and dimension-contrastive criteria differ only by the row and column norms."),
        steps=steps,
        results={"difference": L_dim - L_sam, "norms": row4 - col4},
        arguments={"difference": (Z,), "norms": (Z,)},
        result_name="difference",
        symbols={"Z": "4x3 representation (entries z_nd)"},
    )
