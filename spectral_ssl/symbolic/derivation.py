r"""Steps, derivations and their verification reports (see :mod:`spectral_ssl.symbolic.core`)."""

import time
from dataclasses import dataclass, field

import sympy


def short_latex(expr, limit=400):
    """``sympy.latex(expr)``, or ``None`` when it is longer than ``limit`` characters."""
    text = sympy.latex(expr)
    return text if len(text) <= limit else None

@dataclass
class Step:
    """One claim of a derivation: a check, and the words around it.

    The formula a step shows is not written by hand: it is
    :meth:`Check.formula`, the ``sympy.latex`` of the very expressions the
    check decides, so the text cannot drift from what is verified.

    Attributes
    ----------
    title : str
        A few words.
    check : Check
        The exact computation that settles the claim (on small fixed sizes
        where the claim is about matrices of any size; the check says which).
    assumptions : tuple of str
        LaTeX conditions the claim relies on.
    note : str
        Why the step holds / what it contributes (Markdown).
    """

    title: str
    check: object
    assumptions: tuple = ()
    note: str = ""

    def __post_init__(self):
        if isinstance(self.check, str):
            raise TypeError(
                f"Step {self.title!r}: the second argument is a string; Step(title, claim, check, ...) is "
                "the old signature. The formula is now generated from the check: write "
                "Step(title, check, assumptions, note)."
            )
        if not callable(getattr(self.check, "run", None)):
            raise TypeError(f"Step {self.title!r}: check must be a Check, got {type(self.check).__name__}.")

    @property
    def kind(self):
        return self.check.kind

    @property
    def formula(self):
        """The LaTeX of the checked claim (``None`` for a :class:`Holds` check, which has no formula)."""
        return self.check.formula()


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
            out.append(f"**{index}. {step.title}** ({step.kind}).")
            formula = step.formula
            if formula:
                out += ["", "$$", formula, "$$", ""]
            lines = []
            if step.assumptions:
                lines.append("*Assumptions:* " + ", ".join(f"${a}$" for a in step.assumptions) + ".")
            if step.note:
                lines.append(step.note)
            check = "*Check:* " + step.check.describe() + "."
            if index in status:
                s = status[index]
                mark = "verified" if s.passed else "**FAILED**"
                check += f" **Status:** {mark} ({s.seconds:.3f} s; {s.message})."
            lines.append(check)
            out += ["  \n".join(lines), ""]
        for key, expr in self.results.items():
            tex = short_latex(expr, 600)
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

