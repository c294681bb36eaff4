r"""scikit-learn estimators for the closed-form SSL optima.

Each estimator is a thin layer over one module of :mod:`spectral_ssl.methods`
(the functional core, as ``SpectralEmbedding`` is over ``spectral_embedding``):

* :class:`VICReg`: :mod:`spectral_ssl.methods.vicreg`, Laplacian Eigenmaps / LPP;
* :class:`SimCLR`: :mod:`spectral_ssl.methods.simclr`, generalized MDS (numerical optimum);
* :class:`BarlowTwins`: :mod:`spectral_ssl.methods.barlow_twins`, CCA;
* :class:`SpectralContrastive`: :mod:`spectral_ssl.methods.spectral_contrastive`,
  normalised spectral embedding.

``fit(X, y=None, *, groups=None, graph=None)`` builds the relation graph
:math:`G` (which samples are positives of which) from the ``relation``
parameter, then calls ``optimal_linear`` (:math:`Z = XW + \mathbf 1 b^\top`),
``optimal_kernel`` (:math:`Z = K_X A + \mathbf 1 b^\top`) or
``optimal_representation`` (any :math:`Z`) according to ``regime``:

* ``relation="knn"`` (default): the k-nearest-neighbour graph of ``X``
  (:func:`spectral_ssl.graphs.knn`); needs only ``X``, so the estimator works
  in any unsupervised pipeline.
* ``"gaussian"``: Gaussian weights on the kNN pairs (:func:`spectral_ssl.graphs.gaussian`).
* ``"labels"``: samples of one class are positives (:func:`spectral_ssl.graphs.from_labels`
  on ``y``); in a ``Pipeline`` this is the supervised relation. Where the solver takes it
  (``VICReg`` non-parametric and linear, ``SpectralContrastive`` non-parametric,
  ``BarlowTwins`` non-parametric with ``constraint="whitened"``) the relation is kept
  implicit, ``graphs.from_labels(y, implicit=True)``: :math:`O(N)` memory at any
  :math:`N`, ``graph_`` a :class:`~spectral_ssl.graphs.LabelRelation`, the same optimum;
  elsewhere the CSR graph (the sum of the squared class sizes, within the memory budget).
  The choice depends on the estimator, ``regime`` and ``constraint`` only, never on ``N``.
* ``"groups"``: ``fit(X, groups=...)``, e.g. the source image of each augmented
  view (:func:`spectral_ssl.graphs.from_groups`).
* ``"precomputed"``: ``fit(X, graph=G)`` with any relation graph of the samples.

Everything the closed form returns is kept: ``representation_`` is the full
:class:`~spectral_ssl.methods.Representation`, and its main fields are copied
to sklearn-style attributes (``embedding_``, ``components_``, ``loss_``,
``rank_``, ``eigenvalues_``, ``exact_``, ...). The estimators validate their
input with scikit-learn's ``validate_data`` (so they record
``n_features_in_`` and, for data frames, ``feature_names_in_``) and leave
every other check to the functional core, whose errors name the argument
and the fix.

Nothing goes wrong silently: an optimum that keeps fewer directions than
``n_components`` sets ``collapsed_`` and re-emits the solver's
:class:`~spectral_ssl.exceptions.CollapseWarning` with the estimator's name;
``certify=True`` (or a number of random starts) keeps
:func:`spectral_ssl.certify.certify`'s result in ``certificate_`` and warns
"CERTIFICATE FAILED" (:class:`~spectral_ssl.exceptions.CertificateWarning`)
when a random start beats the fit; ``verbose=True`` shows progress on
standard error (SimCLR's starts; by default only when it is a terminal).

Examples
--------
>>> import numpy as np
>>> from spectral_ssl.estimators import VICReg
>>> X = np.random.default_rng(0).standard_normal((40, 5))
>>> est = VICReg(n_components=2, relation="knn", n_neighbors=5, invariance=1.0).fit(X)
>>> est.embedding_.shape, est.components_.shape, est.exact_, est.rank_
((40, 2), (2, 5), True, 2)
>>> np.allclose(est.transform(X), est.embedding_)
True
"""

from ._estimator_base import RELATIONS, SSLEstimator, compose_doc
from .methods import barlow_twins, simclr, spectral_contrastive, vicreg

