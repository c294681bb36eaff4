"""The kernel regimes share one scaffolding (methods/_parametric.py, #18): one Gram-matrix rule."""

import re

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from spectral_ssl import graphs
from spectral_ssl.methods import barlow_twins, simclr, spectral_contrastive, vicreg
from spectral_ssl.methods import _parametric

METHODS = {"vicreg": vicreg, "spectral_contrastive": spectral_contrastive,
           "barlow_twins": barlow_twins, "simclr": simclr}


def _problem():
    X = np.random.default_rng(24).standard_normal((20, 2))
    return X, graphs.knn(X, 4)


def _lopsided(A, B):
    """exp(-|a - b|) plus 1e-3 times the row index: asymmetric by 0.019 on 20 samples."""
    return np.exp(-cdist(A, B)) + 1e-3 * np.arange(A.shape[0])[:, None]


@pytest.mark.parametrize("name", sorted(METHODS))
def test_asymmetric_kernel_refused_by_every_method_with_one_message(name):
    X, G = _problem()
    gram = _lopsided(X, X)
    asymmetry, size = np.max(np.abs(gram - gram.T)), np.max(np.abs(gram))
    expected = (f"kernel(X, X) is not symmetric: max |K - K.T| = {asymmetry:.3g}, more than "
                f"KERNEL_SYMMETRY_RTOL = 1e-06 times its largest entry {size:.3g}; "
                f"pass a symmetric kernel k(x, y) = k(y, x), e.g. "
                f"kernel=lambda A, B: (k(A, B) + k(B, A).T) / 2.")
    with pytest.raises(ValueError, match="^" + re.escape(expected) + "$"):
        METHODS[name].optimal_kernel(X, G, 2, kernel=_lopsided)


