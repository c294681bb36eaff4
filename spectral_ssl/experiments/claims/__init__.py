r"""The paper's downstream claims as experiments that can fail, with verdicts that carry error bars.

Balestriero and LeCun (NeurIPS 2022) draw practical guidelines from the closed
forms; each function here measures one of them over several seeds and returns a
:class:`ClaimResult`:

* :func:`aligned_graph` -- with an aligned relation every method recovers the
  supervised solution (:mod:`.aligned`);
* :func:`low_data_regime` -- with few samples per class the invariance weight
  should be high (camera-ready: SimCLR or VICReg with a high one) (:mod:`.low_data`);
* :func:`misaligned_graph` -- with a misaligned relation VICReg with a small
  invariance weight should be preferred (arXiv: over SimCLR and Barlow Twins;
  camera-ready: Barlow Twins or VICReg-small) (:mod:`.misaligned`);
* :func:`local_vs_global` -- contrastive methods are global, non-contrastive ones
  local, judged method by method (:mod:`.local_global`);
* :func:`rank_collapse` -- ranks of numerical minima against the theorems (:mod:`.rank`);
* :func:`run_all` -- all of them with the settings every caller shares (:mod:`.run`).

**How a verdict is reached.** Each claim first runs *design checks*
(:mod:`.design`): can this setting show the effect at all (a "misaligned"
relation that still spans the labels, a roll whose kNN graph short-circuits, an
invariance weight that drops nothing, a probe that provably cannot see the
difference)? A regime that fails is ``void``: reported, not judged. Every number
a rule uses is a mean over seeds with its standard error and a 95 % Student-t
interval (paired differences when two methods are compared, :mod:`.stats`), and
a rule has three outcomes: ``supported`` (interval above the threshold), ``not
supported`` (at or below it), ``inconclusive`` (straddling it). A comparison of
two methods whose representations span the same space on every seed (a tie by
construction, e.g. both full rank at :math:`K = D`) is ``not applicable`` and left
out (:mod:`.pairs`); a comparison whose interval still straddles its threshold
may get further seeds before it is called inconclusive, and then every interval
of that comparison has the 95 % level split over all the looks (Bonferroni,
:func:`.pairs.sequential_level`), so the error holds over the looks. Each claim is
judged under each wording of the paper (:mod:`.statements`), as
:class:`~.result.Reading` objects; ``ClaimResult.verdict`` combines the primary
readings. Figures are drawn from ``ClaimResult.data`` by
:mod:`spectral_ssl.plotting_claims` (nothing here imports matplotlib).
"""

from . import design, pairs, relations, solvers, statements, stats
from .aligned import aligned_graph
from .local_global import local_vs_global
from .low_data import low_data_regime, nearest_neighbour_probe
from .misaligned import misaligned_graph
from .rank import rank_collapse, theorem_scales
from .result import QUICK_LABEL, ClaimResult, Comparison, DesignCheck, Reading, Table
from .run import CLAIMS, MANIFOLD_CLAIM, claim_calls, manifold_call, run_all, settings
from .solvers import METHOD_LABELS
from .stats import INCONCLUSIVE, NOT_APPLICABLE, NOT_SUPPORTED, SUPPORTED, VERDICTS, VOID

__all__ = ["ClaimResult", "Reading", "Comparison", "DesignCheck", "Table", "aligned_graph", "low_data_regime",
           "misaligned_graph", "local_vs_global", "rank_collapse", "run_all", "claim_calls", "manifold_call",
           "settings", "nearest_neighbour_probe", "theorem_scales", "METHOD_LABELS", "CLAIMS", "MANIFOLD_CLAIM",
           "QUICK_LABEL", "SUPPORTED", "NOT_SUPPORTED", "INCONCLUSIVE", "VOID", "NOT_APPLICABLE", "VERDICTS",
           "design", "pairs", "relations", "solvers", "statements", "stats"]