class VICReg(SSLEstimator):
    r"""VICReg's optimal representation: Laplacian Eigenmaps / Locality Preserving Projections.

    Minimises the VICReg loss (square variance penalty)
    :math:`\alpha\sum_k(1-C_{kk})^2 + \beta\sum_{k\ne l}C_{kl}^2 + \tfrac{2\gamma}{N}\operatorname{tr}(Z^\top L Z)`,
    :math:`C = Z^\top H Z/N`, in closed form: the :math:`K` smallest
    (generalized) eigenvectors of the graph Laplacian, direction :math:`k`
    keeping the variance :math:`t_k = \max(0, 1 - \gamma\lambda_k/\alpha)`
    (water-filling when :math:`\beta < \alpha`). See
    :mod:`spectral_ssl.methods.vicreg`.

    Parameters
    ----------
    n_components : int, default=2
        :math:`K`, the dimension of the representation; at most the rank of
        the centred features (linear), of the centred kernel matrix (kernel)
        or ``n_samples - 1`` (non-parametric). A larger value raises
        ``ValueError``; it is never clipped.

    variance : float, default=25.0
        :math:`\alpha > 0` (the VICReg paper's :math:`\mu`).

    covariance : float, default=1.0
        :math:`\beta \ge 0` (the paper's :math:`\nu`).

    invariance : float, default=25.0
        :math:`\gamma \ge 0` (the paper's :math:`\lambda`).

    variance_kind : {"square", "hinge"}, default="square"
        ``"square"``: closed form (``exact_ = True``); ``"hinge"``: solved numerically
        (``exact_ = False``).

    eps : float, default=1e-4
        :math:`\epsilon` of the hinge :math:`\max(0, 1 - \sqrt{c + \epsilon})`.

%(common_parameters)s
    restarts : int, default=8
        Starts of the numerical hinge solve (unused for ``"square"``).

    random_state : int, numpy Generator or None, default=0
        Seed of the hinge solve's random starts (unused for ``"square"``).

%(fit_options)s
%(common_attributes)s
    Notes
    -----
    Every direction collapses (``rank_ = 0``, ``embedding_ = 0``) once
    ``invariance * eigenvalues_[0] >= variance``; with ``covariance >= variance``,
    direction :math:`k` survives iff ``invariance * eigenvalues_[k] < variance``
    (otherwise water-filling decides, see the module). The eigenvalues grow with
    the degree of :math:`G`: the default weights (the VICReg paper's, made for
    the two-view augmentation graph, whose eigenvalues are 0 and 2) need an
    eigenvalue below 1, which a kNN graph (eigenvalues of the order of
    ``n_neighbors``) may not have. Lower ``invariance`` then, e.g. ``invariance=1``.

    See Also
    --------
    spectral_ssl.methods.vicreg.optimal_linear : The functional form.
    sklearn.manifold.SpectralEmbedding : Laplacian Eigenmaps.

    Examples
    --------
    Supervised positives (the label graph): linear VICReg is then a
    Fisher-LDA-like projection. The label graph links each iris to the 49 others of its
    class, so its eigenvalues are of that order (here 1.5 and 38.9), and a small invariance
    weight keeps both directions (the default 25 keeps none).

    >>> from sklearn.datasets import load_iris
    >>> from spectral_ssl.estimators import VICReg
    >>> X, y = load_iris(return_X_y=True)
    >>> est = VICReg(n_components=2, relation="labels", invariance=0.01).fit(X, y)
    >>> est.rank_, est.transform(X[:3]).shape, est.get_feature_names_out().tolist()
    (2, (3, 2), ['vicreg0', 'vicreg1'])
    """

    _method = vicreg
    _solver_parameters = ("variance", "covariance", "invariance", "variance_kind", "eps", "restarts",
                          "random_state")
    _implicit_label_regimes = ("nonparametric", "linear")

    # scikit-learn's convention: each parameter assigned by name, unchanged (get_params reads the signature)
    def __init__(self, n_components=2, *, variance=25.0, covariance=1.0, invariance=25.0,
                 variance_kind="square", eps=1e-4, regime="linear", kernel="rbf", bandwidth=None,
                 degree=3, coef0=1.0, relation="knn", n_neighbors=5, relation_bandwidth=None,
                 restarts=8, random_state=0, certify=False, verbose=None):
        self.n_components = n_components
        self.variance = variance
        self.covariance = covariance
        self.invariance = invariance
        self.variance_kind = variance_kind
        self.eps = eps
        self.regime = regime
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.degree = degree
        self.coef0 = coef0
        self.relation = relation
        self.n_neighbors = n_neighbors
        self.relation_bandwidth = relation_bandwidth
        self.restarts = restarts
        self.random_state = random_state
        self.certify = certify
        self.verbose = verbose


