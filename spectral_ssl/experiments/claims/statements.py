"""The paper's claims in its three published wordings.

Balestriero and LeCun's abstract exists in three versions that word the
practical guidelines differently; each claim experiment names the wording its
rule tests (:class:`~spectral_ssl.experiments.claims.result.Reading`).

* **arXiv v1-v3** (2205.11508): "(i) if the pairwise relation is aligned with
  the downstream task, any SSL method can be employed successfully and will
  recover the supervised method, but in the low data regime, VICReg's
  invariance hyper-parameter should be high; (ii) if the pairwise relation is
  misaligned with the downstream task, VICReg with small invariance
  hyper-parameter should be preferred over SimCLR or BarlowTwins."
* **NeurIPS 2022 proceedings** (camera-ready): the same (i) first half; the
  low-data guideline becomes "SimCLR or VICReg with high invariance
  hyper-parameter should be preferred" and the misaligned one "BarlowTwins or
  VICReg with small invariance hyper-parameter should be preferred".
* **NeurIPS 2022 poster page**: "if the pairwise relation is aligned with the
  downstream task, all SSL methods produce optimal representations for that
  downstream task"; no low-data or misalignment guideline.

All three close on "(iv) the first theoretical bridge between contrastive and
non-contrastive methods towards global and local spectral embedding methods
respectively". The rank statements come from the paper's theorems (section 3),
not from an abstract.
"""

from .tables import Table

ARXIV = "arXiv v1-v3"
PROCEEDINGS = "NeurIPS 2022 proceedings (camera-ready)"
POSTER = "NeurIPS 2022 poster page"
THEOREMS = "the paper's theorems (section 3)"

#: What each wording says on each claim (None: the wording says nothing about it).
WORDINGS = {
    "aligned_graph": {
        ARXIV: "if the pairwise relation is aligned with the downstream task, any SSL method can be "
               "employed successfully and will recover the supervised method",
        PROCEEDINGS: "if the pairwise relation is aligned with the downstream task, any SSL method can "
                     "be employed successfully and will recover the supervised method",
        POSTER: "if the pairwise relation is aligned with the downstream task, all SSL methods "
                "produce optimal representations for that downstream task",
    },
    "low_data_regime": {
        ARXIV: "in the low data regime, VICReg's invariance hyper-parameter should be high",
        PROCEEDINGS: "in the low data regime, SimCLR or VICReg with high invariance hyper-parameter "
                     "should be preferred",
        POSTER: None,
    },
    "misaligned_graph": {
        ARXIV: "if the pairwise relation is misaligned with the downstream task, VICReg with small "
               "invariance hyper-parameter should be preferred over SimCLR or BarlowTwins",
        PROCEEDINGS: "if the pairwise relation is misaligned with the downstream task, BarlowTwins or "
                     "VICReg with small invariance hyper-parameter should be preferred",
        POSTER: None,
    },
    "local_vs_global": {
        ARXIV: "the first theoretical bridge between contrastive and non-contrastive methods towards "
               "global and local spectral embedding methods respectively",
        PROCEEDINGS: "the first theoretical bridge between contrastive and non-contrastive methods "
                     "towards global and local spectral embedding methods respectively",
        POSTER: "the first theoretical bridge between contrastive and non-contrastive methods towards "
                "global and local spectral embedding methods respectively",
    },
    "rank_collapse": {
        THEOREMS: "the optimum of each method is set by the relation's spectrum and the "
                  "hyper-parameters: VICReg keeps t_k = max(0, 1 - (gamma/alpha) lambda_k), SimCLR "
                  "collapses C equal cliques to a simplex of rank C - 1, spectral contrastive keeps "
                  "the positive eigenvalues of D^-1/2 G D^-1/2, Barlow Twins is invariant on at most "
                  "the connected components",
    },
}


def wording(claim, version):
    """The sentence ``version`` of the paper says about ``claim`` (``None`` if it says nothing)."""
    try:
        return WORDINGS[claim][version]
    except KeyError:
        raise ValueError(f"no wording {version!r} for claim {claim!r}; known: "
                         f"{ {k: list(v) for k, v in WORDINGS.items()} }") from None


def wordings_table(claim):
    """``[{"version", "says"}]``: each wording and what it says on ``claim`` ("nothing" if silent)."""
    return [{"version": version, "says": text if text is not None else "nothing (no such guideline)"}
            for version, text in WORDINGS[claim].items()]


def versions_table(claim):
    """The table "What each version of the paper says" of ``claim``: :func:`wordings_table` as a
    :class:`~spectral_ssl.experiments.claims.tables.Table` (columns ``version``, ``says``)."""
    return Table(columns=[("version", "version"), ("says", "says")], rows=wordings_table(claim),
                 caption="What each version of the paper says")


__all__ = ["ARXIV", "PROCEEDINGS", "POSTER", "THEOREMS", "WORDINGS", "wording", "wordings_table",
           "versions_table"]
