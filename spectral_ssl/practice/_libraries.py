r"""The libraries' loss constructors, their constants, and the graph-form problem nearest to each.

Every supported ``(method, library)`` pair is a :class:`LibraryLoss`: the constructor
keywords the library itself uses (with its defaults), how they become the constants of
:mod:`spectral_ssl.reference`, and the value and analytic gradient of the loss with
respect to the two views (used by the numerical solves of :mod:`spectral_ssl.practice`).
"""

from dataclasses import dataclass

import numpy as np
import scipy.special

from .. import reference
from .._validation import argument_error, check_integer, check_option, check_scalar

#: Methods and libraries :func:`spectral_ssl.practice.optimal_linear_for` knows.
METHODS = ("vicreg", "barlow_twins", "nt_xent")
LIBRARIES = ("lightly", "official", "solo")

#: Epsilon of the batch normalisation of every Barlow Twins library (torch's default).
BATCH_NORM_EPS = 1e-5


@dataclass(frozen=True)
class LibraryLoss:
    """One library's loss: its constructor name, keywords with defaults, and what they mean."""

    method: str
    library: str
    constructor: str
    defaults: dict
    #: keyword of the library -> (meaning, name of the canonical constant)
    roles: dict


_SPECS = {
    ("vicreg", "lightly"): LibraryLoss(
        "vicreg", "lightly", "lightly.loss.VICRegLoss (lightly 1.6.0)",
        {"lambda_param": 25.0, "mu_param": 25.0, "nu_param": 1.0, "eps": 1e-4},
        {"lambda_param": "invariance", "mu_param": "variance", "nu_param": "covariance", "eps": "eps"}),
    ("vicreg", "official"): LibraryLoss(
        "vicreg", "official", "facebookresearch/vicreg main_vicreg.py (--sim-coeff/--std-coeff/--cov-coeff)",
        {"sim_coeff": 25.0, "std_coeff": 25.0, "cov_coeff": 1.0},
        {"sim_coeff": "invariance", "std_coeff": "variance", "cov_coeff": "covariance"}),
    ("vicreg", "solo"): LibraryLoss(
        "vicreg", "solo", "solo-learn solo/losses/vicreg.py vicreg_loss_func",
        {"sim_loss_weight": 25.0, "var_loss_weight": 25.0, "cov_loss_weight": 1.0},
        {"sim_loss_weight": "invariance", "var_loss_weight": "variance", "cov_loss_weight": "covariance"}),
    ("barlow_twins", "lightly"): LibraryLoss(
        "barlow_twins", "lightly", "lightly.loss.BarlowTwinsLoss (lightly 1.6.0)",
        {"lambda_param": 5e-3}, {"lambda_param": "off_diagonal"}),
    ("barlow_twins", "official"): LibraryLoss(
        "barlow_twins", "official", "facebookresearch/barlowtwins main.py (--lambd)",
        {"lambd": 0.0051}, {"lambd": "off_diagonal"}),
    ("barlow_twins", "solo"): LibraryLoss(
        "barlow_twins", "solo", "solo-learn solo/losses/barlow.py barlow_loss_func",
        {"lamb": 5e-3, "scale_loss": 0.025}, {"lamb": "off_diagonal", "scale_loss": "scale_loss"}),
    ("nt_xent", "lightly"): LibraryLoss(
        "nt_xent", "lightly", "lightly.loss.NTXentLoss (lightly 1.6.0)",
        {"temperature": 0.5}, {"temperature": "temperature"}),
    ("nt_xent", "official"): LibraryLoss(
        "nt_xent", "official", "google-research/simclr tf2 objective.py (run.py --temperature, default 0.1)",
        {"temperature": 0.1}, {"temperature": "temperature"}),
    ("nt_xent", "solo"): LibraryLoss(
        "nt_xent", "solo", "solo-learn solo/losses/simclr.py simclr_loss_func",
        {"temperature": 0.1}, {"temperature": "temperature"}),
}

#: ``(method, library) -> {keyword: default}``: each library's constructor keywords.
LIBRARY_DEFAULTS = {key: dict(loss.defaults) for key, loss in _SPECS.items()}

