r"""Trained embeddings against the optimum of the loss they were trained with.

RankMe (Garrido et al. 2023, "RankMe: assessing the downstream performance of pretrained
self-supervised representations by their rank", ICML) is
:math:`\exp(-\sum_k p_k\log p_k)` of normalised singular values; the tools in use differ in
what they normalise and in the :math:`\epsilon` added to :math:`p_k`:

* ``"garrido2023"``: the paper: singular values :math:`\sigma_k` of the (uncentred) embedding
  matrix, :math:`p_k = \sigma_k/\lVert\sigma\rVert_1 + 10^{-7}`;
* ``"stable_pretraining"``: the ``RankMe`` callback of stable-pretraining
  (``stable_pretraining/callbacks/rankme.py``): the same with :math:`\epsilon = 10^{-5}`;
* ``"reptrix"``: reptrix's ``get_rankme``: eigenvalues of the covariance of the *centred*
  embeddings (squared singular values), :math:`p_k = \lambda_k/\lVert\lambda\rVert_1 + 10^{-7}`.
"""

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from .. import linalg
from .._display import format_array, format_mapping, format_number, html_table, text_block
from .._validation import argument_error, check_integer, check_scalar
from . import _libraries
from ._optimum import check_views, max_components, optimal_linear_for, optimal_views_for

#: RankMe conventions: name -> (centred, squared singular values, epsilon).
RANKME_CONVENTIONS = {"garrido2023": (False, False, 1e-7), "stable_pretraining": (False, False, 1e-5),
                      "reptrix": (True, True, 1e-7)}

#: An optimum at most this times ``max(1, |library_loss|)`` is round-off of zero: a gap relative to
#: it means nothing (lightly's VICReg optimum of 2.2e-14 made a gap of 4.04 "1.8e+16 %").
ROUND_OFF_RTOL = 1e-8


def optimum_is_round_off(optimal_loss, library_loss):
    """Whether ``optimal_loss`` is zero up to round-off (:data:`ROUND_OFF_RTOL`)."""
    return abs(optimal_loss) <= ROUND_OFF_RTOL * max(1.0, abs(library_loss))


def rankme(Z, convention="garrido2023"):
    r"""RankMe of embeddings ``Z`` (rows are samples) in one convention (see the module docstring).

    Examples
    --------
    Two orthogonal directions of equal size: :math:`p = (1/2, 1/2) + \epsilon`, RankMe about 2.

    >>> import numpy as np
    >>> round(rankme(np.array([[1.0, 0.0], [0.0, 1.0]])), 5)
    2.0
    """
    if convention not in RANKME_CONVENTIONS:
        raise ValueError(f"convention must be one of {', '.join(map(repr, RANKME_CONVENTIONS))}, "
                         f"got {convention!r}.")
    centred, squared, eps = RANKME_CONVENTIONS[convention]
    Z = np.asarray(Z, dtype=np.float64)
    s = np.linalg.svd(Z - Z.mean(axis=0) if centred else Z, compute_uv=False)
    s = s**2 if squared else s
    total = np.sum(s)
    if total == 0:
        return 0.0
    p = s / total + eps
    return float(np.exp(-np.sum(p * np.log(p))))


def _principal(Z):
    """Per-direction std (descending) and principal directions of the centred rows."""
    Zc = Z - Z.mean(axis=0)
    U, s, _ = np.linalg.svd(Zc, full_matrices=False)
    return s / np.sqrt(Z.shape[0]), U


