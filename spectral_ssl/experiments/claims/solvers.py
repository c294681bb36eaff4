r"""The methods as the claims call them: one adapter per method, settings in one place.

The linear regime (:math:`Z = XW + \mathbf 1b^\top`) is where the claims about
downstream accuracy live: a linear map generalises to held-out samples, so a
probe can be trained on training samples and tested on others. The adapters fix
what each name means in the tables:

* **VICReg** at an invariance ratio :math:`\gamma/\alpha` (variance = covariance = 1,
  square variance penalty, the closed form). Its rank is
  :math:`\#\{k: \mu_k < \alpha/\gamma\}`, :math:`\mu` the generalized eigenvalues of
  :func:`linear_spectrum`; :func:`ratio_for_rank` places the ratio between two of
  them, so "small" and "large" are defined relative to the relation's spectrum.
* **Barlow Twins**, two problems (:func:`solve_barlow_twins`): ``"as_written"``,
  the loss as written minimised numerically (what training a linear encoder
  does; it collapses onto a few canonical directions), and ``"cca"``, the
  problem with within-view whitening, whose exact optimum is CCA.
* **SimCLR**: no closed form; the exact loss minimised by L-BFGS from the
  informed start and ``random_starts`` random ones (:func:`solve_simclr`).
* **spectral contrastive**: its closed form.

Deliberate collapses (a large invariance weight) would raise
:class:`~spectral_ssl.exceptions.CollapseWarning`; the adapters silence it,
since the claims report the ranks.
"""

import warnings

import numpy as np

from ... import linalg
from ...exceptions import CollapseWarning, ConvergenceWarning
from ...methods import DISPLAY_NAMES, barlow_twins, simclr, spectral_contrastive, vicreg

#: Display names of the methods in tables and figures.
METHOD_LABELS = {**DISPLAY_NAMES, "lda": "LDA (supervised)",
                 "vicreg_small": "VICReg, small invariance", "vicreg_large": "VICReg, large invariance",
                 "vicreg_high": "VICReg, high invariance", "vicreg_low": "VICReg, low invariance",
                 "barlow_twins_as_written": "Barlow Twins (loss as written)",
                 "barlow_twins_cca": "Barlow Twins (whitened: CCA)",
                 "isomap": "Isomap (classical MDS of geodesics)",
                 "laplacian_eigenmaps": "Laplacian Eigenmaps"}

#: The two Barlow Twins problems.
BARLOW_TWINS_PROBLEMS = ("as_written", "cca")


def linear_spectrum(X, G):
    r"""Ascending :math:`\mu` of :math:`X_c^\top L X_c\, q = \mu\, X_c^\top X_c\, q` (both divided by N).

    The spectrum of linear VICReg on the relation ``G`` (on the range of the
    centred features): a direction is kept iff :math:`\mu_k < \alpha/\gamma`.
    """
    X = np.asarray(X, dtype=np.float64)
    N = X.shape[0]
    Xc = X - X.mean(axis=0)
    mu, _ = linalg.generalized_eigh(linalg.graph_quadratic_form(Xc, G) / N, Xc.T @ Xc / N)
    return np.maximum(mu, 0.0)


def linear_perturbation(X, G1, G2):
    r"""How far two draws of a relation apart move the linear problem: :math:`\lVert E\rVert_2`.

    :math:`E = B^{-1/2}(A_1 - A_2)B^{-1/2}` on the range of :math:`B = X_c^\top X_c/N`, with
    :math:`A_i = X_c^\top L_i X_c/N` as in :func:`linear_spectrum`: the change of the
    whitened matrix whose eigenvalues are :math:`\mu`. Its norm is the largest
    :math:`|\nu|` of :math:`(A_1 - A_2)q = \nu Bq`, which is how it is computed.
    """
    X = np.asarray(X, dtype=np.float64)
    N = X.shape[0]
    Xc = X - X.mean(axis=0)
    A = (linalg.graph_quadratic_form(Xc, G1) - linalg.graph_quadratic_form(Xc, G2)) / N
    nu, _ = linalg.generalized_eigh((A + A.T) / 2, Xc.T @ Xc / N)
    return float(np.max(np.abs(nu))) if nu.size else 0.0


