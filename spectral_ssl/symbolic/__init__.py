r"""Symbolic (sympy) derivations of the toolkit's closed forms.

This is the only part of ``spectral_ssl`` that imports sympy; importing
``spectral_ssl`` does not import it. Each theorem family has one module:

========================  ====================================================
``graph``                 Dirichlet identity (the setting)
``vicreg``                VICReg per-direction optimum, water-filling, hinge
``linear``                linear regime (LPP) and the LDA identity
``spectral_contrastive``  the low-rank expansion and Eckart-Young value
``simclr``                local + global decomposition, regular simplex
``barlow_twins``          cross-correlation in graph form, CCA
``duality``               sample- vs dimension-contrastive duality
``practice``              library losses (lightly, official, solo) as graph-form problems
========================  ====================================================

Examples
--------
>>> from spectral_ssl import symbolic
>>> d = symbolic.get("vicreg_scales")
>>> d.verify().passed
True
>>> t_star = d.lambdify()  # arguments: alpha, gamma, lambda
>>> float(t_star(2.0, 1.0, 0.5))
0.75
"""

import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from . import barlow_twins, duality, graph, linear, practice, simclr, spectral_contrastive, vicreg
from .core import (
    Check, Convex, Derivation, Holds, Identity, NotIdentity, Sign, Solves, Stationary, Step,
    StepOutcome, Verification,
)

#: Derivation name -> factory, in the order of the theory.
FACTORIES = {
    "dirichlet_identity": graph.dirichlet_identity,
    "vicreg_scales": vicreg.vicreg_scales,
    "vicreg_waterfilling": vicreg.vicreg_waterfilling,
    "vicreg_hinge": vicreg.vicreg_hinge,
    "linear_regime": linear.linear_regime,
    "lda_identity": linear.lda_identity,
    "spectral_contrastive_expansion": spectral_contrastive.spectral_contrastive_expansion,
    "simclr_decomposition": simclr.simclr_decomposition,
    "simclr_simplex": simclr.simclr_simplex,
    "barlow_twins_graph_form": barlow_twins.barlow_twins_graph_form,
    "sample_dimension_duality": duality.sample_dimension_duality,
    "library_mappings": practice.library_mappings,
}

NAMES = tuple(FACTORIES)


@lru_cache(maxsize=None)
def get(name):
    """The :class:`~spectral_ssl.symbolic.core.Derivation` called ``name`` (built once, then cached).

    Raises
    ------
    KeyError
        For an unknown name; the message lists the known ones.
    """
    try:
        factory = FACTORIES[name]
    except KeyError:
        raise KeyError(f"unknown derivation {name!r}; known: {', '.join(NAMES)}") from None
    return factory()


def all_derivations():
    """Every derivation, in the order of the theory."""
    return [get(name) for name in NAMES]


@dataclass
class CheckResult:
    """One derivation's verification, as the command line reports it.

    ``name``: the derivation; ``passed``: every step verified; ``seconds``:
    build + verification time; ``message``: ``"k/k steps verified"`` or the
    first failing step and why; ``steps``: one :class:`~spectral_ssl.symbolic.core.StepOutcome` per step.
    """

    name: str
    passed: bool
    seconds: float
    message: str
    steps: list = field(default_factory=list)

    def as_dict(self):
        return asdict(self)


def run_all(names=None):
    """Build and verify the derivations; return one :class:`CheckResult` per derivation.

    Parameters
    ----------
    names : iterable of str, optional
        A subset of ``NAMES`` (default: all, in order).

    Returns
    -------
    list of CheckResult
        A derivation that fails to build is reported as failed (never raised).
    """
    results = []
    for name in NAMES if names is None else list(names):
        start = time.perf_counter()
        try:
            report = get(name).verify()
        except Exception as exc:  # a derivation that cannot even be built has failed
            results.append(CheckResult(name, False, time.perf_counter() - start,
                                       f"{type(exc).__name__}: {exc}"))
            continue
        results.append(CheckResult(name, report.passed, time.perf_counter() - start, report.message,
                                   list(report.steps)))
    return results


def to_markdown(names=None, *, verify=True):
    """Markdown of the derivations (with their check status when ``verify``), for the docs."""
    parts = []
    for name in NAMES if names is None else list(names):
        derivation = get(name)
        if verify:
            derivation.verify()
        parts.append(derivation.to_markdown(with_status=verify))
    return "\n".join(parts)


__all__ = [
    "FACTORIES", "NAMES", "get", "all_derivations", "run_all", "to_markdown", "CheckResult",
    "Derivation", "Step", "Check", "Identity", "NotIdentity", "Stationary", "Solves", "Sign", "Convex",
    "Holds", "StepOutcome", "Verification",
]