@dataclass(kw_only=True, repr=False)
class Diagnosis:
    """What :func:`diagnose` measured (every field is in :meth:`to_dict`).

    Attributes
    ----------
    method, library : str
    constants : dict
        The library's constructor keywords used.
    n_samples, n_components : int
    library_loss : float
        The library's loss at the trained views.
    optimal_loss : float
        The library's loss at the optimum (``optimum_regime``: "linear" when features were
        given, else "nonparametric").
    gap, relative_gap : float
        ``library_loss - optimal_loss`` and that over ``|optimal_loss|``; when the optimum is 0
        up to round-off (:func:`optimum_is_round_off`) ``relative_gap`` is ``inf`` for a positive
        gap above round-off and 0 otherwise.
    largest_angle : float or None
        Largest principal angle (radians) between the spans of the leading ``min(rank,
        predicted_rank)`` principal directions of the trained and optimal stacked views;
        ``None`` for the non-parametric optimum (its span is not unique on a pairing graph).
    rank, predicted_rank : int
        (For Barlow Twins these statistics are of the per-view batch-normalised embeddings,
        for NT-Xent of the unit rows: what the loss sees.) Numerical rank (:func:`spectral_ssl.linalg.representation_rank`, ``rank_rtol``) of the
        trained and of the optimal stacked views.
    std, predicted_std : ndarray
        Standard deviations along the principal directions (descending), trained and optimal.
    rankme, predicted_rankme : dict
        RankMe per convention (:data:`RANKME_CONVENTIONS`), trained and optimal.
    notes : list of str
    optimum : Representation
        The optimum itself (not in :meth:`to_dict`).
    """

    method: str
    library: str
    constants: dict
    n_samples: int
    n_components: int
    library_loss: float
    optimal_loss: float
    gap: float
    relative_gap: float
    optimum_regime: str
    largest_angle: object
    rank: int
    predicted_rank: int
    std: np.ndarray
    predicted_std: np.ndarray
    rankme: dict
    predicted_rankme: dict
    notes: list = field(default_factory=list)
    optimum: object = None

    def to_dict(self):
        """A JSON-serialisable dict of every field except ``optimum``."""
        out = {}
        for key in ("method", "library", "n_samples", "n_components", "library_loss", "optimal_loss", "gap",
                    "relative_gap", "optimum_regime", "largest_angle", "rank", "predicted_rank"):
            value = getattr(self, key)
            out[key] = value.item() if isinstance(value, np.generic) else value
        out["largest_angle_degrees"] = None if self.largest_angle is None else float(np.degrees(self.largest_angle))
        out["constants"] = {k: float(v) for k, v in self.constants.items()}
        out["std"] = [float(v) for v in self.std]
        out["predicted_std"] = [float(v) for v in self.predicted_std]
        out["rankme"] = {k: float(v) for k, v in self.rankme.items()}
        out["predicted_rankme"] = {k: float(v) for k, v in self.predicted_rankme.items()}
        out["notes"] = list(self.notes)
        return out

    def _rows(self):
        angle = ("n/a (non-parametric optimum: span not unique)" if self.largest_angle is None else
                 f"{self.largest_angle:.4g} rad ({np.degrees(self.largest_angle):.3g} degrees)")
        rows = [("loss", f"{self.method}, {self.library} ({format_mapping(self.constants)})"),
                ("samples x components", f"{self.n_samples} pairs x {self.n_components}"),
                ("library loss (trained)", format_number(self.library_loss, 10)),
                (f"optimum ({self.optimum_regime})", format_number(self.optimal_loss, 10)),
                ("gap", self._gap_text()),
                ("largest principal angle", angle),
                ("rank (trained / predicted)", f"{self.rank} / {self.predicted_rank} of {self.n_components}"),
                ("std (trained)", format_array(self.std)),
                ("std (optimum)", format_array(self.predicted_std))]
        for name in RANKME_CONVENTIONS:
            rows.append((f"RankMe [{name}]", f"{self.rankme[name]:.4g} (optimum {self.predicted_rankme[name]:.4g})"))
        rows += [("note", note) for note in self.notes]
        return rows

    def _gap_text(self):
        gap = format_number(self.gap, 6)
        if optimum_is_round_off(self.optimal_loss, self.library_loss):
            return f"{gap} (the optimum is ~0, at round-off: no relative gap)"
        return f"{gap} ({format_number(100 * self.relative_gap, 4)} % of the optimum)"

    def __repr__(self):
        return text_block("Diagnosis", self._rows())

    def _repr_html_(self):
        warning = None
        if self.rank < self.n_components:
            warning = f"collapsed: trained rank {self.rank} of {self.n_components} (predicted {self.predicted_rank})"
        return html_table(f"Diagnosis ({self.method}, {self.library})", self._rows(), warning=warning)