def ratio_for_rank(mu, rank):
    r"""An invariance ratio :math:`\gamma/\alpha` whose VICReg optimum keeps exactly ``rank`` directions.

    ``rank >= len(mu)``: :math:`0.1/\mu_{\max}` (every direction kept with variance
    :math:`t_k \ge 0.9`); ``rank = 0``: :math:`2/\mu_1`; otherwise
    :math:`2/(\mu_{rank} + \mu_{rank+1})`, half-way between the last kept and the
    first dropped eigenvalue (raises ``ValueError`` when they coincide).
    """
    mu = np.asarray(mu, dtype=np.float64)
    if rank >= mu.size:
        top = float(mu[-1])
        return 0.1 / top if top > 0 else 1.0
    if rank == 0:
        if mu[0] <= 0:
            raise ValueError("the smallest eigenvalue is 0: no invariance ratio removes its direction.")
        return 2.0 / float(mu[0])
    lo, hi = float(mu[rank - 1]), float(mu[rank])
    if hi <= lo * (1.0 + 1e-9):
        raise ValueError(f"eigenvalues {rank} and {rank + 1} coincide ({lo:.6g}); no invariance ratio "
                         f"keeps exactly {rank} directions.")
    return 2.0 / (lo + hi)


def solve_vicreg(X, G, n_components, ratio):
    """Linear VICReg at ``invariance / variance = ratio`` (variance = covariance = 1, closed form)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        return vicreg.optimal_linear(X, G, n_components, variance=1.0, covariance=1.0,
                                     invariance=float(ratio))


def solve_barlow_twins(X, G, n_components, *, problem="as_written", random_starts=0, random_state=0):
    """Linear Barlow Twins: ``problem="as_written"`` (numerical) or ``"cca"`` (whitened, exact).

    The one place that maps the two problems onto the solver's options
    (``constraint=None`` / ``constraint="whitened"`` of :func:`spectral_ssl.methods.barlow_twins.optimal_linear`);
    off-diagonal weight 5e-3 (the solver's default) and centred columns (batch-normalised views, as
    the reference implementations train; uncentred, one of the K columns is spent on the constant).
    """
    if problem not in BARLOW_TWINS_PROBLEMS:
        raise ValueError(f"problem must be one of {BARLOW_TWINS_PROBLEMS}, got {problem!r}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        return barlow_twins.optimal_linear(X, G, n_components,
                                           constraint="whitened" if problem == "cca" else None,
                                           centered=True, restarts=int(random_starts),
                                           random_state=random_state)


def solve_simclr(X, G, n_components, *, temperature=0.5, random_starts=1, random_state=0, max_iter=3000):
    """Linear SimCLR, numerical: the informed start plus ``random_starts`` random ones.

    Its :class:`~spectral_ssl.exceptions.ConvergenceWarning` is silenced: the claims record
    stationarity themselves (:func:`converged`, the "seeds converged" columns and the design
    check of :func:`~spectral_ssl.experiments.claims.design.check_optimum_reached`).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        # today's solver counts the informed start among its ``restarts``
        return simclr.optimal_linear(X, G, n_components, temperature=temperature,
                                     restarts=1 + int(random_starts), random_state=random_state,
                                     max_iter=max_iter)


