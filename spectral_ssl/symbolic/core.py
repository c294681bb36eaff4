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

import time
from dataclasses import dataclass, field

import sympy

__all__ = [
    "Check", "Identity", "NotIdentity", "Stationary", "Solves", "Sign", "Convex", "Holds",
    "Step", "Derivation", "StepOutcome", "Verification", "NORMALISERS",
    "symmetric_graph", "matrix", "laplacian", "degrees", "frobenius2", "off_diagonal2",
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
    lhs, rhs = _as_explicit(lhs), _as_explicit(rhs)
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


def _as_explicit(expr):
    if isinstance(expr, sympy.MatrixExpr) and not isinstance(expr, sympy.MatrixBase):
        return expr.as_explicit()
    return expr


def _short(expr, limit=160):
    text = str(expr)
    return text if len(text) <= limit else text[:limit] + " ..."


def _latex(expr, limit=400):
    """LaTeX of an expression, or ``None`` when it is too long to be worth showing."""
    text = sympy.latex(expr)
    return text if len(text) <= limit else None


# --------------------------------------------------------------------------- checks


class Check:
    """Base class: ``run()`` returns ``(passed, message)``; ``describe()`` says how it decides."""

    kind = "claim"

    def run(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self):  # pragma: no cover - abstract
        raise NotImplementedError


class Identity(Check):
    r"""``lhs == rhs`` exactly: every entry of ``normalise(lhs - rhs)`` is the zero expression.

    Parameters
    ----------
    lhs, rhs : sympy expression or explicit matrix
    method : str or callable
        A key of :data:`NORMALISERS` or a function ``expr -> expr``.
    where : dict, optional
        Substitution applied to the residual first (e.g. a constraint solved
        for one symbol).
    """

    kind = "equality"

    def __init__(self, lhs, rhs, *, method="expand", where=None):
        self.lhs, self.rhs, self.method, self.where = lhs, rhs, method, where

    def run(self):
        left = _residual(self.lhs, self.rhs, self.method, self.where)
        if left:
            return False, f"{len(left)} nonzero residual entr{'y' if len(left) == 1 else 'ies'}: {_short(left[0])}"
        return True, "residual is exactly 0"

    def describe(self):
        name = self.method if isinstance(self.method, str) else getattr(self.method, "__name__", "custom")
        size = ""
        lhs = _as_explicit(self.lhs)
        if isinstance(lhs, sympy.MatrixBase):
            size = f" ({lhs.shape[0]}x{lhs.shape[1]} matrix, entrywise)"
        where = " after substituting the constraint" if self.where else ""
        return f"`{name}(lhs - rhs) == 0`{size}{where}"


class NotIdentity(Identity):
    """``lhs != rhs``: the residual is a nonzero expression (passes when the formula is false)."""

    kind = "counter-check"

    def run(self):
        left = _residual(self.lhs, self.rhs, self.method, self.where)
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
    """

    kind = "stationarity"

    def __init__(self, objective, variables, point, *, unique=False, method="cancel"):
        self.objective = objective
        self.variables = _as_list(variables)
        if not isinstance(point, dict):
            point = {self.variables[0]: point}
        self.point, self.unique, self.method = point, unique, method

    def run(self):
        grad = [sympy.diff(self.objective, v) for v in self.variables]
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

    def describe(self):
        names = ", ".join(sympy.latex(v) for v in self.variables)
        point = _latex(sympy.Tuple(*[sympy.Eq(k, v) for k, v in self.point.items()]), 300)
        text = f"$\\nabla_{{{names}}} f = 0$"
        if point:
            text += f" at ${point}$"
        if self.unique:
            text += "; `solve` returns that point only"
        return text


class Solves(Check):
    """Every equation (an expression meant to be 0, or a sympy ``Eq``) holds at ``solution``."""

    kind = "KKT"

    def __init__(self, equations, solution, *, method="cancel"):
        self.equations = [e.lhs - e.rhs if isinstance(e, sympy.Equality) else e
                          for e in _as_list(equations)]
        self.solution, self.method = solution, method

    def run(self):
        norm = _normaliser(self.method)
        for k, eq in enumerate(self.equations):
            value = norm(eq.subs(self.solution))
            if value != 0:
                return False, f"equation {k + 1} leaves {_short(value)}"
        return True, f"all {len(self.equations)} equations hold exactly"

    def describe(self):
        return f"substitute the solution into {len(self.equations)} equation(s); each `{self.method}`s to 0"


_SIGNS = {"positive": "is_positive", "nonnegative": "is_nonnegative",
          "negative": "is_negative", "nonpositive": "is_nonpositive"}


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

    def __init__(self, expr, sign="nonnegative", *, where=None, certificate=None, method="cancel"):
        if sign not in _SIGNS:
            raise ValueError(f"sign must be one of {sorted(_SIGNS)}; got {sign!r}.")
        self.expr, self.sign, self.where = sympy.sympify(expr), sign, where
        self.certificate, self.method = certificate, method

    def run(self):
        expr = self.expr.subs(self.where) if self.where else self.expr
        norm = _normaliser(self.method)
        if self.certificate is not None:
            gap = norm(expr - self.certificate)
            if gap != 0:
                return False, f"expression differs from its certificate by {_short(gap)}"
            target = self.certificate
        else:
            target = norm(expr)
        decided = getattr(target, _SIGNS[self.sign])
        if decided is True:
            how = "certificate" if self.certificate is not None else "sympy assumptions"
            return True, f"{self.sign} ({how})"
        return False, f"sign not proved ({_SIGNS[self.sign]} = {decided}) for {_short(target)}"

    def describe(self):
        text = f"`{_SIGNS[self.sign]}` decided by sympy's assumptions"
        if self.certificate is not None:
            cert = _latex(self.certificate, 200)
            text = (f"equals the certificate ${cert}$, whose sign " if cert else
                    "equals a certificate whose sign ") + "sympy's assumptions decide"
        if self.where:
            text += ", conditions substituted as " + ", ".join(
                f"${sympy.latex(k)} = {sympy.latex(v)}$" for k, v in self.where.items())
        return text


class Convex(Check):
    r"""Second-order condition: the Hessian of ``objective`` has eigenvalues positive under the assumptions.

    ``eigenvalues`` may be supplied (with their multiplicities) as a check on
    sympy's own computation; otherwise sympy computes them. Each must be
    ``is_positive`` (or ``is_nonnegative`` with ``strict=False``).
    """

    kind = "second-order"

    def __init__(self, objective, variables, *, strict=True):
        self.objective, self.variables, self.strict = objective, _as_list(variables), strict

    def run(self):
        H = sympy.hessian(self.objective, self.variables)
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

    def describe(self):
        names = ", ".join(sympy.latex(v) for v in self.variables)
        word = "positive" if self.strict else "non-negative"
        return f"every eigenvalue of $\\nabla^2_{{{names}}} f$ is {word} (`eigenvals` + assumptions)"


class Holds(Check):
    """Any other exact computation: ``function()`` returns ``(passed, message)``."""

    def __init__(self, function, description, *, kind="claim"):
        self.function, self.description, self.kind = function, description, kind

    def run(self):
        passed, message = self.function()
        return bool(passed), str(message)

    def describe(self):
        return self.description


# --------------------------------------------------------------------------- steps and derivations


@dataclass
class Step:
    """One claim of a derivation.

    Attributes
    ----------
    title : str
        A few words.
    claim : str
        The claim in LaTeX (without ``$``), stated in general.
    check : Check
        The exact computation that settles it (on small fixed sizes where the
        claim is about matrices; the sizes are said in ``note``).
    assumptions : tuple of str
        LaTeX conditions the claim relies on.
    note : str
        Why the step holds / what it contributes (Markdown).
    """

    title: str
    claim: str
    check: Check
    assumptions: tuple = ()
    note: str = ""

    @property
    def kind(self):
        return self.check.kind


@dataclass
class StepOutcome:
    """The result of running one step's check."""

    index: int
    title: str
    kind: str
    passed: bool
    seconds: float
    message: str


@dataclass
class Verification:
    """The report of :meth:`Derivation.verify`."""

    name: str
    title: str
    steps: list
    seconds: float

    @property
    def passed(self):
        return all(s.passed for s in self.steps)

    @property
    def failed(self):
        return [s for s in self.steps if not s.passed]

    @property
    def message(self):
        n = len(self.steps)
        if self.passed:
            return f"{n}/{n} steps verified"
        first = self.failed[0]
        return (f"{n - len(self.failed)}/{n} steps verified; step {first.index} "
                f"'{first.title}' failed: {first.message}")

    def to_markdown(self):
        lines = [f"| step | kind | status | seconds | message |", "|---|---|---|---|---|"]
        for s in self.steps:
            status = "verified" if s.passed else "**FAILED**"
            message = s.message.replace("|", "\\|")
            lines.append(f"| {s.index}. {s.title} | {s.kind} | {status} | {s.seconds:.3f} | {message} |")
        head = f"**{self.title}**: {self.message} ({self.seconds:.2f} s)"
        return head + "\n\n" + "\n".join(lines) + "\n"

    def _repr_markdown_(self):
        return self.to_markdown()


@dataclass(repr=False)
class Derivation:
    r"""An ordered list of steps leading to one result.

    Attributes
    ----------
    name : str
        Identifier (``"vicreg_scales"``).
    title : str
    statement : str
        The theorem in Markdown with LaTeX.
    steps : list of Step
    result : sympy expression or Matrix
        The derived formula (:attr:`results` ``[result_name]``).
    results : dict
        All formulas the derivation exposes, by name.
    arguments : dict
        For each result name, the ordered arguments of :meth:`lambdify`: symbols,
        or explicit matrices of symbols (their numpy counterpart is passed as
        one array; repeated or constant entries such as the symmetric half or
        the zero diagonal of a graph are ignored).
    symbols : dict
        Symbol name -> meaning.
    section : str
        Where in the theory the result lives.
    """

    name: str
    title: str
    statement: str
    steps: list
    results: dict
    arguments: dict
    symbols: dict
    result_name: str = "result"
    section: str = ""
    _last: Verification = field(default=None, repr=False)

    @property
    def result(self):
        return self.results[self.result_name]

    def verify(self):
        """Run every step's check; return a :class:`Verification` (a failing check never raises)."""
        outcomes = []
        start = time.perf_counter()
        for index, step in enumerate(self.steps, 1):
            t0 = time.perf_counter()
            try:
                passed, message = step.check.run()
            except Exception as exc:  # a check that crashes has failed; say why
                passed, message = False, f"{type(exc).__name__}: {exc}"
            outcomes.append(StepOutcome(index, step.title, step.kind, bool(passed),
                                        time.perf_counter() - t0, message))
        self._last = Verification(self.name, self.title, outcomes, time.perf_counter() - start)
        return self._last

    @property
    def verification(self):
        """The last :class:`Verification`, or ``None`` before :meth:`verify` ran."""
        return self._last

    def lambdify(self, name=None, modules="numpy"):
        """A numpy function evaluating ``results[name]`` (default: the main result).

        Its positional arguments are ``arguments[name]``: scalars for symbols,
        arrays for explicit symbolic matrices.
        """
        name = self.result_name if name is None else name
        expr = self.results[name]
        args = [_lambdify_argument(a) for a in self.arguments[name]]
        return sympy.lambdify(args, expr, modules=modules)

    def to_markdown(self, *, with_status=True):
        """Markdown (LaTeX in ``$...$``) of the statement, every step and the result."""
        out = [f"### {self.title}", ""]
        if self.section:
            out += [f"*{self.section}*", ""]
        out += [self.statement.strip(), ""]
        status = {}
        if with_status and self._last is not None:
            status = {s.index: s for s in self._last.steps}
        for index, step in enumerate(self.steps, 1):
            line = f"**{index}. {step.title}** ({step.kind}). ${step.claim}$"
            if step.assumptions:
                line += "  \n*Assumptions:* " + ", ".join(f"${a}$" for a in step.assumptions) + "."
            if step.note:
                line += "  \n" + step.note
            line += "  \n*Check:* " + step.check.describe() + "."
            if index in status:
                s = status[index]
                mark = "verified" if s.passed else "**FAILED**"
                line += f" **Status:** {mark} ({s.seconds:.3f} s; {s.message})."
            out += [line, ""]
        for key, expr in self.results.items():
            tex = _latex(expr, 600)
            label = "Result" if key == self.result_name else f"Also: `{key}`"
            if tex is None:
                names = ", ".join(sorted(str(x) for x in _free_symbols(expr)))
                tex_text = (f"a fixed-size expression too long to print, in the symbols {names}; "
                            f"evaluate it with `.lambdify({key!r})`")
                out.append(f"**{label}.** {tex_text}")
            else:
                out.append(f"**{label}.** ${tex}$")
            out.append("")
        if self.symbols:
            out.append("*Symbols:* " + "; ".join(f"`{k}`: {v}" for k, v in self.symbols.items()) + ".")
            out.append("")
        if self._last is not None and with_status:
            out.append(f"**{self._last.message}** ({self._last.seconds:.2f} s).")
            out.append("")
        return "\n".join(out)

    def _repr_markdown_(self):
        return self.to_markdown()

    def __repr__(self):
        state = "not verified" if self._last is None else self._last.message
        return f"<Derivation {self.name!r}: {len(self.steps)} steps, {state}>"


def _free_symbols(expr):
    return expr.free_symbols if not isinstance(expr, sympy.MatrixBase) else set().union(
        *(e.free_symbols for e in expr))


def _lambdify_argument(arg):
    """Symbols stay; a matrix becomes nested lists with repeated / constant entries as dummies."""
    if not isinstance(arg, sympy.MatrixBase):
        return arg
    seen = set()
    rows = []
    for i in range(arg.rows):
        row = []
        for j in range(arg.cols):
            entry = arg[i, j]
            if isinstance(entry, sympy.Symbol) and entry not in seen:
                seen.add(entry)
                row.append(entry)
            else:
                row.append(sympy.Dummy())
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- symbolic building blocks


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
