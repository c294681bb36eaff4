r"""The machinery of a symbolic derivation: claims, the checks that settle them, reports.

A :class:`Derivation` is an ordered list of :class:`Step` objects. Each step
states one claim (an equality, an inequality with its conditions, a
stationarity / KKT condition or a second-order condition), the assumptions it
uses, and a :class:`Check` that settles it exactly with sympy:

* :class:`Identity`: ``normalise(lhs - rhs) == 0`` (entrywise for matrices),
  with ``normalise`` one of :data:`NORMALISERS` (polynomial expansion, rational
  cancellation, trigonometric or log-exp simplification);
* :class:`NotIdentity`: the difference is *not* zero (documents a convention
  that would make a formula false);
* :class:`Stationary`: the gradient of an objective vanishes at a point, and
  optionally the point is the only solution of the first-order equations;
* :class:`Solves`: a candidate solution satisfies a system of equations;
* :class:`Sign`: an expression is positive / non-negative under the
  assumptions, given as a substitution that encodes the conditions with
  positive or non-negative symbols (e.g. :math:`\lambda = (\alpha+\delta)/\gamma`,
  :math:`\delta \ge 0`), optionally through an explicit certificate
  (``expr == certificate`` exactly, the certificate's sign decided by sympy's
  assumptions, e.g. a sum of squares);
* :class:`Convex`: the Hessian of an objective has eigenvalues that are
  positive under the assumptions (second-order condition);
* :class:`Holds`: any other exact computation, given as a function returning
  ``(passed, message)``.

A step's formula is never written by hand: :meth:`Check.formula` is the
``sympy.latex`` of the very expressions the check decides. A claim about
matrices of any size is written with abstract objects (``MatrixSymbol``,
``IndexedBase`` sums, size symbols, :class:`FrobeniusSquared`) and carries
``values``: the explicit small matrices it is checked with
(:func:`instantiate`), so the text and the check cannot drift apart.

:meth:`Derivation.verify` runs every check and returns a
:class:`Verification` (per step: passed, seconds, message). Derivations render
as Markdown with LaTeX in Jupyter (``_repr_markdown_``) and as text for the
docs (:meth:`Derivation.to_markdown`). Each derivation exposes its result as a
sympy expression (:attr:`Derivation.result`, with more in
:attr:`Derivation.results`), the ordered arguments to evaluate it
(:attr:`Derivation.arguments`) and the meaning of each symbol
(:attr:`Derivation.symbols`); :meth:`Derivation.lambdify` turns it into a
numpy function.
"""

import sympy

from .derivation import Derivation, Step, StepOutcome, Verification
from .expressions import (  # noqa: F401  (re-exported: the derivation modules import them from here)
    FrobeniusSquared, ScalarOf, as_explicit, degrees, frobenius2, i, instantiate, j, k, l, laplacian, matrix,
    off_diagonal2, sizes, symmetric_graph,
)

__all__ = [
    "Check", "Identity", "NotIdentity", "Stationary", "Solves", "Sign", "Convex", "Holds",
    "Step", "Derivation", "StepOutcome", "Verification", "NORMALISERS", "instantiate",
    "symmetric_graph", "matrix", "laplacian", "degrees", "frobenius2", "off_diagonal2",
    "FrobeniusSquared", "ScalarOf", "sizes",
]


# --------------------------------------------------------------------------- normalisers


def _logexp(expr):
    """Split ``exp(a + b)`` into ``exp(a) exp(b)``, pull common factors out of sums, split logs."""
    expr = sympy.expand(expr, power_exp=True, mul=False, multinomial=False)
    expr = expr.replace(lambda e: isinstance(e, sympy.log),
                        lambda e: sympy.log(sympy.factor_terms(e.args[0])))
    expr = sympy.expand_log(expr, force=True)
    return sympy.cancel(sympy.expand(expr))


