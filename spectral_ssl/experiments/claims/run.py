"""Every claim with one set of settings: what the report, the notebooks and the docs call.

:func:`claim_calls` is the single place where the settings of a full and of a
quick run are written down; :func:`run_all`, the ``spectral-ssl report`` command
and ``notebooks/04_what_the_relation_graph_does.ipynb`` all go through it, so
they cannot disagree. A quick run uses fewer seeds and regimes; its results are
marked "quick, indicative" (``ClaimResult.quick``).
"""

from functools import partial

from .aligned import aligned_graph
from .local_global import local_vs_global
from .low_data import low_data_regime
from .misaligned import misaligned_graph
from .rank import rank_collapse
from .sampling import check_labelled

#: The claims in report order: (function name, one-line title).
CLAIMS = (
    ("aligned_graph", "an aligned relation recovers the supervised solution"),
    ("low_data_regime", "with few samples per class, VICReg needs a high invariance weight"),
    ("misaligned_graph", "with a misaligned relation, prefer VICReg with a small invariance weight"),
    ("local_vs_global", "contrastive methods are global, non-contrastive methods local"),
    ("rank_collapse", "the rank of each optimum follows the relation's spectrum and the hyper-parameters"),
)

#: The claim measured on its own manifold (a swiss roll with known intrinsic distances).
MANIFOLD_CLAIM = "local_vs_global"

#: Seeds of a full and of a quick run.
N_SEEDS = {False: 5, True: 3}

#: Seeds a full run may give a comparison whose interval still straddles its threshold
#: (:func:`~spectral_ssl.experiments.claims.pairs.measure_until_decided`; a quick run adds none).
MAX_SEEDS = 20


def settings(quick=False):
    """``{claim name: keyword arguments}`` of a full (``quick=False``) or quick run."""
    quick = bool(quick)
    n_seeds = N_SEEDS[quick]
    return {
        "aligned_graph": {"n_seeds": n_seeds, "max_seeds": n_seeds if quick else MAX_SEEDS,
                          "relations": ("within_class",) if quick else ("label", "within_class")},
        "low_data_regime": {"n_seeds": n_seeds},
        # K = D in the quick run too: on a sparse random relation K = D/2 is void (check_span_determined)
        "misaligned_graph": {"n_seeds": n_seeds, "n_components": (0.5, None),
                             "relations": (("sparse_random_split:4",) if quick else
                                           ("sparse_random_split:4", "merged_pairs"))},
        "local_vs_global": {"n_seeds": n_seeds, "n_samples": 500, "random_starts": 0 if quick else 1},
        "rank_collapse": {"n_seeds": n_seeds, "n_samples": 128 if quick else 256,
                          "n_components": 16 if quick else 32},
    }


def claim_calls(X, y, *, quick=False, random_state=0):
    """``{claim name: callable() -> ClaimResult}`` for the claims measured on ``(X, y)``.

    Every claim but :data:`MANIFOLD_CLAIM`, with :func:`settings` (``quick``) and
    ``random_state``. A claim whose data are too small raises ``ValueError`` when
    called.
    """
    X, y, _ = check_labelled(X, y)
    chosen = settings(quick)
    functions = {"aligned_graph": aligned_graph, "low_data_regime": low_data_regime,
                 "misaligned_graph": misaligned_graph}

    # partial, not lambda: the report may send the calls to worker processes (pickled)
    calls = {name: partial(function, X, y, random_state=random_state, quick=bool(quick), **chosen[name])
             for name, function in functions.items()}
    calls["rank_collapse"] = partial(rank_collapse, X, y, random_state=random_state, quick=bool(quick),
                                     **chosen["rank_collapse"])
    return {name: calls[name] for name, _ in CLAIMS if name in calls}


def manifold_call(*, quick=False, random_state=0):
    """The callable of :data:`MANIFOLD_CLAIM` (its own swiss rolls, whatever the data)."""
    return partial(local_vs_global, random_state=random_state, quick=bool(quick),
                   **settings(quick)["local_vs_global"])


def run_all(X, y, *, dataset="data", quick=False, fast=None, random_state=0):
    """Every claim on one data set, plus :func:`local_vs_global` on its swiss rolls.

    Parameters
    ----------
    X : array_like, shape (N, D)
    y : array_like, shape (N,)
    dataset : str
        Stored in each result (``ClaimResult.dataset``; the manifold claim keeps "swiss roll").
    quick : bool
        Fewer seeds and regimes (:func:`settings`); every result is marked "quick, indicative".
    fast : bool, optional
        Old name of ``quick``.
    random_state : int

    Returns
    -------
    list of ClaimResult
        In :data:`CLAIMS` order.
    """
    quick = bool(quick if fast is None else fast)
    calls = claim_calls(X, y, quick=quick, random_state=random_state)
    calls[MANIFOLD_CLAIM] = manifold_call(quick=quick, random_state=random_state)
    results = []
    for name, _ in CLAIMS:
        result = calls[name]()
        if name != MANIFOLD_CLAIM:
            result.dataset = dataset
        results.append(result)
    return results


__all__ = ["run_all", "claim_calls", "manifold_call", "settings", "CLAIMS", "MANIFOLD_CLAIM", "N_SEEDS", "MAX_SEEDS"]
