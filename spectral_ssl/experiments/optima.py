r"""Optima of the SSL methods, certified: the solve-and-certify step of one row of the report's
method table, its gradient norm and what kind of solution it is.

Computation only; :mod:`spectral_ssl.experiments.method_table` builds the rows,
:mod:`spectral_ssl.report` renders them.
"""

import numpy as np

from .. import certify as certify_module
from .. import graphs
from .. import methods as methods_module
from .probe import probe_out_of_sample, probe_transductive

#: What a row's optimum is: a closed form exact for the loss, Barlow Twins' CCA
#: (exact for the problem with within-view whitening), or a numerical optimum.
SOLUTIONS = ("exact", "whitened", "numerical")


def gradient_norm(rep, G, regime, X_fit):
    r"""Norm of the gradient of the exact loss w.r.t. the optimised parameters, at the optimum.

    :math:`Z` (non-parametric), :math:`(W, b)` with :math:`\partial/\partial W = X^\top g`
    (linear) or :math:`(A, b)` with :math:`K_X^\top g` (kernel), :math:`g = \partial\mathcal L/\partial Z`,
    from the method's ``loss_and_gradient``.
    """
    G = graphs.check(G)
    module = methods_module.REGISTRY[rep.method]
    _, g = module.loss_and_gradient(rep.Z, G, **rep.hyperparameters)
    if regime == "nonparametric":
        return float(np.linalg.norm(g))
    F = rep.kernel(rep.X_fit, rep.X_fit) if regime == "kernel" else X_fit
    return float(np.sqrt(np.linalg.norm(F.T @ g) ** 2 + np.linalg.norm(g.sum(axis=0)) ** 2))


def solution_kind(rep):
    """``"exact"``, ``"whitened"`` (Barlow Twins' CCA under within-view whitening) or ``"numerical"``."""
    if not rep.exact:
        return "numerical"
    # Barlow Twins names the problem it solved in details["constraint"] ("whitened", or None for
    # the loss as written); the other methods have one problem
    return "whitened" if rep.details.get("constraint") == "whitened" else "exact"


def certificate_verdict(solution, passed):
    """The ``cert.`` column: ``yes``, or what a failed certificate means for this kind of row."""
    if passed is None:
        return None
    if passed:
        return "yes"
    return {"exact": "FAILED", "numerical": "beaten", "whitened": "lower"}[solution]


def solve_and_certify(case, n_components, restarts, seed, max_iter):
    """The optimum of one case of the method table and its certificate.

    The certificate (:func:`spectral_ssl.certify.certify`) minimises the same loss from
    ``restarts`` random starts on the case's certificate problem; when that problem is the
    case's own, the certificate's representation is the row's optimum.

    Returns
    -------
    rep : Representation
    cert : Certificate
    """
    problem = case.problem
    nonparametric = case.regime == "nonparametric"
    cert = certify_module.certify(case.method, problem.Gc, n_components,
                                  X=None if nonparametric else problem.Vc, regime=case.regime,
                                  restarts=restarts, random_state=seed, max_iter=max_iter,
                                  solve_options=case.solve_options or None, **case.hyper)
    if problem.certify_itself:
        rep = cert.representation
    else:
        rep = methods_module.solve(case.method, problem.G, n_components,
                                   X=None if nonparametric else problem.V, regime=case.regime,
                                   **case.hyper, **case.solve_options)
    return rep, cert


def result_fields(rep, cert, case):
    """The row fields of a solved case: loss, rank, solution kind, gradient norm, certificate, spectrum."""
    solution = solution_kind(rep)
    details = rep.details
    formula = details.get("minimal_loss", details.get("whitened_loss"))
    fields = {} if case.method == "vicreg" else {
        "case": details.get("case") or details.get("problem") or "closed form (Eckart-Young)"}
    if case.method == "simclr":
        # SimCLR's loss only sees row directions; a row near 0 marks a stalled run (see the notes).
        norms = np.linalg.norm(rep.Z, axis=1)
        fields["min_row_norm_ratio"] = float(norms.min() / np.median(norms))
    return fields | {
        "loss": float(rep.loss),
        "minimal_loss_formula": None if formula is None else float(formula),
        "rank": int(rep.rank),
        "exact": bool(rep.exact),
        "solution": solution,
        "equivalent": rep.equivalent,
        "gradient_norm": gradient_norm(rep, case.problem.G, case.regime, case.problem.V),
        "cert_n_samples": int(cert.n_samples),
        "cert_closed_form_loss": float(cert.closed_form_loss),
        "cert_best_numerical_loss": float(cert.best_numerical_loss),
        "cert_gap": float(cert.gap),
        "cert_relative_gap": float(cert.relative_gap),
        "cert_converged": f"{sum(cert.converged)}/{len(cert.converged)}",
        "cert_passed": bool(cert.passed),
        "cert_verdict": certificate_verdict(solution, bool(cert.passed)),
        "cert_numerical_losses": [float(v) for v in cert.numerical_losses],
        "eigenvalues": [float(v) for v in rep.eigenvalues],
        "scales": [float(v) for v in rep.scales],
    }


def probe_accuracy(rep, case, X, y, train, test, model):
    """Linear-probe accuracy of a main-section row (out of sample, or transductive for the non-parametric regime)."""
    if case.regime != "nonparametric":
        return probe_out_of_sample(rep, X[train], y[train], X[test], y[test], model=model)
    images = case.problem.images
    groups = np.tile(np.arange(images.size), 2)
    return probe_transductive(rep, y[images], np.flatnonzero(np.isin(images, train)),
                              np.flatnonzero(np.isin(images, test)), groups=groups, model=model)


__all__ = ["SOLUTIONS", "gradient_norm", "solution_kind", "certificate_verdict", "solve_and_certify",
           "result_fields", "probe_accuracy"]