#: Weight of the variance term per view (the official code and lightly halve it, solo-learn does not).
_VICREG_VARIANCE_WEIGHT = {"lightly": 0.5, "official": 0.5, "solo": 1.0}
#: Factor between the library's NT-Xent and lightly's (Google's code adds the two directions).
_NT_XENT_FACTOR = {"lightly": 1.0, "official": 2.0, "solo": 1.0}
_REFERENCE_VICREG = {"lightly": "official", "official": "official", "solo": "solo"}
_REFERENCE_NT_XENT = {"lightly": "lightly", "official": "google", "solo": "solo"}
_REFERENCE_BARLOW = {"lightly": "lightly", "official": "official", "solo": "solo"}


def spec(method, library):
    """The :class:`LibraryLoss` of ``(method, library)``; ``ValueError`` for an unknown one."""
    check_option(method, name="method", options=METHODS)
    check_option(library, name="library", options=LIBRARIES)
    return _SPECS[(method, library)]


def resolve(method, library, library_kwargs):
    """The library's constants with defaults filled in (``TypeError`` for an unknown keyword).

    Returns ``(spec, constants)``: ``constants`` maps the library's own keyword names to floats.
    The error lists the library's constructor keywords only (the calling function's own
    arguments, ``restarts`` and so on, are not keywords of the library's loss).
    """
    loss = spec(method, library)
    unknown = sorted(set(library_kwargs) - set(loss.defaults))
    if unknown:
        raise TypeError(
            f"unexpected keyword argument(s) {', '.join(map(repr, unknown))} for method={method!r}, "
            f"library={library!r}: {constructor_keywords(loss)}.")
    constants = dict(loss.defaults)
    for key, value in library_kwargs.items():
        low_inclusive = loss.roles[key] not in ("temperature",)
        constants[key] = check_scalar(value, name=key, low=0.0, low_inclusive=low_inclusive)
    return loss, constants


def constructor_keywords(loss):
    """``"the keywords of <constructor> are: a, b"``: what an unknown keyword's error lists."""
    return f"the keywords of {loss.constructor} are: {', '.join(loss.defaults)}"


def check_nonzero_rows(V, name):
    """Refuse rows of zero norm for NT-Xent (their cosine similarity is undefined), naming ``name``."""
    zero = np.flatnonzero(~np.any(V != 0, axis=1))
    if zero.size:
        reason = (f"{zero.size} row(s) have zero norm (first: row {int(zero[0])}); NT-Xent's cosine "
                  f"similarity of a zero vector is undefined. Remove those samples or give them a nonzero "
                  f"representation.")
        raise argument_error(f"{name}: {reason}", argument=name, reason=reason)


def canonical(loss, constants):
    """The constants by meaning (``invariance``, ``variance``, ...), whatever the library calls them."""
    out = {loss.roles[key]: value for key, value in constants.items()}
    if loss.method == "vicreg":
        out.setdefault("eps", 1e-4)  # hard-coded in the official code and solo-learn
    if loss.method == "barlow_twins":
        out.setdefault("scale_loss", 1.0)
    return out


# --------------------------------------------------------------------------- values


def library_value(method, library, A, B, constants):
    """The library's loss at the views ``A``, ``B`` (computed by :mod:`spectral_ssl.reference`)."""
    loss = spec(method, library)
    c = canonical(loss, constants)
    if method == "vicreg":
        return reference.vicreg(A, B, convention=_REFERENCE_VICREG[library], invariance=c["invariance"],
                                variance=c["variance"], covariance=c["covariance"], eps=c["eps"])
    if method == "barlow_twins":
        scale = {"scale_loss": c["scale_loss"]} if library == "solo" else {}
        return reference.barlow_twins(A, B, convention=_REFERENCE_BARLOW[library],
                                      off_diagonal=c["off_diagonal"], eps=BATCH_NORM_EPS, **scale)
    return reference.nt_xent(A, B, temperature=c["temperature"], convention=_REFERENCE_NT_XENT[library])


