r"""Symbolic building blocks of the derivations and the instantiation of abstract claims.

A claim about matrices of any size is written with abstract sympy objects (``MatrixSymbol``,
``IndexedBase`` sums over size symbols, :class:`FrobeniusSquared`, :class:`ScalarOf`); the checks
of :mod:`spectral_ssl.symbolic.core` replace them by explicit small matrices with
:func:`instantiate` before deciding the claim.
"""

import sympy

__all__ = [
    "instantiate", "FrobeniusSquared", "ScalarOf", "sizes", "matrix", "symmetric_graph", "degrees",
    "laplacian", "frobenius2", "off_diagonal2", "as_explicit",
]


def as_explicit(expr):
    """An explicit matrix for a matrix expression of known shape; anything else unchanged."""
    if isinstance(expr, sympy.MatrixExpr) and not isinstance(expr, sympy.MatrixBase):
        return expr.as_explicit()
    return expr


def instantiate(expr, values):
    r"""Replace the abstract objects of ``expr`` by the concrete values a check computes with.

    A claim about matrices of any size is written with abstract sympy objects
    (``MatrixSymbol``, ``IndexedBase``, size symbols such as :math:`N`, undefined
    functions such as :math:`F(t_1, t_2)`) so that its LaTeX is readable and
    general; ``values`` maps each of them to what the check uses instead: an
    integer size, an explicit matrix of symbols, or an expression. The result
    is evaluated (sums, traces, derivatives and matrix products carried out).

    Parameters
    ----------
    expr : sympy expression or matrix
    values : dict or None
        ``{Symbol: int or expression, MatrixSymbol: Matrix, IndexedBase: Matrix
        (1-based indices), AppliedUndef: expression}``; a ``MatrixSymbol`` whose
        shape uses a size symbol is matched after the sizes are substituted.

    Examples
    --------
    >>> import sympy
    >>> N = sympy.Symbol("N", integer=True, positive=True)
    >>> i = sympy.Symbol("i", integer=True)
    >>> x = sympy.IndexedBase("x")
    >>> instantiate(sympy.Sum(x[i] ** 2, (i, 1, N)), {N: 2, x: sympy.Matrix([3, 4])})
    25
    """
    if not values:
        return expr
    scalars = {k: v for k, v in values.items() if isinstance(k, sympy.Symbol)}
    bases = {k: v for k, v in values.items() if isinstance(k, sympy.IndexedBase)}
    others = {k: v for k, v in values.items()
              if not isinstance(k, (sympy.Symbol, sympy.IndexedBase, sympy.MatrixSymbol))}
    matrices = {k.xreplace(scalars): sympy.ImmutableMatrix(v) for k, v in values.items()
                if isinstance(k, sympy.MatrixSymbol)}
    out = sympy.sympify(expr).xreplace(scalars)
    out = out.xreplace(others) if others else out
    out = _unroll_sums(out).doit()
    if bases:
        out = out.replace(lambda e: isinstance(e, sympy.Indexed) and e.base in bases,
                          lambda e: _entry(bases[e.base], e.indices))
    if matrices:
        out = out.xreplace(matrices)
    # identity and zero matrices of a now known size become explicit, so products evaluate
    out = out.replace(lambda e: isinstance(e, (sympy.Identity, sympy.ZeroMatrix))
                      and e.shape[0].is_Integer and e.shape[1].is_Integer,
                      lambda e: sympy.ImmutableMatrix(e.as_explicit()))
    return as_explicit(out.doit())


def _unroll_sums(expr):
    """Write every sum with integer limits out term by term (much faster than ``Sum.doit``)."""
    def unroll(total):
        function, limits = total.function, total.limits
        terms = [function]
        for var, low, high in reversed(limits):
            terms = [term.xreplace({var: sympy.Integer(v)}) for term in terms
                     for v in range(int(low), int(high) + 1)]
        return sympy.Add(*terms)

    return expr.replace(lambda e: isinstance(e, sympy.Sum) and all(
        low.is_Integer and high.is_Integer for _, low, high in e.limits), unroll)