class SimCLR(SSLEstimator):
    r"""SimCLR's optimal representation: a generalized MDS.

    Minimises the SimCLR (NT-Xent) loss in graph form
    :math:`-\sum_{ij}G_{ij}\log\frac{e^{\hat z_i^\top\hat z_j/\tau}}{\sum_{k\ne i}e^{\hat z_i^\top\hat z_k/\tau}}`,
    :math:`\hat z_i = z_i/\lVert z_i\rVert`. The linear and kernel regimes have
    no closed form: they are solved by L-BFGS from the Locality Preserving
    Projections directions and ``restarts`` random starts
    (``exact_ = False``). Non-parametric: the regular-simplex closed form when
    :math:`G` is a union of equal cliques (``exact_ = True``), numerical
    otherwise. See :mod:`spectral_ssl.methods.simclr`.

    Parameters
    ----------
    n_components : int, default=2
        :math:`K`, at most ``n_samples``. A larger value raises ``ValueError``.

    temperature : float, default=0.5
        :math:`\tau > 0`.

%(common_parameters)s
    restarts : int, default=8
        Random starts of the numerical optimisation, after the one informed start (the
        Locality Preserving Projections directions): ``restarts + 1`` starts in all.

    max_iter : int, default=5000
        L-BFGS iterations per start.

    random_state : int, numpy Generator or None, default=0
        Seed of the random starts.

%(fit_options)s
%(common_attributes)s
    n_iter_ : int
        L-BFGS iterations of the best start (0 for the non-parametric closed form).

    Examples
    --------
    >>> import numpy as np
    >>> from spectral_ssl.estimators import SimCLR
    >>> X = np.random.default_rng(0).standard_normal((30, 3))
    >>> est = SimCLR(n_components=2, restarts=2).fit(X)
    >>> est.exact_, est.components_.shape
    (False, (2, 3))
    """

    _method = simclr
    _solver_parameters = ("temperature", "restarts", "max_iter", "random_state")

    # scikit-learn's convention: each parameter assigned by name, unchanged (get_params reads the signature)
    def __init__(self, n_components=2, *, temperature=0.5, regime="linear", kernel="rbf",
                 bandwidth=None, degree=3, coef0=1.0, relation="knn", n_neighbors=5,
                 relation_bandwidth=None, restarts=8, max_iter=5000, random_state=0, certify=False,
                 verbose=None):
        self.n_components = n_components
        self.temperature = temperature
        self.regime = regime
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.degree = degree
        self.coef0 = coef0
        self.relation = relation
        self.n_neighbors = n_neighbors
        self.relation_bandwidth = relation_bandwidth
        self.restarts = restarts
        self.max_iter = max_iter
        self.random_state = random_state
        self.certify = certify
        self.verbose = verbose

    def _set_extra_attributes(self, rep):
        # L-BFGS iterations of the start that won; the closed form takes none.
        self.n_iter_ = int(rep.details.get("n_iterations", 0))

    def _may_iterate(self, regime):
        return True  # numerical unless G is equal cliques