def vicreg_value_and_gradient(A, B, invariance, variance_weight, covariance, eps, smoothing=0.0):
    r"""Per-view VICReg and its gradient with respect to ``A`` and ``B``.

    :math:`\lambda\,\text{mean}(A-B)^2 + w\,(v_A + v_B) + \nu\,(c_A + c_B)` with
    :math:`v_V = \text{mean}_k\,\text{relu}(1-\sqrt{\text{var}_u(V_k)+\epsilon})`,
    :math:`c_V = \sum_{k\ne l}\text{Cov}_u(V)_{kl}^2/K` (``reference.vicreg``; :math:`w` is
    :math:`\mu/2` in the official code and lightly, :math:`\mu` in solo-learn). Gradients:
    :math:`2\lambda(A-B)/(NK)`; the hinge gives
    :math:`-\frac{w}{K}\,\frac{V_{c,ik}}{(N-1)\sqrt{\text{var}_u+\epsilon}}` on its active
    columns; the covariance :math:`\frac{4\nu}{K(N-1)} V_c\,\text{offdiag}(\text{Cov}_u)`.
    ``smoothing`` :math:`\delta > 0` replaces :math:`\text{relu}(x)` by
    :math:`\delta\log(1 + e^{x/\delta})` (a smooth stand-in for continuation; 0: the loss).
    """
    n, dim = A.shape
    diff = A - B
    value = invariance * np.mean(diff**2)
    grads = []
    for V, sign in ((A, 1.0), (B, -1.0)):
        Vc = V - V.mean(axis=0)
        cov = Vc.T @ Vc / (n - 1)
        root = np.sqrt(np.diag(cov) + eps)
        off = cov - np.diag(np.diag(cov))
        if smoothing > 0:
            x = (1.0 - root) / smoothing
            value += variance_weight * np.mean(smoothing * np.logaddexp(0.0, x))
            slope = -0.5 / root * scipy.special.expit(x)
        else:
            active = root < 1.0
            value += variance_weight * np.mean(np.where(active, 1.0 - root, 0.0))
            slope = np.where(active, -0.5 / root, 0.0)  # d hinge / d var
        value += covariance * np.sum(off**2) / dim
        g = Vc * (2.0 * variance_weight * slope / (dim * (n - 1)))
        g += (4.0 * covariance / (dim * (n - 1))) * Vc @ off
        g += sign * (2.0 * invariance / (n * dim)) * diff
        grads.append(g)
    return float(value), grads[0], grads[1]


def _batch_norm_backward(Vn, sigma, g):
    r""":math:`\partial\ell/\partial V` from :math:`g = \partial\ell/\partial\tilde V` through
    :math:`\tilde V = (V-\bar V)/\sigma`, :math:`\sigma^2 = \text{var}_b(V)+\epsilon`:
    :math:`(g - \bar g - \tilde V\,\overline{g\odot\tilde V})/\sigma` (column-wise means)."""
    return (g - g.mean(axis=0) - Vn * np.mean(g * Vn, axis=0)) / sigma


def barlow_value_and_gradient(A, B, off_diagonal, scale_loss, eps=BATCH_NORM_EPS):
    r"""Per-view Barlow Twins (batch norm per view) and its gradient with respect to ``A``, ``B``.

    :math:`C = \tilde A^\top\tilde B/N`, :math:`\ell = s\,[\sum_k(C_{kk}-1)^2 + \lambda\sum_{k\ne l}C_{kl}^2]`;
    :math:`\partial\ell/\partial C = s\,[2\operatorname{diag}(C_{kk}-1) + 2\lambda\,\text{offdiag}(C)]`,
    then through the product and each view's batch norm (:func:`_batch_norm_backward`).
    """
    n = A.shape[0]
    normed = []
    for V in (A, B):
        Vc = V - V.mean(axis=0)
        sigma = np.sqrt(np.mean(Vc**2, axis=0) + eps)
        normed.append((Vc / sigma, sigma))
    (An, sa), (Bn, sb) = normed
    C = An.T @ Bn / n
    diag = np.diag(C)
    off = C - np.diag(diag)
    value = scale_loss * (np.sum((diag - 1.0) ** 2) + off_diagonal * np.sum(off**2))
    gC = scale_loss * (2.0 * np.diag(diag - 1.0) + 2.0 * off_diagonal * off)
    gA = _batch_norm_backward(An, sa, Bn @ gC.T / n)
    gB = _batch_norm_backward(Bn, sb, An @ gC / n)
    return float(value), gA, gB