#: Exact normal forms a check may use; a claim passes when its residual normalises to 0.
NORMALISERS = {
    "expand": sympy.expand,
    "cancel": lambda e: sympy.cancel(sympy.together(e)),
    "simplify": sympy.simplify,
    "trig": lambda e: sympy.simplify(sympy.trigsimp(sympy.expand_trig(e))),
    "logexp": _logexp,
}


def _normaliser(method):
    if callable(method):
        return method
    try:
        return NORMALISERS[method]
    except KeyError:
        raise ValueError(f"method must be one of {sorted(NORMALISERS)} or a callable; got {method!r}.")


def _entries(expr):
    if isinstance(expr, sympy.MatrixBase):
        return list(expr)
    return [sympy.sympify(expr)]


def _residual(lhs, rhs, method, where=None):
    """Entries of ``normalise(lhs - rhs)`` (after the substitution ``where``) that are not 0."""
    lhs, rhs = as_explicit(lhs), as_explicit(rhs)
    if isinstance(lhs, sympy.MatrixBase) != isinstance(rhs, sympy.MatrixBase):
        raise TypeError("lhs and rhs must both be matrices or both be scalars.")
    if isinstance(lhs, sympy.MatrixBase) and lhs.shape != rhs.shape:
        raise ValueError(f"shape mismatch: {lhs.shape} vs {rhs.shape}.")
    diff = lhs - rhs
    norm = _normaliser(method)
    left = []
    for entry in _entries(diff):
        if where:
            entry = entry.subs(where)
        value = norm(entry)
        if value != 0:
            left.append(value)
    return left


def _short(expr, limit=160):
    text = str(expr)
    return text if len(text) <= limit else text[:limit] + " ..."


# --------------------------------------------------------------------------- how checks show their values


def _describe_values(values):
    """``at N = 4, K = 2; Z a symbolic 4x2 matrix`` for a check's ``values``."""
    if not values:
        return ""
    fixed, concrete = [], []
    for key, value in values.items():
        if isinstance(key, sympy.Symbol) and isinstance(value, (int, sympy.Integer)):
            fixed.append(f"${sympy.latex(key)} = {value}$")
        elif isinstance(value, sympy.MatrixBase):
            concrete.append(f"${sympy.latex(key)}$ an explicit ${value.rows}\\times{value.cols}$ matrix")
        elif len(sympy.latex(value)) <= 120:
            concrete.append(f"${sympy.latex(key)} = {sympy.latex(value)}$")
        else:
            concrete.append(f"${sympy.latex(key)}$ an explicit expression")
    concrete = list(dict.fromkeys(concrete))  # a matrix shown both as MatrixSymbol and IndexedBase
    parts = []
    if fixed:
        parts.append("at " + ", ".join(fixed))
    if concrete:
        parts.append("; ".join(concrete))
    return "; instantiated " + "; ".join(parts)


def _substitution(where):
    r"""``\beta = \alpha + \delta,\ t = s`` for a substitution dict."""
    return r",\ ".join(f"{sympy.latex(k)} = {sympy.latex(v)}" for k, v in where.items())


# --------------------------------------------------------------------------- checks


class Check:
    """Base class of the checks.

    ``run()`` returns ``(passed, message)``; ``describe()`` says how it
    decides (Markdown); ``formula()`` is the LaTeX of the claim, generated with
    ``sympy.latex`` from the expressions ``run()`` decides (``None`` when the
    check has no formula). ``values`` (see :func:`instantiate`) maps abstract
    objects of the displayed expressions to the concrete ones the check uses.
    """

    kind = "claim"
    values = None

    def run(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def formula(self):
        return None

    def concrete(self, expr):
        """``expr`` with the check's ``values`` substituted and evaluated (what ``run`` computes with)."""
        return instantiate(expr, self.values)

    def _fields(self):  # pragma: no cover - abstract
        return []

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(self._fields())})"


def _field(name, expr, limit=80):
    return f"{name}={_short(expr, limit)}"