def solve_spectral_contrastive(X, G, n_components):
    """Linear spectral contrastive (closed form)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        return spectral_contrastive.optimal_linear(X, G, n_components)


def converged(rep):
    """``details["converged"]`` of a numerical optimum (True for closed forms)."""
    return bool(rep.details.get("converged", True)) if not rep.exact else True


#: Relative singular value below which a direction of an optimum that the solver did not bring to a
#: stationary point is still on its way to collapse. Measured on linear SimCLR with misaligned relations
#: at K = D (mixture, digits, wine; N = 128): L-BFGS stops at gradient norm 1e3-1e4 with a training row
#: near the origin (where the loss is not smooth) and 3 to 27 directions between 1e-10 and 1e-3 of the
#: largest; which of them end below the probe's cutoff (1e-6) changed with the number of random starts
#: on the same seed (rank 13, 13, 12 of 13 on wine with 0, 1 and 4 random starts).
SPAN_RESOLUTION = 1e-3

#: Relative singular value at or below which a direction is round-off: collapsed at any stopping point.
SPAN_ROUNDOFF = 1e-10


def relative_spectrum(Z):
    """Singular values of the centred ``Z`` divided by the largest (descending; zeros for a constant ``Z``)."""
    Z = np.asarray(Z, dtype=np.float64)
    s = np.linalg.svd(Z - Z.mean(axis=0), compute_uv=False)
    return s / s[0] if s.size and s[0] > 0 else np.zeros_like(s)


def span_set_by_optimum(rep, Z, *, resolution=SPAN_RESOLUTION, roundoff=SPAN_ROUNDOFF):
    r"""Whether the span of ``Z`` (what a span-only probe sees) is the optimum's, not the solver's stopping point.

    A closed form (``rep.exact``) or a numerical optimum at a stationary point
    (``details["converged"]``) sets its span. An optimum the solver left short of
    stationarity sets it only when none of its directions is still collapsing:
    no relative singular value in :math:`(\text{roundoff}, \text{resolution})`.
    A direction in that band is kept by the probe (and whitened back to unit
    variance) if it stopped above the probe's cutoff :math:`10^{-6}` and dropped
    if below, so the probe accuracy depends on where the optimiser stopped.

    Parameters
    ----------
    rep : Representation
        A solver's result (``exact`` and ``details``).
    Z : array_like, shape (n, K)
        Its training representation.
    resolution, roundoff : float
        The band of still-collapsing directions, relative to the largest singular value.

    Returns
    -------
    set_by_optimum : bool
    collapsing : int
        Directions in the band (0 for a closed form or a stationary point).
    """
    if rep.exact or converged(rep):
        return True, 0
    s = relative_spectrum(Z)
    collapsing = int(np.sum((s > roundoff) & (s < resolution)))
    return collapsing == 0, collapsing


def drop_collapsing(Ztr, Zte, *, resolution=SPAN_RESOLUTION):
    """``(Ztr, Zte)`` projected on the training directions above ``resolution`` (relative singular value).

    The representation as it would be if every still-collapsing direction
    (:func:`span_set_by_optimum`) reached zero: a bound on what the optimum's
    span could give a probe, not a measurement of it.
    """
    Ztr, Zte = np.asarray(Ztr, dtype=np.float64), np.asarray(Zte, dtype=np.float64)
    mean = Ztr.mean(axis=0)
    _, s, Vt = np.linalg.svd(Ztr - mean, full_matrices=False)
    keep = s > resolution * s[0] if s.size and s[0] > 0 else np.zeros(s.shape, dtype=bool)
    V = Vt[keep].T
    return (Ztr - mean) @ V, (Zte - mean) @ V


def rank(Z):
    """The package's rank rule on a representation (:func:`spectral_ssl.linalg.representation_rank`)."""
    return linalg.representation_rank(Z)


__all__ = ["METHOD_LABELS", "BARLOW_TWINS_PROBLEMS", "linear_spectrum", "linear_perturbation", "ratio_for_rank", "solve_vicreg",
           "solve_barlow_twins", "solve_simclr", "solve_spectral_contrastive", "converged", "rank",
           "SPAN_RESOLUTION", "SPAN_ROUNDOFF", "relative_spectrum", "span_set_by_optimum", "drop_collapsing"]
