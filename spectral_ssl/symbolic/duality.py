r"""Sample- vs dimension-contrastive duality (Garrido et al. 2023; THEORY section 5)."""

import sympy

from .core import Derivation, FrobeniusSquared, Identity, NotIdentity, Step, instantiate, matrix, sizes


def sample_dimension_duality():
    r""":math:`\mathcal L_{dim} - \mathcal L_{sam} = \sum_n\lVert z_n\rVert^4 - \sum_d\lVert Z_{:,d}\rVert^4`.

    :math:`\mathcal L_{sam} = \lVert ZZ^\top - \operatorname{diag}(ZZ^\top)\rVert_F^2`,
    :math:`\mathcal L_{dim} = \lVert Z^\top Z - \operatorname{diag}(Z^\top Z)\rVert_F^2`:
    "diag" is the diagonal part of the same Gram matrix. With the identity in
    its place the formula is false (checked). Result ``difference``
    :math:`\mathcal L_{dim} - \mathcal L_{sam}` for symbolic :math:`Z` (4 x 3).
    """
    Z = matrix("z", 4, 3, real=True)
    Z2 = matrix("z", 3, 2, real=True)
    # Abstract claims (any N, K) and the explicit matrices they are checked with.
    ii, kk = sympy.symbols("n d", integer=True)
    n, c = sizes("N", "K")
    Zm, Zi = sympy.MatrixSymbol("Z", n, c), sympy.IndexedBase("Z")
    In, Ic = sympy.Identity(n), sympy.Identity(c)
    values = {n: 4, c: 3, Zm: Z, Zi: Z}
    small = {n: 3, c: 2, Zm: Z2, Zi: Z2}
    off_part = lambda M, eye: M - sympy.HadamardProduct(M, eye)  # noqa: E731  (M minus its diagonal part)
    rows4 = sympy.Sum(sympy.Sum(Zi[ii, kk] ** 2, (kk, 1, c)) ** 2, (ii, 1, n))
    cols4 = sympy.Sum(sympy.Sum(Zi[ii, kk] ** 2, (ii, 1, n)) ** 2, (kk, 1, c))
    L_sam = FrobeniusSquared(off_part(Zm * Zm.T, In))
    L_dim = FrobeniusSquared(off_part(Zm.T * Zm, Ic))
    with_identity = FrobeniusSquared(Zm.T * Zm - Ic) - FrobeniusSquared(Zm * Zm.T - In)
    steps = [
        Step("Both Gram matrices have the same Frobenius norm",
             Identity(FrobeniusSquared(Zm * Zm.T), FrobeniusSquared(Zm.T * Zm), values=values), (),
             "Both equal $\\operatorname{tr}(ZZ^\\top ZZ^\\top)$; symbolic $Z$, $4\\times 3$."),
        Step("Removing the diagonals",
             Identity(sympy.Matrix([L_sam, L_dim]),
                      sympy.Matrix([FrobeniusSquared(Zm * Zm.T) - rows4, FrobeniusSquared(Zm.T * Zm) - cols4]),
                      values=values), (),
             "$M \\circ \\mathbb I$ is the diagonal part of $M$: the diagonal of $ZZ^\\top$ holds the squared "
             "row norms $\\lVert z_n\\rVert^2$, that of $Z^\\top Z$ the squared column norms."),
        Step("Duality", Identity(L_dim - L_sam, rows4 - cols4, values=values),
             ("\\operatorname{diag} = \\text{diagonal part of the same Gram matrix}",)),
        Step("Not with diag = identity", NotIdentity(with_identity, rows4 - cols4, values=small),
             (), "The formula needs the diagonal part (symbolic $3\\times 2$ $Z$)."),
        Step("What the identity convention gives instead", Identity(with_identity, c - n, values=small), (),
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
        results={"difference": instantiate(L_dim - L_sam, values), "norms": instantiate(rows4 - cols4, values)},
        arguments={"difference": (Z,), "norms": (Z,)},
        result_name="difference",
        symbols={"Z": "4x3 representation (entries z_nd)"},
    )