class Identity(Check):
    r"""``lhs == rhs`` exactly: every entry of ``normalise(lhs - rhs)`` is the zero expression.

    Parameters
    ----------
    lhs, rhs : sympy expression or matrix
        Displayed as they are; abstract objects in them are replaced by ``values``
        before the check.
    method : str or callable
        A key of :data:`NORMALISERS` or a function ``expr -> expr``.
    where : dict, optional
        Substitution applied to the residual first (e.g. a constraint solved
        for one symbol); shown in the formula.
    values : dict, optional
        See :func:`instantiate`.
    """

    kind = "equality"
    relation = "="

    def __init__(self, lhs, rhs, *, method="expand", where=None, values=None):
        self.lhs, self.rhs, self.method, self.where, self.values = lhs, rhs, method, where, values

    def _residual(self):
        where = None if not self.where else {var: self.concrete(val) for var, val in self.where.items()}
        return _residual(self.concrete(self.lhs), self.concrete(self.rhs), self.method, where)

    def run(self):
        left = self._residual()
        if left:
            return False, f"{len(left)} nonzero residual entr{'y' if len(left) == 1 else 'ies'}: {_short(left[0])}"
        return True, "residual is exactly 0"

    def formula(self):
        text = f"{sympy.latex(self.lhs)} {self.relation} {sympy.latex(self.rhs)}"
        if self.where:
            text += rf"\qquad\text{{where }} {_substitution(self.where)}"
        return text

    def describe(self):
        name = self.method if isinstance(self.method, str) else getattr(self.method, "__name__", "custom")
        size = ""
        lhs = self.concrete(self.lhs)
        if isinstance(lhs, sympy.MatrixBase):
            size = f" ({lhs.shape[0]}x{lhs.shape[1]} matrix, entrywise)"
        where = " after substituting the condition" if self.where else ""
        return f"`{name}(lhs - rhs) == 0`{size}{where}{_describe_values(self.values)}"

    def _fields(self):
        fields = [_field("lhs", self.lhs), _field("rhs", self.rhs),
                  f"method={self.method!r}" if isinstance(self.method, str) else "method=<custom>"]
        if self.where:
            fields.append(_field("where", self.where))
        if self.values:
            fields.append(f"values=[{', '.join(str(k) for k in self.values)}]")
        return fields


class NotIdentity(Identity):
    """``lhs != rhs``: the residual is a nonzero expression (passes when the formula is false)."""

    kind = "counter-check"
    relation = r"\ne"

    def run(self):
        left = self._residual()
        if left:
            return True, f"not an identity, as claimed: residual {_short(left[0])}"
        return False, "the residual is 0: this IS an identity"

    def describe(self):
        return Identity.describe(self).replace("== 0", "!= 0")


def _as_list(variables):
    if isinstance(variables, (list, tuple)):
        return list(variables)
    return [variables]