def _normalised(Z, n):
    """Both views batch-normalised as Barlow Twins does (per view, epsilon of torch's batch norm)."""
    out = []
    for V in (Z[:n], Z[n:]):
        Vc = V - V.mean(axis=0)
        out.append(Vc / np.sqrt(np.mean(Vc**2, axis=0) + _libraries.BATCH_NORM_EPS))
    return np.vstack(out)


def _unit_rows(Z, name):
    Zn, top, _ = linalg.unit_rows(Z)
    if np.any(top == 0):
        raise ValueError(f"{name} has a zero row: NT-Xent's cosine similarity is undefined there.")
    return Zn


def _largest_angle(Z, Z_opt, r):
    if r == 0:
        return None
    _, U = _principal(Z)
    _, V = _principal(Z_opt)
    return float(np.max(scipy.linalg.subspace_angles(U[:, :r], V[:, :r])))


def diagnose(Z_a, Z_b, *, method, library="lightly", X_a=None, X_b=None, rank_rtol=linalg.RANK_RTOL,
             restarts=None, random_state=0, **library_kwargs):
    r"""Score trained embeddings against the optimum of the library's loss they were trained with.

    Parameters
    ----------
    Z_a, Z_b : array_like, shape (N, K)
        The trained embeddings of the two views (row ``i`` of each: sample ``i``).
    method : {"vicreg", "barlow_twins", "nt_xent"}
    library : {"lightly", "official", "solo"}
    X_a, X_b : array_like, shape (N, D), optional
        The encoder's inputs. Given: the optimum is the best *linear* encoder
        (:func:`~spectral_ssl.practice.optimal_linear_for`). Not given: the best free views on
        the pairing graph (:func:`~spectral_ssl.practice.optimal_views_for`).
    rank_rtol : float
        Relative singular-value threshold of the numerical rank.
    restarts, random_state :
        Of the optimum's numerical solve.
    **library_kwargs
        The library's constructor keywords (as for ``optimal_linear_for``).

    Returns
    -------
    Diagnosis
        Loss, optimum, gap, largest principal angle, ranks, per-direction std, RankMe.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X_a = rng.standard_normal((60, 6)); X_b = X_a + 0.2 * rng.standard_normal((60, 6))
    >>> W = rng.standard_normal((6, 3))
    >>> d = diagnose(X_a @ W, X_b @ W, method="vicreg", X_a=X_a, X_b=X_b)
    >>> d.gap > 0, d.optimum_regime
    (True, 'linear')
    """
    _, constants = _libraries.resolve(method, library, library_kwargs)
    Z_a, Z_b = check_views(Z_a, Z_b, names=("Z_a", "Z_b"))
    rank_rtol = check_scalar(rank_rtol, name="rank_rtol", low=0.0, low_inclusive=False, high=1.0)
    if restarts is not None:
        restarts = check_integer(restarts, name="restarts", low=0)
    n, K = Z_a.shape
    if (X_a is None) != (X_b is None):
        raise ValueError("give both X_a and X_b (the encoder's inputs for each view), or neither for the "
                         "non-parametric optimum.")
    if X_a is not None:
        X_a, X_b = check_views(X_a, X_b)
        if X_a.shape[0] != n:
            raise argument_error(f"X_a has {X_a.shape[0]} rows but Z_a has {n}; row i of each must be sample i.",
                                 argument="X_a")
        limit, what = max_components(method, X_a, X_b)
    else:
        limit, what = 2 * n - 1, "2N - 1 (the non-constant directions of N pairs)"
    if K > limit:  # the optimum's n_components is K, the columns of Z_a: say so
        reason = (f"its K = {K} columns are more than the optimum can have: {what} is {limit}; "
                  f"compare embeddings of at most {limit} columns.")
        raise argument_error(f"Z_a: {reason}", argument="Z_a", reason=reason)
    if method == "nt_xent":
        _libraries.check_nonzero_rows(Z_a, "Z_a")
        _libraries.check_nonzero_rows(Z_b, "Z_b")
    value = _libraries.library_value(method, library, Z_a, Z_b, constants)
    common = {"library": library, "restarts": restarts, "random_state": random_state, **constants}
    if X_a is not None:
        optimum = optimal_linear_for(method, X_a, X_b, K, **common)
        regime = "linear"
    else:
        optimum = optimal_views_for(method, n, K, **common)
        regime = "nonparametric"
    Z = np.vstack([Z_a, Z_b])
    Z_opt = optimum.Z
    if method == "barlow_twins":
        # The loss sees each view batch-normalised: column scales are arbitrary, so ranks, std,
        # angles and RankMe are measured on what the loss sees.
        Z, Z_opt = _normalised(Z, n), _normalised(Z_opt, n)
    elif method == "nt_xent":
        # NT-Xent sees only the directions of the rows: measure the unit rows.
        Z, Z_opt = _unit_rows(Z, "Z_a, Z_b"), _unit_rows(Z_opt, "the optimum")
    rank = linalg.representation_rank(Z, rtol=rank_rtol)
    predicted = linalg.representation_rank(Z_opt, rtol=rank_rtol)
    notes = []
    angle = _largest_angle(Z, Z_opt, min(rank, predicted)) if regime == "linear" else None
    gap = value - optimum.loss
    if optimum_is_round_off(optimum.loss, value):
        relative = np.inf if gap > ROUND_OFF_RTOL * max(1.0, abs(value)) else 0.0
    else:
        relative = gap / abs(optimum.loss)
    if gap < 0:
        notes.append(f"the trained embeddings are {-gap:.3g} below the numerical optimum: the optimiser "
                     f"missed a better point; raise restarts (exact=False).")
    if method == "vicreg" and rank < K:
        notes.append(f"{K - rank} of {K} directions collapsed: the hinge VICReg optimum predicts rank "
                     f"{predicted}.")
    if "gap_note" in optimum.details:
        notes.append("optimum: " + optimum.details["gap_note"])
    std, _ = _principal(Z)
    predicted_std, _ = _principal(Z_opt)
    if rank > predicted:
        # Gradient training shrinks a collapsing direction ever more slowly (the covariance
        # term's gradient vanishes with it), so a trained encoder often keeps the directions the
        # optimum drops at a small but non-zero std, which the numerical rank counts.
        lingering = std[predicted:rank] / std[0]
        span = (f"{lingering[0]:.2g}" if lingering.size == 1
                else f"{lingering.min():.2g} to {lingering.max():.2g}")
        notes.append(f"{rank - predicted} direction(s) that the optimum collapses still have {span} "
                     f"of the largest std in the trained embeddings: collapsing, not yet collapsed "
                     f"(the trained rank counts them).")
    return Diagnosis(
        method=method, library=library, constants=constants, n_samples=n, n_components=K, library_loss=value,
        optimal_loss=float(optimum.loss), gap=float(gap), relative_gap=float(relative), optimum_regime=regime,
        largest_angle=angle, rank=rank, predicted_rank=predicted, std=std[:K], predicted_std=predicted_std[:K],
        rankme={c: rankme(Z, c) for c in RANKME_CONVENTIONS},
        predicted_rankme={c: rankme(Z_opt, c) for c in RANKME_CONVENTIONS}, notes=notes, optimum=optimum)
