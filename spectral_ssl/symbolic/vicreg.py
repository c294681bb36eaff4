r"""VICReg = Laplacian Eigenmaps: the derivations of THEORY section 3.1.

* :func:`vicreg_scales`: covariance weight :math:`\beta \ge \alpha`, the
  per-direction optimum :math:`t^\star = (1 - \gamma\lambda/\alpha)_+` and its
  minimal loss;
* :func:`vicreg_waterfilling`: :math:`\beta < \alpha`, the decomposition, the
  Jensen / constant-diagonal step and the KKT (water-filling) solution;
* :func:`vicreg_hinge`: hinge variance with hard decorrelation,
  :math:`\sigma^\star = \min(1, \alpha/(4\gamma\lambda))`.
"""

import sympy

from .core import (
    Convex, Derivation, FrobeniusSquared, Identity, Sign, Solves, Stationary, Step, frobenius2, off_diagonal2,
)

alpha, beta, gamma = sympy.symbols("alpha beta gamma", positive=True)
lam = sympy.Symbol("lambda", nonnegative=True)
t = sympy.Symbol("t", real=True)
delta = sympy.Symbol("delta", nonnegative=True)
s = sympy.Symbol("s", nonnegative=True)

_WEIGHTS = {"alpha": "variance weight (> 0)", "beta": "covariance weight (> 0)",
            "gamma": "invariance weight (> 0)"}


def symmetric(name, K):
    """A symbolic symmetric ``K x K`` matrix ``c_kl = c_lk``."""
    M = sympy.zeros(K, K)
    for i in range(K):
        for j in range(i, K):
            M[i, j] = M[j, i] = sympy.Symbol(f"{name}_{i + 1}{j + 1}", real=True)
    return M


def rotation2(theta):
    """The 2 x 2 rotation by ``theta``."""
    return sympy.Matrix([[sympy.cos(theta), -sympy.sin(theta)], [sympy.sin(theta), sympy.cos(theta)]])


def skew(K=3):
    """A symbolic skew-symmetric ``K x K`` matrix, entries ``a_ij = -a_ji`` (``i < j``)."""
    A = sympy.zeros(K, K)
    for i in range(K):
        for j in range(i + 1, K):
            a = sympy.Symbol(f"a_{i + 1}{j + 1}", real=True)
            A[i, j], A[j, i] = a, -a
    return A


def cayley_rotation(K=3):
    r"""A general :math:`K\times K` rotation, Cayley transform :math:`(I - A)^{-1}(I + A)` of a skew :math:`A`.

    Every rotation without eigenvalue :math:`-1` has this form, and its
    entries are rational in the :math:`K(K-1)/2` parameters, so identities
    involving it are checked exactly by rational cancellation.
    """
    A = skew(K)
    identity = sympy.eye(K)
    return ((identity - A).inv() * (identity + A)).applyfunc(sympy.cancel)


def _cayley_is_orthogonal(K):
    r"""Orthogonality :math:`R^\top R = I` of the Cayley transform of a symbolic skew matrix, entrywise."""
    A, I = sympy.MatrixSymbol("A", K, K), sympy.Identity(K)
    R = sympy.Inverse(I - A) * (I + A)
    return Identity(R.T * R, I, method="cancel", values={A: skew(K)})


# --------------------------------------------------------------------------- beta >= alpha