class Stationary(Check):
    r"""First-order condition: :math:`\nabla f = 0` at ``point``; with ``unique``, it is the only root.

    Parameters
    ----------
    objective : sympy expression
    variables : Symbol or sequence of Symbols
    point : expression (one variable) or dict ``{variable: value}``
    unique : bool
        Also require ``sympy.solve(grad, variables)`` to return exactly this point.
    method : normaliser for the gradient at the point.
    values : dict, optional
        See :func:`instantiate` (applied to the objective).
    """

    kind = "stationarity"

    def __init__(self, objective, variables, point, *, unique=False, method="cancel", values=None):
        self.objective = objective
        self.variables = _as_list(variables)
        if not isinstance(point, dict):
            point = {self.variables[0]: point}
        self.point, self.unique, self.method, self.values = point, unique, method, values

    def run(self):
        objective = self.concrete(self.objective)
        grad = [sympy.diff(objective, v) for v in self.variables]
        norm = _normaliser(self.method)
        left = [norm(g.subs(self.point)) for g in grad]
        bad = [r for r in left if r != 0]
        if bad:
            return False, f"gradient at the point is not 0: {_short(bad[0])}"
        if self.unique:
            roots = sympy.solve(grad, self.variables, dict=True)
            wanted = {v: sympy.sympify(self.point[v]) for v in self.variables}
            same = len(roots) == 1 and all(
                norm(roots[0].get(v, v) - wanted[v]) == 0 for v in self.variables)
            if not same:
                return False, f"first-order equations have roots {_short(roots)}, not only the point"
            return True, "gradient vanishes at the point, which is the only root"
        return True, "gradient vanishes at the point"

    def formula(self):
        derivatives = r",\ ".join(
            sympy.latex(sympy.Derivative(self.objective, v, evaluate=False)) for v in self.variables)
        relation = r"\iff" if self.unique else r"\ \text{at}\ "
        return f"{derivatives} = 0 {relation} {_substitution(self.point)}"

    def describe(self):
        text = "`diff`, then substitute the point and normalise to 0"
        if self.unique:
            text += "; `solve` returns that point only"
        return text + _describe_values(self.values)

    def _fields(self):
        return [_field("objective", self.objective), f"variables={self.variables}",
                _field("point", self.point), f"unique={self.unique}"]


class Solves(Check):
    """Every equation (an expression meant to be 0, or a sympy ``Eq``) holds at ``solution``."""

    kind = "KKT"

    def __init__(self, equations, solution, *, method="cancel", values=None):
        self.equations = [e.lhs - e.rhs if isinstance(e, sympy.Equality) else e
                          for e in _as_list(equations)]
        self.solution, self.method, self.values = solution, method, values

    def run(self):
        norm = _normaliser(self.method)
        for k, eq in enumerate(self.equations):
            value = norm(self.concrete(eq).subs(
                {var: self.concrete(val) for var, val in self.solution.items()}))
            if value != 0:
                return False, f"equation {k + 1} leaves {_short(value)}"
        return True, f"all {len(self.equations)} equations hold exactly"

    def formula(self):
        equations = r",\ ".join(f"{sympy.latex(eq)} = 0" for eq in self.equations)
        return rf"{equations}\qquad\text{{at }} {_substitution(self.solution)}"

    def describe(self):
        return (f"substitute the solution into {len(self.equations)} equation(s); each "
                f"`{self.method}`s to 0{_describe_values(self.values)}")

    def _fields(self):
        return [f"equations=[{', '.join(_short(e, 60) for e in self.equations)}]",
                _field("solution", self.solution)]


_SIGNS = {"positive": "is_positive", "nonnegative": "is_nonnegative",
          "negative": "is_negative", "nonpositive": "is_nonpositive"}
_RELATIONS = {"positive": "> 0", "nonnegative": r"\ge 0", "negative": "< 0", "nonpositive": r"\le 0"}


