"""Tests of spectral_ssl.symbolic: every derivation verifies, a wrong step fails, and each result is
the formula the numeric code computes."""

import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg

sympy = pytest.importorskip("sympy")

from spectral_ssl import graphs, linalg, losses  # noqa: E402
from spectral_ssl import symbolic  # noqa: E402
from spectral_ssl.methods import vicreg  # noqa: E402
from spectral_ssl.symbolic.core import (  # noqa: E402
    Convex, Derivation, Holds, Identity, NotIdentity, Sign, Stationary, Step, laplacian, matrix,
    symmetric_graph,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "derivations.ipynb"


def _method(name):
    """The method module, or skip when that module does not exist (yet)."""
    try:
        return importlib.import_module(f"spectral_ssl.methods.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"spectral_ssl.methods.{name}":
            pytest.skip(f"spectral_ssl.methods.{name} is not available")
        raise


def _random_graph(rng, n):
    G = rng.uniform(0.2, 1.5, size=(n, n))
    G = np.triu(G, 1)
    return G + G.T


@pytest.fixture(scope="module")
def results():
    return symbolic.run_all()


# --------------------------------------------------------------------------- verification


def test_every_derivation_verifies(results):
    assert [r.name for r in results] == list(symbolic.NAMES)
    failed = {r.name: r.message for r in results if not r.passed}
    assert failed == {}
    assert all(len(r.steps) >= 4 and all(s.passed for s in r.steps) for r in results)
    assert all(r.message == f"{len(r.steps)}/{len(r.steps)} steps verified" for r in results)


def test_each_result_records_a_duration(results):
    # How long the derivations take is measured in benchmarks/, not asserted here (a timed unit
    # test fails on a loaded machine for no fault of the code).
    assert all(r.seconds >= 0.0 for r in results)


def test_the_theory_sections_are_covered():
    expected = {"dirichlet_identity", "vicreg_scales", "vicreg_waterfilling", "vicreg_hinge", "linear_regime",
                "lda_identity", "spectral_contrastive_expansion", "simclr_decomposition", "simclr_simplex",
                "barlow_twins_graph_form", "sample_dimension_duality"}
    assert expected <= set(symbolic.NAMES)


def test_every_step_kind_is_used():
    kinds = {step.kind for d in symbolic.all_derivations() for step in d.steps}
    assert {"equality", "inequality", "stationarity", "second-order", "KKT", "counter-check"} <= kinds


def test_results_are_functions_of_their_documented_arguments():
    for d in symbolic.all_derivations():
        for key, expr in d.results.items():
            args = set()
            for a in d.arguments[key]:
                args |= set(a) if isinstance(a, sympy.MatrixBase) else {a}
            free = expr.free_symbols if not isinstance(expr, sympy.MatrixBase) else set().union(
                *(e.free_symbols for e in expr))
            assert free <= args, (d.name, key, free - args)
            assert callable(d.lambdify(key))


def test_unknown_derivation_name():
    with pytest.raises(KeyError, match="unknown derivation 'nope'; known: dirichlet_identity"):
        symbolic.get("nope")


def test_run_all_subset_and_result_record():
    (only,) = symbolic.run_all(["vicreg_hinge"])
    assert only.name == "vicreg_hinge" and only.passed is True
    record = only.as_dict()
    assert set(record) == {"name", "passed", "seconds", "message", "steps"}
    assert record["message"] == "8/8 steps verified"


# --------------------------------------------------------------------------- checks can fail


alpha, gamma = sympy.symbols("alpha gamma", positive=True)
lam = sympy.Symbol("lambda", nonnegative=True)
t = sympy.Symbol("t", real=True)
objective = alpha * (1 - t) ** 2 + 2 * gamma * lam * t


def _derivation(*steps):
    return Derivation(name="probe", title="probe", statement="", steps=list(steps),
                      results={"result": t}, arguments={"result": (t,)}, symbols={})


def test_a_wrong_coefficient_is_reported_failed():
    wrong = Step("Stationarity (wrong)", Stationary(objective, t, 1 - 2 * gamma * lam / alpha))
    right = Step("Stationarity", Stationary(objective, t, 1 - gamma * lam / alpha, unique=True))
    report = _derivation(right, wrong).verify()
    assert report.passed is False
    assert [s.passed for s in report.steps] == [True, False]
    assert report.failed[0].index == 2
    assert report.failed[0].message.startswith("gradient at the point is not 0")
    assert report.message.startswith("1/2 steps verified; step 2 'Stationarity (wrong)' failed")
    assert "**FAILED**" in report.to_markdown()


def test_corrupting_a_real_derivation_is_detected():
    d = symbolic.vicreg.vicreg_scales()  # a fresh copy, not the cached one
    index = next(k for k, s in enumerate(d.steps) if s.title == "Stationarity")
    check = d.steps[index].check
    # same objective, wrong coefficient: t = 1 - 2 gamma lambda / alpha
    d.steps[index] = Step("Stationarity",
                          Stationary(check.objective, check.variables[0], 1 - 2 * gamma * lam / alpha,
                                     unique=True))
    report = d.verify()
    assert report.passed is False and d.verification is report
    assert [s.index for s in report.failed] == [index + 1]
    assert report.message.startswith(f"{len(d.steps) - 1}/{len(d.steps)} steps verified")
    assert symbolic.get("vicreg_scales").verify().passed is True  # the registered one is untouched


def test_wrong_claims_of_every_check_kind_fail():
    G = symmetric_graph(3)
    Z = matrix("z", 3, 2, real=True)
    L = laplacian(G)
    pairs = sum(G[i, j] * sum((Z[i, k] - Z[j, k]) ** 2 for k in range(2)) for i in range(3) for j in range(3))
    a, b = sympy.symbols("a b", real=True)
    wrong = [
        Identity(pairs, (Z.T * L * Z).trace()),  # factor 2 missing in the Dirichlet identity
        NotIdentity(pairs, 2 * (Z.T * L * Z).trace()),  # it IS an identity
        Stationary(alpha * (t - a) ** 2 * (t - b) ** 2, t, a, unique=True),  # three roots, not one
        Sign(1 - gamma * lam / alpha, "positive"),  # undecided without the condition
        Sign(a**2 + b**2, "nonnegative", certificate=(a + b) ** 2, method="expand"),  # certificate differs
        Convex(-objective, [t]),  # concave
        Holds(lambda: (False, "no"), "always false"),
        Holds(lambda: 1 / 0, "raises"),  # a crashing check is a failure, not an exception
    ]
    report = _derivation(*[Step(f"wrong {k}", c) for k, c in enumerate(wrong)]).verify()
    assert [s.passed for s in report.steps] == [False] * len(wrong)
    assert report.steps[-1].message.startswith("ZeroDivisionError")


def test_correct_claims_of_every_check_kind_pass():
    a, b = sympy.symbols("a b", real=True)
    right = [
        Sign(a**2 + b**2 + 2 * a * b, "nonnegative", certificate=(a + b) ** 2, method="expand"),
        Convex(objective, [t]),
        NotIdentity((a + b) ** 2, a**2 + b**2),
    ]
    report = _derivation(*[Step(f"right {k}", c) for k, c in enumerate(right)]).verify()
    assert report.passed is True


# --------------------------------------------------------------------------- rendering


def test_markdown_rendering_lists_every_step_and_its_status():
    d = symbolic.get("vicreg_scales")
    report = d.verify()
    text = d.to_markdown()
    assert text.startswith("### VICReg (square variance, beta >= alpha)")
    assert all(f"**{k}. {s.title}**" in text for k, s in enumerate(d.steps, 1))
    assert text.count("**Status:** verified") == len(d.steps)
    assert r"\max\left(0" in text  # the result in LaTeX
    assert d._repr_markdown_() == text
    assert report.to_markdown().count("| verified |") == len(d.steps)
    plain = d.to_markdown(with_status=False)
    assert "Status" not in plain and "$" in plain


def test_every_step_shows_the_latex_of_its_checked_expressions():
    # The displayed formula is sympy.latex of the check's own expressions, short enough to read
    # (abstract matrices / sums, instantiated only for the check), and rendered as display math.
    for d in symbolic.all_derivations():
        text = d.to_markdown(with_status=False)
        for step in d.steps:
            if isinstance(step.check, Holds):
                assert step.formula is None
                continue
            assert step.formula and len(step.formula) <= 700, (d.name, step.title, len(step.formula or ""))
            assert f"$$\n{step.formula}\n$$" in text
        for step in d.steps:
            check = step.check
            if type(check) is Identity:
                assert step.formula.startswith(f"{sympy.latex(check.lhs)} = {sympy.latex(check.rhs)}")


def test_corrupting_the_checked_expression_changes_the_text_and_fails():
    d = symbolic.graph.dirichlet_identity()  # a fresh copy
    step = next(s for s in d.steps if s.title == "Dirichlet identity")
    assert step.formula.endswith(r"= 2 \operatorname{tr}\left(Z^{T} L Z \right)")
    step.check.rhs = 3 * step.check.rhs / 2  # the abstract right-hand side, 3 tr(Z^T L Z)
    assert step.formula.endswith(r"= 3 \operatorname{tr}\left(Z^{T} L Z \right)")
    assert r"3 \operatorname{tr}" in d.to_markdown(with_status=False)
    report = d.verify()
    assert [o.title for o in report.failed] == ["Dirichlet identity"]
    assert report.failed[0].message.startswith("1 nonzero residual entry")

    scales = symbolic.vicreg.vicreg_scales()
    stationarity = next(s for s in scales.steps if s.title == "Stationarity")
    assert stationarity.formula.endswith(r"\iff t = 1 - \frac{\gamma \lambda}{\alpha}")
    stationarity.check.point = {t: 1 - 2 * gamma * lam / alpha}
    assert stationarity.formula.endswith(r"\iff t = 1 - \frac{2 \gamma \lambda}{\alpha}")
    assert scales.verify().failed[0].title == "Stationarity"


def test_abstract_claims_are_instantiated_for_the_check():
    from spectral_ssl.symbolic.core import FrobeniusSquared, instantiate, sizes

    N, K = sizes("N", "K")
    Z = sympy.MatrixSymbol("Z", N, K)
    explicit = matrix("z", 3, 2, real=True)
    value = instantiate(FrobeniusSquared(Z * Z.T) - FrobeniusSquared(Z.T * Z), {N: 3, K: 2, Z: explicit})
    assert sympy.expand(value) == 0
    gram = instantiate(Z.T * Z, {N: 3, K: 2, Z: explicit})
    assert gram == explicit.T * explicit
    check = Identity(FrobeniusSquared(Z * Z.T), FrobeniusSquared(Z.T * Z), values={N: 3, K: 2, Z: explicit})
    assert check.run() == (True, "residual is exactly 0")
    assert check.formula() == r"\left\lVert Z Z^{T}\right\rVert_F^{2} = \left\lVert Z^{T} Z\right\rVert_F^{2}"
    assert "instantiated at $N = 3$, $K = 2$; $Z$ an explicit $3\\times2$ matrix" in check.describe()


def test_checks_and_steps_have_readable_reprs():
    for d in symbolic.all_derivations():
        for step in d.steps:
            text = repr(step.check)
            assert text.startswith(type(step.check).__name__ + "(") and " at 0x" not in text
            assert " at 0x" not in repr(step)
    a, b = sympy.symbols("a b", real=True)
    assert repr(Identity((a + b) ** 2, a**2 + b**2)) == "Identity(lhs=(a + b)**2, rhs=a**2 + b**2, method='expand')"
    assert repr(Sign(a**2, "nonnegative")) == "Sign(expr=a**2, sign='nonnegative')"


def test_the_old_step_signature_is_refused_with_the_fix():
    with pytest.raises(TypeError, match=r"The formula is now generated from the check: write "
                                        r"Step\(title, check, assumptions, note\)"):
        Step("old", "t = 1", Stationary(objective, t, 1))


def test_module_level_markdown_contains_all_titles():
    text = symbolic.to_markdown(verify=False)
    assert all(f"### {d.title}" in text for d in symbolic.all_derivations())


def test_package_import_does_not_import_sympy():
    code = ("import sys, spectral_ssl, spectral_ssl.methods, spectral_ssl.losses, spectral_ssl.linalg; "
            "print('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- tied to the code


def test_dirichlet_result_is_the_invariance_term():
    d = symbolic.get("dirichlet_identity")
    pairwise, quadratic = d.lambdify("result"), d.lambdify("quadratic_form")
    rng = np.random.default_rng(0)
    for _ in range(5):
        G, Z = _random_graph(rng, 4), rng.normal(size=(4, 2))
        value = losses.invariance_term(Z, G)
        assert pairwise(G, Z) / 4 == pytest.approx(value, rel=1e-12)
        assert quadratic(G, Z) / 4 == pytest.approx(value, rel=1e-12)
        L = np.diag(G.sum(1)) - G
        assert quadratic(G, Z) == pytest.approx(2 * np.trace(Z.T @ L @ Z), rel=1e-12)


def test_vicreg_scales_and_minimal_loss_match_the_code():
    d = symbolic.get("vicreg_scales")
    t_star, per_direction = d.lambdify("t_star"), d.lambdify("minimal_loss")
    rng = np.random.default_rng(1)
    for a, b, g in [(1.0, 1.0, 1.0), (2.0, 5.0, 0.7), (25.0, 25.0, 25.0)]:
        lam_ = np.sort(rng.uniform(0, 3.0 * a / g, size=7))  # some directions collapse
        t_code = vicreg.optimal_scales(lam_, variance=a, covariance=b, invariance=g)
        assert np.array_equal(t_code > 0, lam_ < a / g)
        np.testing.assert_allclose(t_star(a, g, lam_), t_code, rtol=0, atol=1e-14)
        assert np.sum(per_direction(a, g, lam_)) == pytest.approx(
            vicreg.minimal_loss(lam_, variance=a, covariance=b, invariance=g), rel=1e-12)


def test_vicreg_minimal_loss_is_the_loss_of_the_optimum():
    d = symbolic.get("vicreg_scales")
    per_direction = d.lambdify("minimal_loss")
    G = graphs.knn(np.random.default_rng(2).normal(size=(40, 3)), n_neighbors=5)
    rep = vicreg.optimal_representation(G, 4, variance=1.0, covariance=2.0, invariance=0.8)
    assert np.sum(per_direction(1.0, 0.8, rep.eigenvalues)) == pytest.approx(rep.loss, rel=1e-9)


def test_waterfilling_kkt_solution_matches_the_code():
    d = symbolic.get("vicreg_waterfilling")
    t_k, level, objective_ = d.lambdify("t_k"), d.lambdify("c"), d.lambdify("objective")
    rng = np.random.default_rng(3)
    partial = 0
    for a, b, g in [(25.0, 25.0 / 4, 1.0), (25.0, 5.0, 10.0), (3.0, 1.0, 2.0)]:
        for _ in range(4):
            lam_ = np.sort(rng.uniform(0, 2.0, size=6))
            t_code = vicreg.optimal_scales(lam_, variance=a, covariance=b, invariance=g)
            n = int(np.sum(t_code > 0))
            assert n >= 1
            partial += n < lam_.size
            S_n = lam_[:n].sum()
            np.testing.assert_allclose(t_k(a, b, g, lam_.size, n, S_n, lam_), t_code, rtol=0, atol=1e-12)
            c = level(a, b, g, lam_.size, n, S_n)
            kappa = g / b
            assert c > kappa * lam_[n - 1] and (n == lam_.size or c <= kappa * lam_[n])  # the active set
    assert partial >= 3  # the inactive-direction case was exercised
    lam3 = np.array([0.1, 0.4, 1.5])
    t3 = vicreg.optimal_scales(lam3, variance=4.0, covariance=1.0, invariance=1.0)
    assert objective_(4.0, 1.0, 1.0, *t3, *lam3) == pytest.approx(
        vicreg.minimal_loss(lam3, variance=4.0, covariance=1.0, invariance=1.0), rel=1e-12)


def test_waterfilling_optimum_beats_feasible_perturbations():
    d = symbolic.get("vicreg_waterfilling")
    objective_ = d.lambdify("objective")
    lam3 = np.array([0.0, 0.7, 2.5])
    a, b, g = 5.0, 1.0, 1.0
    t3 = vicreg.optimal_scales(lam3, variance=a, covariance=b, invariance=g)
    best = objective_(a, b, g, *t3, *lam3)
    rng = np.random.default_rng(4)
    trials = np.maximum(t3 + 0.05 * rng.normal(size=(200, 3)), 0.0)
    assert min(objective_(a, b, g, *x, *lam3) for x in trials) > best


def test_hinge_optimum_matches_the_code_and_the_loss():
    d = symbolic.get("vicreg_hinge")
    sigma_star, h = d.lambdify("sigma_star"), d.lambdify("objective")
    G = graphs.knn(np.random.default_rng(0).normal(size=(30, 3)), n_neighbors=4)
    lam_, U = linalg.laplacian_eigenpairs(G, 3)
    a, g = 1.0, 0.3
    sig = sigma_star(a, g, lam_)
    assert np.all(sig > 0) and np.any(sig < 1) and np.any(sig == 1)
    Z = np.sqrt(30) * U * sig
    hinge = dict(variance=a, covariance=1.0, invariance=g, variance_kind="hinge", eps=0.0)
    best = losses.vicreg(Z, G, **hinge)
    assert best == pytest.approx(np.sum(h(a, g, lam_, sig)), rel=1e-10)
    for k in range(3):
        for step in (-1e-3, 1e-3):
            scaled = sig.copy()
            scaled[k] += step
            assert losses.vicreg(np.sqrt(30) * U * scaled, G, **hinge) > best
    rep = vicreg.optimal_representation(G, 3, variance=a, covariance=1e4, invariance=g,
                                        variance_kind="hinge", eps=0.0)
    np.testing.assert_allclose(np.sort(rep.scales), np.sort(sig**2), rtol=1e-6)


def test_linear_regime_matrix_has_the_generalized_eigenvalues():
    d = symbolic.get("linear_regime")
    M_of = d.lambdify("M")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(25, 2)) @ np.array([[2.0, 0.3], [0.0, 0.5]])
    G = graphs.knn(X, n_neighbors=4)
    L = np.diag(np.asarray(G.sum(1)).ravel()) - G.toarray()
    A = X.T @ L @ X / 25
    Xc = X - X.mean(0)
    B = Xc.T @ Xc / 25
    M = M_of(A, scipy.linalg.sqrtm(B).real)
    mu_sym = np.linalg.eigvalsh((M + M.T) / 2)
    lin = vicreg.optimal_linear(X, G, 2, variance=1.0, covariance=1.0, invariance=0.1)
    np.testing.assert_allclose(lin.eigenvalues, mu_sym, rtol=1e-9)
    np.testing.assert_allclose(scipy.linalg.eigh(A, B, eigvals_only=True), mu_sym, rtol=1e-9)


def test_lda_identity_matches_the_label_graph_quadratic_form():
    d = symbolic.get("lda_identity")
    XtLX = d.lambdify("XtLX")
    rng = np.random.default_rng(6)
    X = rng.normal(size=(4, 2))
    G = graphs.from_labels(np.array([0, 0, 1, 1]))
    np.testing.assert_allclose(XtLX(X), linalg.graph_quadratic_form(X, G), rtol=1e-12, atol=1e-12)
    # the same statement at other sizes: X^T L X = n_c N S_W
    y = np.repeat(np.arange(3), 5)
    X = rng.normal(size=(15, 4))
    S_W = sum((X[y == c] - X[y == c].mean(0)).T @ (X[y == c] - X[y == c].mean(0)) for c in range(3)) / 15
    np.testing.assert_allclose(linalg.graph_quadratic_form(X, graphs.from_labels(y)), 5 * 15 * S_W,
                               rtol=1e-10, atol=1e-10)


def test_spectral_contrastive_expansion_matches_the_loss_and_the_optimum():
    d = symbolic.get("spectral_contrastive_expansion")
    loss_of, minimal = d.lambdify("loss"), d.lambdify("minimal_loss")
    rng = np.random.default_rng(7)
    for _ in range(5):
        G, Z = _random_graph(rng, 3), rng.normal(size=(3, 2))
        assert loss_of(G, Z) == pytest.approx(losses.spectral_contrastive(Z, G), rel=1e-12)
    sc = _method("spectral_contrastive")
    G = _random_graph(rng, 8)
    deg = G.sum(1)
    nu = np.sort(np.linalg.eigvalsh(G / np.sqrt(np.outer(deg, deg))))[::-1]
    rep = sc.optimal_representation(G, 2)
    assert minimal(nu[0], nu[1]) == pytest.approx(rep.loss, rel=1e-9)
    assert minimal(nu[0], nu[1]) == pytest.approx(sc.minimal_loss(nu[:2]), rel=1e-12)


def test_simclr_decomposition_matches_the_loss():
    d = symbolic.get("simclr_decomposition")
    whole, local, glob = d.lambdify("loss"), d.lambdify("local"), d.lambdify("global")
    rng = np.random.default_rng(8)
    simclr = _method("simclr")
    for tau in (0.1, 0.5, 2.0):
        G, Z = _random_graph(rng, 3), rng.normal(size=(3, 2))
        assert whole(G, Z, tau) == pytest.approx(losses.simclr(Z, G, temperature=tau), rel=1e-10, abs=1e-12)
        parts = simclr.decompose(Z, G, temperature=tau)
        assert local(G, Z, tau) == pytest.approx(parts[0], rel=1e-10, abs=1e-12)
        assert glob(G, Z, tau) == pytest.approx(parts[1], rel=1e-10, abs=1e-12)
        assert local(G, Z, tau) >= 0


def test_simclr_simplex_formula_matches_the_loss_and_the_code():
    d = symbolic.get("simclr_simplex")
    optimum, family = d.lambdify("loss"), d.lambdify("family_loss")
    for C, m, tau in [(2, 3, 0.5), (3, 4, 0.5), (4, 2, 0.2), (5, 3, 1.0)]:
        N = C * m
        # regular simplex built here: centred basis vectors, normalised
        P = np.eye(C) - 1.0 / C
        P /= np.linalg.norm(P, axis=1, keepdims=True)
        Z = np.repeat(P, m, axis=0)
        G = graphs.from_groups(np.repeat(np.arange(C), m))
        value = optimum(N, m, C, tau)
        assert value == pytest.approx(losses.simclr(Z, G, temperature=tau), rel=1e-10)
        assert family(N, m, C, tau, -1.0 / (C - 1)) == pytest.approx(value, rel=1e-12)
        cs = np.linspace(-1.0 / (C - 1), 1.0, 7)
        assert np.all(np.diff([family(N, m, C, tau, c) for c in cs]) > 0)  # increasing in c
    simclr = _method("simclr")
    for C, m, tau in [(2, 3, 0.5), (3, 4, 0.5), (4, 2, 0.2)]:
        assert simclr.simplex_loss(C, m, temperature=tau) == pytest.approx(optimum(C * m, m, C, tau), rel=1e-12)
    G = graphs.from_groups(np.repeat(np.arange(3), 4))
    rep = simclr.optimal_representation(G, 3, temperature=0.5)
    assert rep.exact is True and rep.loss == pytest.approx(optimum(12, 4, 3, 0.5), rel=1e-10)


def test_barlow_twins_graph_form_matches_the_loss():
    d = symbolic.get("barlow_twins_graph_form")
    loss_of, corr_of = d.lambdify("loss"), d.lambdify("correlation")
    if not hasattr(losses, "barlow_twins"):
        pytest.skip("losses.barlow_twins is not available")
    rng = np.random.default_rng(9)
    for lam_off in (0.0, 5e-3, 0.7):
        G, Z = _random_graph(rng, 3), rng.normal(size=(3, 2))
        assert loss_of(G, Z, lam_off) == pytest.approx(
            losses.barlow_twins(Z, G, off_diagonal=lam_off, centered=False), rel=1e-10)
        np.testing.assert_allclose(corr_of(G, Z), losses.barlow_twins_correlation(Z, G, centered=False),
                                   rtol=1e-10)
        L = np.diag(G.sum(1)) - G
        Zh = Z / np.sqrt(np.einsum("ik,i,ik->k", Z, G.sum(1), Z))
        np.testing.assert_allclose(np.diag(corr_of(G, Z)), 1 - np.einsum("ik,ij,jk->k", Zh, L, Zh), rtol=1e-10)


def test_barlow_twins_whitened_minimal_loss_matches_the_code():
    d = symbolic.get("barlow_twins_graph_form")
    whitened = d.lambdify("whitened_minimal_loss")
    bt = _method("barlow_twins")
    rho = np.array([0.9, 0.5, 0.1])
    for lam_off in (0.0, 0.3, 0.99):
        assert whitened(lam_off, *rho) == pytest.approx(bt.whitened_minimal_loss(rho, off_diagonal=lam_off),
                                                        rel=1e-12)


def test_duality_difference_matches_a_direct_computation():
    d = symbolic.get("sample_dimension_duality")
    diff = d.lambdify("difference")
    rng = np.random.default_rng(10)
    Z = rng.normal(size=(4, 3))
    S, D = Z @ Z.T, Z.T @ Z
    L_sam = np.sum((S - np.diag(np.diag(S))) ** 2)
    L_dim = np.sum((D - np.diag(np.diag(D))) ** 2)
    assert diff(Z) == pytest.approx(L_dim - L_sam, rel=1e-12)
    assert diff(Z) == pytest.approx(np.sum(np.sum(Z**2, 1) ** 2) - np.sum(np.sum(Z**2, 0) ** 2), rel=1e-12)


# --------------------------------------------------------------------------- the notebook


@pytest.mark.extra
def test_notebook_is_stored_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