@pytest.mark.filterwarnings("ignore::spectral_ssl.exceptions.CollapseWarning")
@pytest.mark.parametrize("name", sorted(METHODS))
def test_kernel_asymmetric_by_rounding_is_symmetrised_by_every_method(name):
    # within KERNEL_SYMMETRY_RTOL: the same result as the exactly symmetric kernel
    X, G = _problem()

    def exact(A, B):
        return np.exp(-cdist(A, B) ** 2)

    def rounded(A, B):
        return exact(A, B) * (1 + 1e-9 * (np.arange(A.shape[0])[:, None] > np.arange(B.shape[0])))

    kwargs = {"restarts": 1} if name == "simclr" else {}
    ref = METHODS[name].optimal_kernel(X, G, 2, kernel=exact, **kwargs)
    out = METHODS[name].optimal_kernel(X, G, 2, kernel=rounded, **kwargs)
    assert out.loss == pytest.approx(ref.loss, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_kernel_returning_a_wrong_shape_is_refused_by_every_method(name):
    X, G = _problem()
    with pytest.raises(ValueError, match=re.escape("kernel(X, X) must return an (N, N) = (20, 20) matrix, got "
                                                   "shape (20, 3).")):
        METHODS[name].optimal_kernel(X, G, 2, kernel=lambda A, B: np.ones((A.shape[0], 3)))


@pytest.mark.parametrize("name", sorted(METHODS))
def test_kernel_values_that_are_not_finite_or_overflow_are_refused_by_every_method(name):
    # were "a finite (N, N) = (20, 20) matrix, got shape (20, 20)" and, for a polynomial of
    # degree 200 (entries 4.8e180), SimCLR's "A contains NaN or inf" about an internal array
    X, G = _problem()
    with pytest.raises(ValueError, match=r"^kernel\(X, X\) holds NaN or inf values"):
        METHODS[name].optimal_kernel(X, G, 2, kernel=lambda A, B: np.full((A.shape[0], B.shape[0]), np.nan))
    with pytest.raises(ValueError, match=r"^kernel\(X, X\) has entries up to \S+e\+\d+, whose products"):
        METHODS[name].optimal_kernel(X, G, 2, kernel="polynomial", degree=200)


@pytest.mark.parametrize("name", ["vicreg", "spectral_contrastive", "barlow_twins"])
def test_a_kernel_that_is_not_psd_is_refused(name):
    # the negative-eigenvalue directions were dropped silently and the result marked exact:
    # VICReg with scikit-learn's sigmoid kernel returned 1.811 where A = K^-1 Z_nonparametric
    # reaches 1.548
    X, G = _problem()
    flipped = np.diag([1.0, -1.0])
    with pytest.raises(ValueError, match=r"^the kernel matrix K_X = kernel\(X, X\) is not positive "
                                         r"semi-definite: its smallest eigenvalue is -\S+ against the "
                                         r"largest \S+\. A kernel regime needs a Mercer kernel"):
        METHODS[name].optimal_kernel(X, G, 1, kernel=lambda A, B: A @ flipped @ B.T)


@pytest.mark.parametrize("name", ["vicreg", "spectral_contrastive"])
def test_a_constant_kernel_names_the_bandwidth(name):
    # an rbf bandwidth of 1e12 makes k(x, y) = 1 to the last digit: was "X needs at least 2 samples
    # and 1 feature, got shape (20, 0)" about an internal basis
    X, G = _problem()
    with pytest.raises(ValueError, match=r"K_X has no centred direction: .* Lower the bandwidth"):
        METHODS[name].optimal_kernel(X, G, 1, bandwidth=1e12)


def test_kernel_coefficients_reproduce_the_centred_solution():
    # Z = U C' + b' equals K_X A + b with (A, b) from kernel_coefficients
    X, _ = _problem()
    gram = np.exp(-cdist(X, X) ** 2)
    s, V, U, M = _parametric.kernel_basis(gram)
    rng = np.random.default_rng(0)
    C, bias = rng.standard_normal((U.shape[1], 3)), rng.standard_normal(3)
    A, b = _parametric.kernel_coefficients(C, bias, V, s, M)
    np.testing.assert_allclose(gram @ A + b, U @ C + bias, atol=1e-8)


def test_the_kernel_range_keeps_every_direction_float64_resolves():
    # An rbf Gram matrix on 60 points of [0, 1) (bandwidth 0.5) has eigenvalues 1.2e-11 and 2.9e-13
    # of the largest, known to 3e-7 and 6e-5: the former cut at 1e-10 dropped them, and kernel
    # VICReg's optimum (exact=True) was 0.0117 where an explicit A on them reaches 3.5e-5.
    import scipy.sparse as sp

    from spectral_ssl import losses

    N, h = 60, 30
    X = np.linspace(0, 1, N, endpoint=False)[:, None]
    r = np.arange(h)
    G = sp.csr_matrix((np.ones(N), (np.r_[r, r + h], np.r_[r + h, r])), shape=(N, N))  # x ~ x + 0.5
    hyper = dict(variance=1.0, covariance=1.0, invariance=1e6)
    # the reference, built here: kernel LPP on every eigen-direction above 1e-13 of the largest
    K = np.exp(-cdist(X, X, "sqeuclidean") / (2 * 0.5**2))
    s, V = np.linalg.eigh(K)
    keep = s > 1e-13 * s[-1]
    Uc = np.linalg.svd(V[:, keep] - V[:, keep].mean(axis=0), full_matrices=False)[0]
    L = np.diag(np.asarray(G.sum(axis=1)).ravel()) - G.toarray()
    mu, Q = np.linalg.eigh(Uc.T @ L @ Uc)
    z = np.sqrt(N * max(0.0, 1 - hyper["invariance"] * mu[0])) * Uc @ Q[:, 0]
    c = np.linalg.lstsq(np.c_[V[:, keep], np.ones(N)], z, rcond=None)[0]
    reference = losses.vicreg((K @ (V[:, keep] @ (c[:-1] / s[keep])) + c[-1])[:, None], G, **hyper)
    assert reference < 4e-5
    rep = vicreg.optimal_kernel(X, G, 1, bandwidth=0.5, **hyper)
    assert rep.exact and rep.loss <= reference
    # spectral contrastive: the non-parametric optimum -3 is within 1e-6 (was -2.99926)
    assert spectral_contrastive.optimal_kernel(X, G, 3, bandwidth=0.5).loss < -3 + 1e-6