class Sign(Check):
    r"""``expr`` is positive / non-negative (or negative / non-positive) under the assumptions.

    The conditions are encoded by ``where``, a substitution in terms of
    symbols declared ``positive=True`` or ``nonnegative=True``; sympy's
    assumption system must then decide the sign (``None`` = undecided =
    failure). With ``certificate``, the check instead requires
    ``expr == certificate`` exactly (``method``) and the certificate to have
    the sign (e.g. a sum of squares).
    """

    kind = "inequality"

    def __init__(self, expr, sign="nonnegative", *, where=None, certificate=None, method="cancel",
                 values=None):
        if sign not in _SIGNS:
            raise ValueError(f"sign must be one of {sorted(_SIGNS)}; got {sign!r}.")
        self.expr, self.sign, self.where = sympy.sympify(expr), sign, where
        self.certificate, self.method, self.values = certificate, method, values

    def run(self):
        expr = self.concrete(self.expr)
        if self.where:
            expr = expr.subs({var: self.concrete(val) for var, val in self.where.items()})
        norm = _normaliser(self.method)
        if self.certificate is not None:
            gap = norm(expr - self.concrete(self.certificate))
            if gap != 0:
                return False, f"expression differs from its certificate by {_short(gap)}"
            target = self.concrete(self.certificate)
        else:
            target = norm(expr)
        decided = getattr(target, _SIGNS[self.sign])
        if decided is True:
            how = "certificate" if self.certificate is not None else "sympy assumptions"
            return True, f"{self.sign} ({how})"
        return False, f"sign not proved ({_SIGNS[self.sign]} = {decided}) for {_short(target)}"

    def formula(self):
        text = sympy.latex(self.expr)
        if self.where:
            text = rf"\left.{text}\right|_{{{_substitution(self.where)}}}"
        if self.certificate is not None:
            text += f" = {sympy.latex(self.certificate)}"
        return f"{text} {_RELATIONS[self.sign]}"

    def describe(self):
        if self.certificate is not None:
            text = (f"`{self.method}` of the difference with the certificate is 0, and "
                    f"`{_SIGNS[self.sign]}` of the certificate is decided by sympy's assumptions")
        else:
            text = f"`{_SIGNS[self.sign]}` decided by sympy's assumptions"
        if self.where:
            text += " after substituting the conditions"
        return text + _describe_values(self.values)

    def _fields(self):
        fields = [_field("expr", self.expr), f"sign={self.sign!r}"]
        if self.where:
            fields.append(_field("where", self.where))
        if self.certificate is not None:
            fields.append(_field("certificate", self.certificate))
        return fields


class Convex(Check):
    r"""Second-order condition: the Hessian of ``objective`` has eigenvalues positive under the assumptions.

    Each eigenvalue sympy computes must be ``is_positive`` (or
    ``is_nonnegative`` with ``strict=False``).
    """

    kind = "second-order"

    def __init__(self, objective, variables, *, strict=True, values=None):
        self.objective, self.variables, self.strict = objective, _as_list(variables), strict
        self.values = values

    def run(self):
        H = sympy.hessian(self.concrete(self.objective), self.variables)
        if any(h.free_symbols & set(self.variables) for h in H):
            return False, "Hessian depends on the variables: not a quadratic form; use Sign on it"
        eig = H.eigenvals()
        attr = "is_positive" if self.strict else "is_nonnegative"
        for value in eig:
            value = sympy.simplify(value)
            if getattr(value, attr) is not True:
                return False, f"Hessian eigenvalue {_short(value)} not proved {attr[3:]}"
        listing = ", ".join(f"{_short(sympy.simplify(v), 40)} (x{m})" for v, m in eig.items())
        return True, f"Hessian eigenvalues {listing}: all {'positive' if self.strict else 'non-negative'}"

    def formula(self):
        names = ", ".join(sympy.latex(v) for v in self.variables)
        relation = r"\succ 0" if self.strict else r"\succeq 0"
        return rf"\nabla^2_{{{names}}}\left[{sympy.latex(self.objective)}\right] {relation}"

    def describe(self):
        word = "positive" if self.strict else "non-negative"
        return (f"every eigenvalue of the Hessian (`hessian`, `eigenvals`) is {word} by sympy's "
                f"assumptions{_describe_values(self.values)}")

    def _fields(self):
        return [_field("objective", self.objective), f"variables={self.variables}",
                f"strict={self.strict}"]


class Holds(Check):
    """Any other exact computation: ``function()`` returns ``(passed, message)``.

    It has no formula: ``description`` says in words what ``function`` computes.
    """

    def __init__(self, function, description, *, kind="claim"):
        self.function, self.description, self.kind = function, description, kind

    def run(self):
        passed, message = self.function()
        return bool(passed), str(message)

    def describe(self):
        return self.description

    def _fields(self):
        return [f"function={getattr(self.function, '__name__', 'function')}",
                _field("description", self.description, 60), f"kind={self.kind!r}"]
