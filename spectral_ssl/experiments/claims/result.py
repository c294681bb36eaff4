"""The result of a claim: readings with verdicts and intervals, design checks, tables, data.

A claim is measured once and judged under each wording of the paper it
concerns (a :class:`Reading` per wording). A reading's verdict combines
:class:`Comparison` objects, each one number (mean over seeds with its interval)
against a threshold. :class:`DesignCheck` objects record whether the setting can
show the effect at all; a regime that fails one is ``void`` and left out of the
verdicts. Everything a renderer needs is data: tables with human column names
and units (:class:`Table`), arrays for the figures (``ClaimResult.data``, drawn
by :mod:`spectral_ssl.plotting_claims`), and the "quick, indicative" flag.
"""

import math
from dataclasses import dataclass, field

from .stats import INCONCLUSIVE, NOT_APPLICABLE, NOT_SUPPORTED, SUPPORTED, VOID, Estimate, combine, decide
from ._result_export import claim_markdown, save_claim_figures
from .tables import Table, format_cell, json_value

#: The label of a run with fewer seeds / samples than the defaults.
QUICK_LABEL = "quick, indicative"


@dataclass
class Comparison:
    """One number a rule uses: "``estimate`` exceeds ``threshold``" in one regime.

    Attributes
    ----------
    label : str
        What is compared, e.g. ``"VICReg small - SimCLR (probe accuracy)"``.
    estimate : Estimate
        Mean over seeds, standard error and interval (paired differences for two methods).
    threshold : float
    regime : str
        The setting it was measured in (e.g. ``"random split into 4 groups, K = 32"``).
    void : bool
        True when the regime failed a design check: the comparison is reported
        but its verdict is ``void``.
    applicable : bool
        False when the two methods give identical predictions by construction on
        every seed (:func:`~spectral_ssl.experiments.claims.design.check_comparable`):
        the tie is reported, its verdict is ``not applicable`` and it is left out of
        the reading's verdict.
    note : str
        Why it is not applicable (or any other remark), for the tables.
    """

    label: str
    estimate: Estimate
    threshold: float
    regime: str = ""
    void: bool = False
    applicable: bool = True
    note: str = ""

    @property
    def verdict(self):
        if self.void:
            return VOID
        return decide(self.estimate, self.threshold) if self.applicable else NOT_APPLICABLE

    def to_dict(self):
        return {"label": self.label, "regime": self.regime, "threshold": float(self.threshold),
                "estimate": self.estimate.to_dict(), "verdict": self.verdict,
                "applicable": bool(self.applicable), "note": self.note}


@dataclass
class Reading:
    """The claim as one wording of the paper states it, and its verdict.

    Attributes
    ----------
    name : str
        Which wording, e.g. ``"arXiv v1-v3"``.
    wording : str
        The sentence of the paper (quoted).
    tests : str
        What the rule checks, in words.
    comparisons : list of Comparison
        The verdict is their conjunction (:func:`~spectral_ssl.experiments.claims.stats.combine`).
    primary : bool
        Whether the claim's overall verdict uses this reading (secondary readings
        are measured under another probe or problem and reported alongside).
    note : str
    """

    name: str
    wording: str
    tests: str
    comparisons: list = field(default_factory=list)
    primary: bool = True
    note: str = ""

    @property
    def verdict(self):
        return combine([c.verdict for c in self.comparisons]) if self.comparisons else VOID

    def to_dict(self):
        return {"name": self.name, "wording": self.wording, "tests": self.tests,
                "primary": self.primary, "note": self.note, "verdict": self.verdict,
                "comparisons": [c.to_dict() for c in self.comparisons]}


@dataclass
class DesignCheck:
    """Whether a setting can show the effect the claim predicts, measured before the verdict.

    Attributes
    ----------
    name : str
        E.g. ``"relation misaligned"``.
    passed : bool
    value : float or None
        The measured quantity.
    threshold : float or None
    message : str
        What was measured and, when it failed, why the setting cannot show the effect.
    regime : str
        The regime it applies to ("" = the whole claim).
    """

    name: str
    passed: bool
    value: float = None
    threshold: float = None
    message: str = ""
    regime: str = ""

    def to_dict(self):
        def clean(v):
            return None if v is None or not math.isfinite(float(v)) else float(v)

        return {"name": self.name, "passed": bool(self.passed), "value": clean(self.value),
                "threshold": clean(self.threshold), "message": self.message, "regime": self.regime}