def _entry(values, indices):
    """Entry of an explicit matrix (or vector, one index) at 1-based ``indices``."""
    position = tuple(int(index) - 1 for index in indices)
    return values[position[0]] if len(position) == 1 else values[position]


def matrix(name, rows, cols, **assumptions):
    """Explicit matrix of symbols ``name_ij`` (1-based indices), from ``z_11`` to ``z_NK`` for ``z``."""
    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(f"{name}_{i + 1}{j + 1}", **assumptions))


def symmetric_graph(n, name="g", **assumptions):
    """Symmetric ``n x n`` matrix with zero diagonal and one symbol ``g_ij`` per pair ``i < j``."""
    assumptions = assumptions or {"positive": True}
    G = sympy.zeros(n, n)
    for i in range(n):
        for j in range(i + 1, n):
            G[i, j] = G[j, i] = sympy.Symbol(f"{name}_{i + 1}{j + 1}", **assumptions)
    return G


def degrees(G):
    """Degree vector :math:`d = G\\mathbf 1` as a list."""
    return [sum(G.row(i)) for i in range(G.rows)]


def laplacian(G):
    """Combinatorial Laplacian :math:`L = D_G - G`."""
    return sympy.diag(*degrees(G)) - G


def frobenius2(M):
    """Squared Frobenius norm."""
    return sum(x**2 for x in M)


def off_diagonal2(M):
    """Sum of squared off-diagonal entries."""
    return sum(M[i, j] ** 2 for i in range(M.rows) for j in range(M.cols) if i != j)


class _UnevaluatedReduction(sympy.Expr):
    """A number read off a matrix expression, kept unevaluated until the matrix is explicit.

    ``doit()`` evaluates the matrix expression; once it holds no ``MatrixSymbol``
    it is made explicit and :meth:`reduce` gives the number, otherwise the
    wrapper stays around the evaluated expression. Subclasses define
    :meth:`reduce` and ``_latex``.
    """

    is_commutative = True

    def __new__(cls, matrix):
        return sympy.Expr.__new__(cls, sympy.sympify(matrix))

    @staticmethod
    def reduce(explicit):
        """The number of an explicit ``sympy.MatrixBase``."""
        raise NotImplementedError

    def doit(self, **hints):
        inner = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        if not inner.atoms(sympy.MatrixSymbol):
            inner = as_explicit(inner)
        if isinstance(inner, sympy.MatrixBase):
            return self.reduce(inner)
        return type(self)(inner)


class FrobeniusSquared(_UnevaluatedReduction):
    r"""The squared Frobenius norm :math:`\lVert M\rVert_F^2` of a matrix expression, unevaluated.

    It prints as :math:`\lVert M\rVert_F^2`; ``doit()`` of an explicit matrix
    is the sum of its squared entries (what :func:`frobenius2` computes), so a
    claim can show the norm of an abstract ``MatrixSymbol`` expression and be
    checked on explicit matrices (:func:`instantiate`).
    """

    @staticmethod
    def reduce(explicit):
        r""":math:`\sum_{ij} M_{ij}^2` (:func:`frobenius2`)."""
        return frobenius2(explicit)

    def _latex(self, printer):
        return rf"\left\lVert {printer._print(self.args[0])}\right\rVert_F^{{2}}"


def sizes(*names):
    """Positive integer size symbols, e.g. ``N, K = sizes("N", "K")``."""
    out = sympy.symbols(names, integer=True, positive=True)
    return out if len(names) > 1 else out[0]


#: Summation indices of the abstract claims.
i, j, k, l = sympy.symbols("i j k l", integer=True)


class ScalarOf(_UnevaluatedReduction):
    r"""The one entry of a :math:`1\times 1` matrix expression (e.g. :math:`q^\top B q`), unevaluated.

    Prints as the matrix expression; ``doit()`` of an explicit matrix is its entry.
    """

    @staticmethod
    def reduce(explicit):
        """The entry :math:`M_{11}`."""
        return explicit[0, 0]

    def _latex(self, printer):
        return printer._print(self.args[0])