def vicreg_scales():
    r"""Per-direction optimum :math:`t^\star = \max(0, 1 - \gamma\lambda/\alpha)` (square variance, :math:`\beta\ge\alpha`).

    Result: ``t_star`` (free symbols alpha, gamma, lambda); also
    ``minimal_loss`` :math:`\alpha(1-t^\star)^2 + 2\gamma\lambda t^\star` per direction.
    """
    K = 3
    C = symmetric("c", K)
    identity = sympy.eye(K)
    variance_and_covariance = (alpha * sum((C[k, k] - 1) ** 2 for k in range(K))
                               + beta * off_diagonal2(C))
    theta = sympy.Symbol("theta", real=True)
    C2 = symmetric("c", 2)
    R2 = rotation2(theta)
    Rm, Cm = sympy.MatrixSymbol("R", 2, 2), sympy.MatrixSymbol("C", 2, 2)
    ts = sympy.symbols("t1:4", real=True)
    ls = sympy.symbols("lambda1:4", nonnegative=True)
    roots = sympy.symbols("r1:4", positive=True)  # r_k = sqrt(t_k)
    S = sympy.diag(*roots)
    Lam = sympy.diag(*ls)

    f = alpha * (1 - t) ** 2 + 2 * gamma * lam * t
    t_interior = 1 - gamma * lam / alpha
    t_star = sympy.Max(0, t_interior)
    fprime = sympy.diff(f, t)
    minimal = f.subs(t, t_star)
    a1, b1 = sympy.symbols("a b", nonnegative=True)
    t1, t2, l1, l2 = sympy.symbols("t_1 t_2 lambda_1 lambda_2", real=True)
    exchange = (t1 * l2 + t2 * l1) - (t1 * l1 + t2 * l2)

    steps = [
        Step("Reduction to the spectrum",
             Identity((S * Lam * S).trace(), sum(r**2 * l for r, l in zip(roots, ls))),
             ("U_K^\\top U_K = I", "U_K^\\top L U_K = \\Lambda", "U_K \\perp \\mathbf 1",
              "Y = (HZ)/\\sqrt N"),
             "With $Y = HZ/\\sqrt N$, $C = Y^\\top Y$ and the invariance term is "
             "$2\\gamma\\operatorname{tr}(Y^\\top L Y)$; inside $\\operatorname{span}(U_K)$ it is "
             "$\\operatorname{tr}(S\\Lambda S)$ with $S = \\operatorname{diag}(\\sqrt{t})$ "
             "(checked for $K=3$, $r_k = \\sqrt{t_k}$)."),
        Step("Rotation invariance of the whitening penalty",
             Identity(FrobeniusSquared(Rm.T * Cm * Rm - sympy.Identity(2)),
                      FrobeniusSquared(Cm - sympy.Identity(2)), method="trig", values={Rm: R2, Cm: C2}),
             ("R^\\top R = I",),
             "Symbolic $2\\times 2$ rotation by $\\theta$ and symmetric $C$: the penalty depends on "
             "the eigenvalues $t$ of $C$ only."),
        Step("Covariance weight at least the variance weight",
             Identity(variance_and_covariance,
                      alpha * frobenius2(C - identity) + (beta - alpha) * off_diagonal2(C)),
             (), "Exact for a symbolic symmetric $3\\times 3$ $C$."),
        Step("Decorrelation is optimal when beta >= alpha",
             Sign((beta - alpha) * off_diagonal2(C), "nonnegative",
                  where={beta: alpha + delta}, certificate=delta * off_diagonal2(C), method="expand"),
             ("\\beta \\ge \\alpha",),
             "So the loss is at least $\\alpha\\sum_k (t_k - 1)^2 + 2\\gamma\\operatorname{tr}(Y^\\top L Y)$, "
             "with equality for a diagonal $C$ ($R = I$)."),
        Step("Rearrangement (exchange argument)",
             Sign(exchange, "nonnegative", where={t1: t2 + a1, l2: l1 + b1}, certificate=a1 * b1,
                  method="expand"),
             ("t_1 = t_2 + a,\\ a \\ge 0", "\\lambda_2 = \\lambda_1 + b,\\ b \\ge 0"),
             "Swapping two variances never helps when the larger one already sits on the smaller "
             "eigenvalue: the largest $t$ pairs with the smallest $\\lambda$ (the $K$ smallest "
             "non-trivial eigenvectors)."),
        Step("Per-direction objective", Identity(alpha * sum((tk - 1) ** 2 for tk in ts) + 2 * gamma * sum(tk * lk for tk, lk in zip(ts, ls)),
                      sum(f.subs({t: tk, lam: lk}) for tk, lk in zip(ts, ls))),
             (), "The reduced loss separates over the directions (checked for $K = 3$)."),
        Step("Stationarity", Stationary(f, t, t_interior, unique=True), ("\\alpha > 0",)),
        Step("Second-order condition", Convex(f, [t]), ("\\alpha > 0",), "$f$ is strictly convex: the stationary point is its "
             "global minimum over $\\mathbb R$."),
        Step("Interior case", Sign(t_interior, "positive", where={lam: (alpha - sympy.Symbol("delta", positive=True)) / gamma}),
             ("\\gamma\\lambda = \\alpha - \\delta,\\ \\delta > 0",),
             "The unconstrained minimiser is feasible: $t^\\star = 1 - \\gamma\\lambda/\\alpha$."),
        Step("Boundary case (collapse)", Sign(fprime, "nonnegative", where={lam: (alpha + delta) / gamma, t: s},
                  certificate=2 * alpha * s + 2 * delta),
             ("\\gamma\\lambda = \\alpha + \\delta,\\ \\delta \\ge 0", "t = s \\ge 0"),
             "$f$ is non-decreasing on $t \\ge 0$, so $t^\\star = 0$: the direction collapses."),
        Step("Minimal value, interior", Identity(f.subs(t, t_interior), 2 * gamma * lam - gamma**2 * lam**2 / alpha, method="cancel"),
             ("\\gamma\\lambda < \\alpha",)),
        Step("Minimal value, boundary", Identity(f.subs(t, 0), alpha), ("\\gamma\\lambda \\ge \\alpha",)),
    ]
    return Derivation(
        name="vicreg_scales",
        title="VICReg (square variance, beta >= alpha): per-direction optimum",
        section="THEORY section 3.1",
        statement=(r"With $\beta \ge \alpha$, the optimum is decorrelated and direction $k$ (Laplacian "
                   r"eigenvalue $\lambda_k$) has variance $t_k^\star = \max(0, 1 - \gamma\lambda_k/\alpha)$; "
                   r"the minimal loss is $\sum_k \alpha(1-t_k^\star)^2 + 2\gamma\lambda_k t_k^\star$, and the "
                   r"rank is $\#\{k : \lambda_k < \alpha/\gamma\}$."),
        steps=steps,
        results={"t_star": t_star, "minimal_loss": minimal},
        arguments={"t_star": (alpha, gamma, lam), "minimal_loss": (alpha, gamma, lam)},
        result_name="t_star",
        symbols={**{k: v for k, v in _WEIGHTS.items() if k != "beta"},
                 "lambda": "Laplacian eigenvalue of the direction (>= 0)"},
    )