@dataclass(kw_only=True, repr=False)
class ClaimResult:
    """One claim of the paper, measured over several seeds and judged under each wording.

    Attributes
    ----------
    name : str
        The function that measured it, e.g. ``"misaligned_graph"``.
    statement : str
        The claim in one sentence, in the toolkit's words.
    rule : str
        How the verdicts are computed (thresholds, interval level, what counts as void).
    readings : list of Reading
    design : list of DesignCheck
    tables : dict of Table
        The first one is the main table (:attr:`table` gives its rows).
    summary : str
        The key numbers in one or two sentences.
    dataset : str
    data : dict
        Arrays for the figures (:func:`spectral_ssl.plotting_claims.claim_figures`).
    settings : dict
        Seeds, sizes and hyper-parameters the claim ran with.
    quick : bool
        True for a run with fewer seeds / samples: its verdicts are indicative only.
    details : dict
    elapsed : float
        Seconds.
    figures : dict
        ``{name: matplotlib Figure}``, empty until a renderer fills it (the claims
        modules never import matplotlib).
    """

    name: str
    statement: str
    rule: str
    readings: list
    design: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    summary: str = ""
    dataset: str = ""
    data: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    quick: bool = False
    details: dict = field(default_factory=dict)
    elapsed: float = 0.0
    figures: dict = field(default_factory=dict)

    # ---- verdicts

    @property
    def verdict(self):
        """Conjunction of the primary readings' verdicts: one of ``stats.VERDICTS``."""
        primary = [r.verdict for r in self.readings if r.primary]
        return combine(primary) if primary else VOID

    @property
    def supported(self):
        """``verdict == "supported"``."""
        return self.verdict == SUPPORTED

    @property
    def label(self):
        """``"quick, indicative"`` for a quick run, ``""`` otherwise."""
        return QUICK_LABEL if self.quick else ""

    def verdicts(self):
        """``{reading name: verdict}`` of every reading (primary and secondary)."""
        return {r.name: r.verdict for r in self.readings}

    def supported_for(self):
        """Names of the readings whose verdict is ``supported``."""
        return [r.name for r in self.readings if r.verdict == SUPPORTED]

    @property
    def design_passed(self):
        """True when no design check failed."""
        return all(check.passed for check in self.design)

    # ---- tables

    @property
    def table(self):
        """Rows of the main table (the first of :attr:`tables`); ``[]`` without tables."""
        return next(iter(self.tables.values())).rows if self.tables else []

    def columns(self):
        """Keys of the main table, in order."""
        return next(iter(self.tables.values())).keys() if self.tables else []

    def readings_table(self):
        """One row per comparison of every reading: a :class:`Table`."""
        rows = []
        for reading in self.readings:
            for c in reading.comparisons:
                rows.append({"reading": reading.name + ("" if reading.primary else " (secondary)"),
                             "regime": c.regime, "compared": c.label, "estimate": c.estimate,
                             "interval": f"[{c.estimate.low:.3f}, {c.estimate.high:.3f}]",
                             "threshold": c.threshold, "verdict": c.verdict})
        first = self.readings[0].comparisons[0].estimate.level if self.readings and self.readings[0].comparisons else 0.95
        level = f"{100 * first:.4g}"  # 95, or 99.69 split over the looks (rounded, it read "100%")
        return Table(columns=[("reading", "reading"), ("regime", "regime"), ("compared", "quantity"),
                              ("estimate", "mean ± s.e."), ("interval", f"{level}% interval"),
                              ("threshold", "threshold"), ("verdict", "verdict")],
                     rows=rows, caption="Every number the rules use, with its interval")

    # ---- export

    def to_dict(self):
        """Everything but the figures, JSON-ready."""
        return {"name": self.name, "dataset": self.dataset, "statement": self.statement,
                "rule": self.rule, "verdict": self.verdict, "supported": self.supported,
                "quick": self.quick, "label": self.label, "summary": self.summary,
                "readings": [r.to_dict() for r in self.readings],
                "design": [d.to_dict() for d in self.design],
                "tables": {k: t.to_dict() for k, t in self.tables.items()},
                "settings": {k: json_value(v) for k, v in self.settings.items()},
                "elapsed": float(self.elapsed)}

    def to_markdown(self, *, figure_paths=None, float_format=".3g", heading_level=3):
        """Markdown: heading with the verdict, statement, readings, design checks, tables, figures."""
        return claim_markdown(self, figure_paths=figure_paths, float_format=float_format,
                              heading_level=heading_level)

    def _repr_markdown_(self):
        """Jupyter's rich display: :meth:`to_markdown` (verdict, readings, tables)."""
        return self.to_markdown()

    def save_figures(self, directory, *, prefix=None, format="png"):
        """Save every figure as ``<directory>/<prefix>_<name>.<format>``; return ``{name: path}``.

        Characters other than letters, digits, ``-``, ``_`` and ``.`` become ``_``.
        ``prefix`` defaults to ``<name>_<dataset>``. Figures come from
        :func:`spectral_ssl.plotting_claims.claim_figures` (``figures`` is empty until then).
        """
        return save_claim_figures(self, directory, prefix=prefix, format=format)

    def __repr__(self):
        quick = ", quick" if self.quick else ""
        return (f"ClaimResult(name={self.name!r}, dataset={self.dataset!r}, verdict={self.verdict!r}"
                f"{quick}, readings={self.verdicts()})")


__all__ = ["ClaimResult", "Reading", "Comparison", "DesignCheck", "Table", "format_cell", "QUICK_LABEL",
           "SUPPORTED", "NOT_SUPPORTED", "INCONCLUSIVE", "VOID", "NOT_APPLICABLE"]