class BarlowTwins(SSLEstimator):
    r"""Barlow Twins' optimal representation: the loss as written, or CCA under whitening.

    Minimises :math:`\sum_k(C_{kk}-1)^2 + \lambda\sum_{k\ne l}C_{kl}^2`,
    :math:`C = \hat Z^\top G\hat Z` with :math:`D_G`-normalised (and, when
    ``centered``, centred) columns. Two named problems:

    * ``constraint=None`` (default): the loss as written, as the reference
      libraries train it (centred, per-column normalisation). Solved
      numerically from the CCA solution and ``restarts`` random starts
      (``exact_ = False`` unless a proof applies: a zero loss, or
      :math:`K = 1`). Its optimum often keeps fewer than ``n_components``
      directions (a ``CollapseWarning`` says so).
    * ``constraint="whitened"``: each view's features whitened, the problem is
      Canonical Correlation Analysis, solved in closed form (``exact_ = True``
      for that constrained problem).

    ``exactness_`` says which problem was solved and how. See
    :mod:`spectral_ssl.methods.barlow_twins`.

    Parameters
    ----------
    n_components : int, default=2
        :math:`K`; at most the rank of :math:`X^\top D_G X` (linear, features
        plus the constant unless centred) or ``n_samples`` (non-parametric). A
        larger value raises ``ValueError``.

    off_diagonal : float, default=5e-3
        :math:`\lambda \ge 0`, the weight of the off-diagonal (redundancy) terms.

    centered : bool, default=True
        Centre the columns by their :math:`D_G`-weighted mean inside the loss: batch
        normalisation with the statistics of all views together (lightly and the official
        code normalise each view by its own; the two agree when the views have equal column
        means and variances).

    constraint : {None, "whitened"}, default=None
        ``None`` solves the loss as written (numerically where no closed form is
        proven); ``"whitened"`` solves CCA exactly, in every regime.

    whiten : bool or None, default=None
        Deprecated spelling of ``constraint`` (``True`` is ``"whitened"``),
        passed on with the methods' ``FutureWarning``.

    regularization : float, default=0.0
        Kernel regime with ``constraint="whitened"`` only: :math:`\kappa \ge 0`
        of regularised kernel CCA.

%(common_parameters)s
    restarts : int, default=8
        Random starts of the numerical cases (the loss as written; the
        non-parametric regime when no closed form is proven).

    random_state : int, numpy Generator or None, default=0
        Seed of those random starts.

%(fit_options)s
%(common_attributes)s
    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from spectral_ssl.estimators import BarlowTwins
    >>> X, y = load_iris(return_X_y=True)
    >>> est = BarlowTwins(n_components=2, relation="labels", constraint="whitened").fit(X, y)
    >>> est.exact_, est.get_feature_names_out().tolist()
    (True, ['barlowtwins0', 'barlowtwins1'])
    """

    _method = barlow_twins
    _solver_parameters = ("off_diagonal", "centered", "restarts", "random_state")

    def _implicit_labels(self, regime):
        return regime == "nonparametric" and (self.constraint == "whitened" or self.whiten is True)

    # scikit-learn's convention: each parameter assigned by name, unchanged (get_params reads the signature)
    def __init__(self, n_components=2, *, off_diagonal=5e-3, centered=True, constraint=None,
                 whiten=None, regularization=0.0, regime="linear", kernel="rbf", bandwidth=None, degree=3,
                 coef0=1.0, relation="knn", n_neighbors=5, relation_bandwidth=None, restarts=8,
                 random_state=0, certify=False, verbose=None):
        self.n_components = n_components
        self.off_diagonal = off_diagonal
        self.centered = centered
        self.constraint = constraint
        self.whiten = whiten
        self.regularization = regularization
        self.regime = regime
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.degree = degree
        self.coef0 = coef0
        self.relation = relation
        self.n_neighbors = n_neighbors
        self.relation_bandwidth = relation_bandwidth
        self.restarts = restarts
        self.random_state = random_state
        self.certify = certify
        self.verbose = verbose

    def _method_kwargs(self, regime):
        kwargs = super()._method_kwargs(regime)
        kwargs["constraint"] = self.constraint  # every regime has both problems
        if self.whiten is not None:
            kwargs["whiten"] = self.whiten
        if regime == "kernel":
            kwargs["regularization"] = self.regularization
        return kwargs

    def _may_iterate(self, regime):
        # the loss as written is searched numerically (non-parametric, always solved as written
        # here: when K exceeds the components of G); the whitened problem is a closed form
        if regime == "nonparametric":
            return True
        return self.constraint != "whitened" and self.whiten is not True


class SpectralContrastive(SSLEstimator):
    r"""Spectral contrastive learning's optimal representation: a normalised spectral embedding.

    Minimises :math:`-\frac{2}{\operatorname{vol}}\operatorname{tr}(Z^\top G Z)
    + \frac{1}{\operatorname{vol}^2}\lVert Z^\top D_G Z\rVert_F^2`, a low-rank
    approximation of :math:`D_G^{-1/2} G D_G^{-1/2}` solved exactly by
    Eckart-Young in every regime (``exact_ = True``). The loss has no
    hyper-parameter. See :mod:`spectral_ssl.methods.spectral_contrastive`.

    Parameters
    ----------
    n_components : int, default=2
        :math:`K`; at most the dimension of the span of the features plus the
        constant (linear; kernel: of the kernel matrix plus the constant) or
        ``n_samples`` (non-parametric). A larger value raises ``ValueError``.

%(common_parameters)s
%(fit_options)s
%(common_attributes)s
    Examples
    --------
    >>> import numpy as np
    >>> from spectral_ssl.estimators import SpectralContrastive
    >>> groups = np.repeat(np.arange(4), 3)
    >>> X = np.random.default_rng(0).standard_normal((12, 2))
    >>> Z = SpectralContrastive(3, regime="nonparametric", relation="groups").fit_transform(
    ...     X, groups=groups)
    >>> Z.shape
    (12, 3)
    """

    _method = spectral_contrastive
    _implicit_label_regimes = ("nonparametric",)

    # scikit-learn's convention: each parameter assigned by name, unchanged (get_params reads the signature)
    def __init__(self, n_components=2, *, regime="linear", kernel="rbf", bandwidth=None, degree=3,
                 coef0=1.0, relation="knn", n_neighbors=5, relation_bandwidth=None, certify=False,
                 verbose=None):
        self.n_components = n_components
        self.regime = regime
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.degree = degree
        self.coef0 = coef0
        self.relation = relation
        self.n_neighbors = n_neighbors
        self.relation_bandwidth = relation_bandwidth
        self.certify = certify
        self.verbose = verbose


for _cls in (VICReg, SimCLR, BarlowTwins, SpectralContrastive):
    _cls.__doc__ = compose_doc(_cls.__doc__)
del _cls

__all__ = ["VICReg", "SimCLR", "BarlowTwins", "SpectralContrastive", "RELATIONS"]