# --------------------------------------------------------------------------- beta < alpha


def _waterfilling_system(K, n):
    r"""Reduced objective, its gradient, and the KKT candidate with ``n`` active directions."""
    ts = sympy.symbols(f"t1:{K + 1}", real=True)
    ls = sympy.symbols(f"lambda1:{K + 1}", nonnegative=True)
    mean = sum(ts) / K
    F = (beta * sum((tk - 1) ** 2 for tk in ts) + (alpha - beta) * K * (1 - mean) ** 2
         + 2 * gamma * sum(tk * lk for tk, lk in zip(ts, ls)))
    rho, kappa = (alpha - beta) / beta, gamma / beta
    S_n = sum(ls[:n])
    c = (1 + rho + rho * kappa * S_n / K) / (1 + rho * n / K)
    point = {ts[k]: (c - kappa * ls[k]) if k < n else 0 for k in range(K)}
    return ts, ls, F, c, point


def vicreg_waterfilling():
    r"""Covariance weight below the variance weight: decomposition, Jensen, KKT water-filling.

    Result ``t_k`` = :math:`\max(0, c_n - \gamma\lambda_k/\beta)` with
    :math:`c_n = (1 + \rho + \rho\kappa S_n/K)/(1 + \rho n/K)`,
    :math:`\rho = (\alpha-\beta)/\beta`, :math:`\kappa = \gamma/\beta`, for the
    active set of the :math:`n` smallest eigenvalues (sum :math:`S_n`).
    """
    K = 3
    C = symmetric("c", K)
    identity = sympy.eye(K)
    cs = [C[k, k] for k in range(K)]
    ts = sympy.symbols("t1:4", real=True)
    ls = sympy.symbols("lambda1:4", nonnegative=True)
    R = cayley_rotation(K)
    roots = sympy.symbols("r1:4", positive=True)
    Sroot = sympy.diag(*roots)
    Rm = sympy.MatrixSymbol("R", K, K)
    T = sympy.MatrixSymbol(r"\operatorname{diag}(t)", K, K)
    Sm, Lm = sympy.MatrixSymbol("S", K, K), sympy.MatrixSymbol(r"\Lambda", K, K)
    I3 = sympy.Identity(K)
    theta1, theta2 = sympy.symbols("tau_1 tau_2", real=True)
    R2 = rotation2(sympy.pi / 4)
    C45 = R2.T * sympy.diag(theta1, theta2) * R2

    # general symbols for the result
    Kk, n = sympy.symbols("K n", positive=True, integer=True)
    S_n = sympy.Symbol("S_n", nonnegative=True)
    lam_k = sympy.Symbol("lambda_k", nonnegative=True)
    rho, kappa = (alpha - beta) / beta, gamma / beta
    c_general = (1 + rho + rho * kappa * S_n / Kk) / (1 + rho * n / Kk)
    cvar = sympy.Symbol("c", real=True)
    tbar = sympy.Symbol("tbar", real=True)

    steps = [
        Step("Split the variance and covariance terms",
             Identity(alpha * sum((x - 1) ** 2 for x in cs) + beta * off_diagonal2(C),
                      beta * frobenius2(C - identity) + (alpha - beta) * sum((1 - x) ** 2 for x in cs)),
             (), "Exact for a symbolic symmetric $3\\times 3$ $C$."),
        Step("A general 3x3 rotation (Cayley transform)", _cayley_is_orthogonal(K), ("A^\\top = -A",),
             "Every rotation without eigenvalue $-1$ is $R = (I - A)^{-1}(I + A)$ for a skew $A$; "
             "its entries are rational in $a_{12}, a_{13}, a_{23}$."),
        Step("The first term depends on the spectrum only",
             Identity(sympy.Matrix([FrobeniusSquared(Rm.T * T * Rm - I3), sympy.Trace(Rm.T * T * Rm)]),
                      sympy.Matrix([sum((x - 1) ** 2 for x in ts), sum(ts)]), method="cancel",
                      values={Rm: R, T: sympy.diag(*ts)}),
             ("R^\\top R = I",), "$C = R^\\top\\operatorname{diag}(t)R$, $R$ the Cayley rotation of step 2."),
        Step("The invariance term ignores the rotation",
             Identity(sympy.Trace(Rm.T * Sm * Lm * Sm * Rm), sum(r**2 * l for r, l in zip(roots, ls)),
                      method="cancel", values={Rm: R, Sm: Sroot, Lm: sympy.diag(*ls)}),
             ("R^\\top R = I",), "$S = \\operatorname{diag}(r)$ with $r_k = \\sqrt{t_k}$, "
             "$\\Lambda = \\operatorname{diag}(\\lambda)$: so $Y = U_K S R$ keeps the invariance cost "
             "$2\\gamma\\sum_k t_k\\lambda_k$."),
        Step("Jensen step", Sign(sum((1 - x) ** 2 for x in cs) - K * (1 - sum(cs) / K) ** 2, "nonnegative",
                  certificate=sum((x - sum(cs) / K) ** 2 for x in cs), method="expand"),
             ("\\bar c = \\operatorname{tr}(C)/K = \\bar t",),
             "Equality iff the diagonal of $C$ is constant ($= \\bar t$)."),
        Step("A rotation reaches the constant diagonal",
             Identity(sympy.Matrix([C45[0, 0], C45[1, 1]]),
                      sympy.Matrix([(theta1 + theta2) / 2, (theta1 + theta2) / 2]), method="trig"),
             (), "The $2\\times 2$ case of Schur-Horn; for any $K$ a product of at most $K-1$ Givens "
             "rotations does it (`constant_diagonal_rotation`)."),
        Step("Reduced objective is strictly convex",
             Convex(_waterfilling_system(K, K)[2], list(_waterfilling_system(K, K)[0])),
             ("\\alpha > 0", "\\beta > 0"),
             "Hessian $2\\beta I + \\tfrac{2(\\alpha-\\beta)}{K}\\mathbf 1\\mathbf 1^\\top$: eigenvalues "
             "$2\\beta$ and $2\\alpha$, so the KKT point is the unique minimum over $t \\ge 0$."),
        Step("Stationarity of an active direction",
             Identity(sympy.diff(_waterfilling_system(K, K)[2], _waterfilling_system(K, K)[0][0]) / (2 * beta),
                      ts[0] - (1 + rho * (1 - sum(ts) / K) - kappa * ls[0]), method="cancel"),
             ("\\rho = (\\alpha-\\beta)/\\beta", "\\kappa = \\gamma/\\beta")),
        Step("Solve for the water level",
             Stationary((cvar - 1 - rho * (1 - (n * cvar - kappa * S_n) / Kk)) ** 2, cvar, c_general,
                        unique=True),
             ("t_k = c - \\kappa\\lambda_k \\text{ on the } n \\text{ active directions, 0 elsewhere}",),
             "$\\bar t = (nc - \\kappa S_n)/K$, $S_n$ the sum of the $n$ active eigenvalues; the "
             "square's minimiser is the root of the linear equation."),
    ]
    kap = sympy.Symbol("kappa", positive=True)
    for n_active in range(1, K + 1):
        tv, lv, F, c, _ = _waterfilling_system(K, n_active)
        # F(t1, t2, t3) stands for the reduced objective; c_n for the water level of n active directions
        Fs = sympy.Function("F")(*tv)
        level = sympy.Symbol(f"c_{n_active}", real=True)
        shown = {tv[q]: (level - kap * lv[q]) if q < n_active else 0 for q in range(K)}
        values = {Fs: F, level: c, kap: gamma / beta}
        steps.append(Step(
            f"KKT by substitution, n = {n_active} active of K = {K}",
            Solves([sympy.Derivative(Fs, x) for x in tv[:n_active]], shown, values=values),
            ("\\text{symbolic } \\lambda_1, \\lambda_2, \\lambda_3", "\\kappa = \\gamma/\\beta"),
            f"$F$ is the reduced objective of step 7 and $c_{n_active}$ the water level of step 9 "
            f"with $n = {n_active}$, $K = {K}$."))
        if n_active < K:
            steps.append(Step(
                f"Inactive multipliers, n = {n_active}",
                Identity(sympy.Matrix([sympy.Derivative(Fs, tv[q]) for q in range(n_active, K)]),
                         sympy.Matrix([2 * beta * (kap * lv[q] - level) for q in range(n_active, K)]),
                         method="cancel", where=shown, values=values),
                (), f"Dual feasibility $\\partial_{{t_k}}F \\ge 0$ for the zero directions holds iff "
                f"$c_{n_active} \\le \\kappa\\lambda_k$: the active set is the $n$ with "
                f"$\\kappa\\lambda_n < c_n \\le \\kappa\\lambda_{{n+1}}$."))
    tv, lv, F, _, _ = _waterfilling_system(K, K)
    return Derivation(
        name="vicreg_waterfilling",
        title="VICReg (square variance, beta < alpha): water-filling",
        section="THEORY section 3.1 (alpha > beta)",
        statement=(r"With $\beta < \alpha$, write $C = R^\top\operatorname{diag}(t)R$. The loss is "
                   r"$\beta\lVert C - I\rVert^2 + (\alpha-\beta)\sum_k(1-C_{kk})^2 + 2\gamma\sum_k t_k\lambda_k$; "
                   r"the middle term is smallest for a constant diagonal (reachable by a rotation), which leaves "
                   r"the strictly convex $F(t)$, minimised over $t \ge 0$ by $t_k = \max(0, c - \kappa\lambda_k)$ "
                   r"with the water level $c = c_n$ of the active set."),
        steps=steps,
        results={"t_k": sympy.Max(0, c_general - kappa * lam_k), "c": c_general, "objective": F},
        arguments={"t_k": (alpha, beta, gamma, Kk, n, S_n, lam_k), "c": (alpha, beta, gamma, Kk, n, S_n),
                   "objective": (alpha, beta, gamma, *tv, *lv)},
        result_name="t_k",
        symbols={**_WEIGHTS, "K": "number of directions", "n": "number of active directions",
                 "S_n": "sum of the n smallest eigenvalues", "lambda_k": "eigenvalue of direction k",
                 "t1..t3, lambda1..lambda3": "variances and eigenvalues in `objective` (K = 3)"},
    )