def nt_xent_value_and_gradient(A, B, temperature, factor):
    r"""lightly's NT-Xent times ``factor`` and its gradient (from the graph form).

    With :math:`Z = [A; B]` and the pairing graph the graph-form SimCLR loss is :math:`2N`
    times lightly's (:func:`spectral_ssl.reference.nt_xent`), so value and gradient are the
    graph form's divided by :math:`2N`.
    """
    from .. import graphs, losses

    n = A.shape[0]
    G = graphs.from_groups(np.tile(np.arange(n), 2))
    value, grad = losses.simclr(np.vstack([A, B]), G, temperature=temperature, return_gradient=True)
    scale = factor / (2.0 * n)
    return float(scale * value), scale * grad[:n], scale * grad[n:]


def value_and_gradient(method, library, constants, smoothing=0.0):
    """``f(A, B) -> (value, dA, dB)`` of the library's loss (VICReg: hinge smoothed by ``smoothing``)."""
    loss = spec(method, library)
    c = canonical(loss, constants)
    if method == "vicreg":
        weight = _VICREG_VARIANCE_WEIGHT[library] * c["variance"]
        return lambda A, B: vicreg_value_and_gradient(A, B, c["invariance"], weight, c["covariance"],
                                                      c["eps"], smoothing)
    if method == "barlow_twins":
        return lambda A, B: barlow_value_and_gradient(A, B, c["off_diagonal"], c["scale_loss"])
    return lambda A, B: nt_xent_value_and_gradient(A, B, c["temperature"], _NT_XENT_FACTOR[library])


# --------------------------------------------------------------------------- graph-form mapping


def graph_form(method, library, constants, n_samples):
    r"""The graph-form problem (keywords of ``methods.<method>``) nearest to the library's loss.

    Returns ``(hyperparameters, scale, factor)``: the library's loss at views ``(A, B)``
    is approximately ``graph_loss(scale * [A; B]) / factor`` (exactly, for VICReg, when
    both views have equal column means and covariances; exactly for NT-Xent).

    * VICReg: ``variance`` :math:`=2w` (:math:`\mu` for lightly and the official code, whose
      variance term is halved; :math:`2\mu` for solo-learn), ``covariance`` :math:`=2\nu`,
      ``invariance`` :math:`=\lambda/s^2`, hinge variance, :math:`s = \sqrt{N/(N-1)}`,
      ``factor`` :math:`= K` (the library averages over the :math:`K` columns).
    * NT-Xent: ``temperature`` unchanged, ``scale`` 1, ``factor`` :math:`2N/c` with
      :math:`c` = 2 for Google's code, 1 otherwise.
    * Barlow Twins: ``off_diagonal`` :math:`\lambda`, ``centered=True``, ``scale`` 1,
      ``factor`` :math:`1/s_\ell` (solo-learn's ``scale_loss``); exact when the views have
      equal statistics, up to the antisymmetric part of :math:`C`
      (see :func:`spectral_ssl.reference.barlow_twins`).
    """
    loss = spec(method, library)
    c = canonical(loss, constants)
    # samples per view: VICReg's unbiased variance and Barlow Twins' batch norm need two;
    # NT-Xent is defined (0) for one pair
    n = check_integer(n_samples, name="n_samples", low=1 if method == "nt_xent" else 2,
                      what="samples per view")
    if method == "vicreg":
        s2 = n / (n - 1.0)
        weight = _VICREG_VARIANCE_WEIGHT[library] * c["variance"]
        hyper = {"variance": 2.0 * weight, "covariance": 2.0 * c["covariance"],
                 "invariance": c["invariance"] / s2, "variance_kind": "hinge", "eps": c["eps"]}
        return hyper, float(np.sqrt(s2)), None  # factor K: depends on n_components
    if method == "nt_xent":
        return {"temperature": c["temperature"]}, 1.0, 2.0 * n / _NT_XENT_FACTOR[library]
    return {"off_diagonal": c["off_diagonal"], "centered": True}, 1.0, 1.0 / c["scale_loss"]