# --------------------------------------------------------------------------- hinge


def vicreg_hinge():
    r"""Hinge variance with hard decorrelation: std :math:`\sigma^\star = \min(1, \alpha/(4\gamma\lambda))`.

    Direction :math:`k` with std :math:`\sigma` (:math:`\epsilon = 0`) costs
    :math:`h(\sigma) = \alpha\max(0, 1-\sigma) + 2\gamma\lambda\sigma^2`.
    Result ``sigma_star`` (free symbols alpha, gamma, lambda).
    """
    sigma = sympy.Symbol("sigma", nonnegative=True)
    lam_pos = sympy.Symbol("lambda", positive=True)
    eps = sympy.Symbol("epsilon", nonnegative=True)
    h = alpha * (1 - sigma) + 2 * gamma * lam_pos * sigma**2  # on 0 <= sigma <= 1
    interior = alpha / (4 * gamma * lam_pos)
    sigma_star = sympy.Min(1, interior)
    dpos = sympy.Symbol("delta", positive=True)
    variance_c = sympy.Symbol("c", nonnegative=True)
    sigmas = sympy.symbols("sigma1:3", nonnegative=True)
    lams = sympy.symbols("lambda1:3", positive=True)
    steps = [
        Step("Hard decorrelation reduces to one direction at a time",
             Identity(sum(alpha * (1 - sympy.sqrt(sg**2)) for sg in sigmas)
                      + 2 * gamma * (sympy.diag(*sigmas) * sympy.diag(*lams) * sympy.diag(*sigmas)).trace(),
                      sum(h.subs({sigma: sg, lam_pos: lk}) for sg, lk in zip(sigmas, lams))),
             (r"\beta \to \infty \Rightarrow C \text{ diagonal}", r"\sigma_k \le 1", r"\sigma_k \ge 0"),
             r"Same reduction to the spectrum as the square variance; checked for $K = 2$ "
             r"($\sqrt{\sigma^2} = \sigma$ needs $\sigma \ge 0$)."),
        Step("Stationarity on [0, 1]", Stationary(h, sigma, interior, unique=True), ("\\lambda > 0",)),
        Step("Second-order condition", Convex(h, [sigma]),
             ("\\gamma > 0", "\\lambda > 0")),
        Step("Interior case", Sign(1 - interior, "positive", where={lam_pos: (alpha + dpos) / (4 * gamma)}),
             ("4\\gamma\\lambda = \\alpha + \\delta,\\ \\delta > 0",)),
        Step("Boundary case", Sign(sympy.diff(h, sigma), "nonpositive",
                  where={alpha: 4 * gamma * lam_pos + delta, sigma: 1 - s},
                  certificate=-4 * gamma * lam_pos * s - delta, method="expand"),
             ("\\alpha = 4\\gamma\\lambda + \\delta,\\ \\delta \\ge 0", "\\sigma = 1 - s,\\ 0 \\le s \\le 1"),
             "$h$ decreases up to $\\sigma = 1$; beyond, the hinge is 0 and $2\\gamma\\lambda\\sigma^2$ grows, "
             "so $\\sigma^\\star = 1$."),
        Step("Above one only the invariance is left", Sign(sympy.diff(2 * gamma * lam_pos * sigma**2, sigma), "nonnegative"), ("\\sigma \\ge 0",)),
        Step("Never collapses", Sign(interior, "positive"), ("\\alpha > 0",),
             "Unlike the square variance, the hinge keeps every direction ($\\lambda = 0$ gives $\\sigma^\\star = 1$)."),
        Step("With epsilon > 0 the same optimum in s = sqrt(c + eps)",
             Identity(alpha * (1 - sympy.sqrt(variance_c + eps)) + 2 * gamma * lam_pos * variance_c,
                      h.subs(sigma, sympy.sqrt(variance_c + eps)) - 2 * gamma * lam_pos * eps),
             ("c \\ge 0",), "A constant shift: $\\sqrt{c^\\star + \\epsilon} = \\sigma^\\star$ when "
             "$\\sigma^{\\star 2} \\ge \\epsilon$ (the code's starting point)."),
    ]
    return Derivation(
        name="vicreg_hinge",
        title="VICReg (hinge variance, hard decorrelation): per-direction std",
        section="THEORY section 3.1 (hinge variance)",
        statement=(r"With the hinge variance $\max(0, 1 - \sqrt{C_{kk}})$ and $\beta\to\infty$ "
                   r"(decorrelated), direction $k$ has standard deviation "
                   r"$\sigma_k^\star = \min(1, \alpha/(4\gamma\lambda_k))$: never zero."),
        steps=steps,
        results={"sigma_star": sigma_star, "objective": h},
        arguments={"sigma_star": (alpha, gamma, lam_pos), "objective": (alpha, gamma, lam_pos, sigma)},
        result_name="sigma_star",
        symbols={"alpha": _WEIGHTS["alpha"], "gamma": _WEIGHTS["gamma"],
                 "lambda": "Laplacian eigenvalue (> 0)", "sigma": "standard deviation of the direction"},
    )
