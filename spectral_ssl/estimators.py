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
  on ``y``); in a ``Pipeline`` this is the supervised relation.
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

Examples
--------
>>> import numpy as np
>>> from spectral_ssl.estimators import VICReg
>>> X = np.random.default_rng(0).standard_normal((40, 5))
>>> est = VICReg(n_components=2, relation="knn", n_neighbors=5).fit(X)
>>> est.embedding_.shape, est.components_.shape, est.exact_
((40, 2), (2, 5), True)
>>> np.allclose(est.transform(X), est.embedding_)
True
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from . import graphs, linalg
from ._validation import check_graph, check_option
from .methods import REGIMES, barlow_twins, simclr, spectral_contrastive, vicreg

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn: the estimator method
    def _validate_data(estimator, X, **kwargs):
        return estimator._validate_data(X, **kwargs)

#: The relations ``fit`` can build the graph G from.
RELATIONS = ("knn", "gaussian", "labels", "groups", "precomputed")

# Attributes that only some regimes define; removed on every fit so that a refit in
# another regime never leaves the previous fit's parameters behind.
_REGIME_ATTRIBUTES = ("components_", "intercept_", "dual_coef_", "X_fit_")


class _SSLEstimator(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Shared fit / transform of the four SSL estimators (not public).

    A subclass sets ``_method`` (the module of :mod:`spectral_ssl.methods`) and
    implements ``_method_kwargs(regime)``: the keyword arguments of its
    ``optimal_*`` functions that come from the estimator's parameters.
    """

    _method = None

    def _method_kwargs(self, regime):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    # ------------------------------------------------------------------ graph

    def _relation_graph(self, X, y, groups, graph):
        """Build (and validate) the relation graph of the ``n_samples`` rows of ``X``."""
        n_samples = X.shape[0]
        relation = self.relation
        if groups is not None and relation != "groups":
            raise ValueError(
                f"groups is given but relation={relation!r} ignores it; use relation='groups' "
                f"to build the graph from groups, or drop groups."
            )
        if graph is not None and relation != "precomputed":
            raise ValueError(
                f"graph is given but relation={relation!r} ignores it; use relation='precomputed' "
                f"to fit on that graph, or drop graph."
            )
        if relation == "knn":
            if self.n_neighbors is None:
                raise ValueError("relation='knn' needs n_neighbors (an integer >= 1); got None.")
            return graphs.knn(X, self.n_neighbors)
        if relation == "gaussian":
            bandwidth = self.relation_bandwidth
            if bandwidth is None:
                bandwidth = linalg.median_bandwidth(X)
            return graphs.gaussian(X, bandwidth, n_neighbors=self.n_neighbors)
        if relation == "labels":
            if y is None:
                raise ValueError(
                    "relation='labels' builds the graph from the class labels y; call fit(X, y)."
                )
            G, what = graphs.from_labels(y), "y has {} entries"
        elif relation == "groups":
            if groups is None:
                raise ValueError(
                    "relation='groups' builds the graph from groups (e.g. the source image of each "
                    "view); call fit(X, groups=groups)."
                )
            G, what = graphs.from_groups(groups), "groups has {} entries"
        else:  # precomputed
            if graph is None:
                raise ValueError(
                    "relation='precomputed' needs the relation graph; call fit(X, graph=G) with G of "
                    "shape (n_samples, n_samples)."
                )
            G, what = check_graph(graph, name="graph"), "graph relates {} samples"
        if G.shape[0] != n_samples:
            raise ValueError(
                f"{what.format(G.shape[0])} but X has {n_samples} samples; give one entry per "
                f"sample, in the order of the rows of X."
            )
        return G

    # ------------------------------------------------------------------ fit

    def _fit(self, X, y, groups, graph):
        regime = check_option(self.regime, name="regime", options=REGIMES)
        check_option(self.relation, name="relation", options=RELATIONS)
        X = _validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        G = self._relation_graph(X, y, groups, graph)
        kwargs = self._method_kwargs(regime)
        if regime == "nonparametric":
            rep = self._method.optimal_representation(G, self.n_components, **kwargs)
        elif regime == "linear":
            rep = self._method.optimal_linear(X, G, self.n_components, **kwargs)
        else:
            rep = self._method.optimal_kernel(
                X, G, self.n_components, kernel=self.kernel, bandwidth=self.bandwidth,
                degree=self.degree, coef0=self.coef0, **kwargs)
        for name in _REGIME_ATTRIBUTES:
            self.__dict__.pop(name, None)
        self.representation_ = rep
        self.graph_ = G
        self.embedding_ = rep.Z
        self.loss_ = float(rep.loss)
        self.rank_ = int(rep.rank)
        self.eigenvalues_ = rep.eigenvalues
        self.scales_ = rep.scales
        self.exact_ = bool(rep.exact)
        if regime == "linear":
            self.components_ = rep.W.T
            self.intercept_ = rep.bias
        elif regime == "kernel":
            self.dual_coef_ = rep.A
            self.intercept_ = rep.bias
            self.X_fit_ = rep.X_fit
        return self

    def fit(self, X, y=None, *, groups=None, graph=None):
        """Compute the optimal representation of the training samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs (dense; sparse matrices are refused).
        y : array-like of shape (n_samples,), default=None
            Class labels: the relation graph when ``relation="labels"``,
            ignored otherwise (so the estimator can sit in a supervised
            ``Pipeline`` with any relation).
        groups : array-like of shape (n_samples,), default=None
            Group of each sample, for ``relation="groups"`` only (samples of
            one group are positives).
        graph : array-like or sparse matrix of shape (n_samples, n_samples), default=None
            The relation graph, for ``relation="precomputed"`` only:
            symmetric, non-negative, zero diagonal.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, groups, graph)

    def fit_transform(self, X, y=None, *, groups=None, graph=None):
        """Fit and return the representation of the training samples (``embedding_``).

        Available in every regime, including ``"nonparametric"``, where
        :meth:`transform` is not. Parameters as in :meth:`fit`.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            A copy of ``embedding_``.
        """
        return self._fit(X, y, groups, graph).embedding_.copy()

    # ------------------------------------------------------------------ transform

    def transform(self, X):
        r"""Map samples with the fitted linear or kernel representation.

        Linear regime: :math:`X W + \mathbf 1 b^\top` (``X @ components_.T + intercept_``).
        Kernel regime: :math:`k(X, X_{fit}) A + \mathbf 1 b^\top`
        (``k(X, X_fit_) @ dual_coef_ + intercept_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)

        Notes
        -----
        Not available with ``regime="nonparametric"`` (``hasattr(est, "transform")``
        is False and accessing it raises ``AttributeError``): that optimum is a
        free matrix ``Z`` of the training samples, with no map to new ones, as
        scikit-learn's ``SpectralEmbedding`` has no ``transform``.
        """
        check_is_fitted(self)
        if self.representation_.regime == "nonparametric":  # regime changed by set_params after fit
            _raise_no_transform(self)
        X = _validate_data(self, X, dtype=np.float64, reset=False)
        return self.representation_.transform(X)

    @property
    def _n_features_out(self):
        # Used by ClassNamePrefixFeaturesOutMixin.get_feature_names_out.
        return self.embedding_.shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = self.relation == "labels"
        return tags


_COMMON_PARAMETERS = """\
    regime : {"linear", "kernel", "nonparametric"}, default="linear"
        ``"linear"``: :math:`Z = XW + \\mathbf 1 b^\\top` (``transform`` maps new
        samples). ``"kernel"``: :math:`Z = K_X A + \\mathbf 1 b^\\top` with the kernel
        below. ``"nonparametric"``: any :math:`Z`, the optimum of the graph alone
        (``X`` only builds the graph); no ``transform``, use ``fit_transform``.

    kernel : {"rbf", "linear", "polynomial"} or callable, default="rbf"
        Kernel of the ``"kernel"`` regime (ignored otherwise); a callable is
        ``k(X, Y) -> ndarray``.

    bandwidth : float, default=None
        rbf length scale :math:`\\sigma` in :math:`\\exp(-\\lVert x-y\\rVert^2/(2\\sigma^2))`;
        ``None``: the median pairwise distance of the training ``X``.

    degree : int, default=3
        Degree of the polynomial kernel :math:`(x^\\top y + \\text{coef0})^{\\text{degree}}`.

    coef0 : float, default=1.0
        Constant of the polynomial kernel.

    relation : {"knn", "gaussian", "labels", "groups", "precomputed"}, default="knn"
        How ``fit`` builds the relation graph :math:`G` (the positive pairs):
        ``"knn"`` from ``X`` (``n_neighbors``), ``"gaussian"`` from ``X``
        (``relation_bandwidth``, ``n_neighbors``), ``"labels"`` from ``y``,
        ``"groups"`` from ``fit(X, groups=...)``, ``"precomputed"`` from
        ``fit(X, graph=...)``.

    n_neighbors : int or None, default=5
        Neighbours per sample of the ``"knn"`` relation (required there), and
        of the ``"gaussian"`` relation, where ``None`` keeps every pair. Must be
        below ``n_samples``.

    relation_bandwidth : float, default=None
        :math:`\\sigma` of the ``"gaussian"`` relation
        :math:`G_{ij} = \\exp(-\\lVert x_i-x_j\\rVert^2/(2\\sigma^2))`; ``None``: the
        median pairwise distance of ``X``.
"""

_COMMON_ATTRIBUTES = """\
    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
        The optimal representation :math:`Z` of the training samples.

    components_ : ndarray of shape (n_components, n_features)
        Linear regime only: :math:`W^\\top`, the transpose of the functional
        API's ``W`` (scikit-learn's convention, as ``PCA.components_``), so
        ``transform(X) = X @ components_.T + intercept_``.

    intercept_ : ndarray of shape (n_components,)
        Linear and kernel regimes: the bias :math:`b`.

    dual_coef_ : ndarray of shape (n_samples, n_components)
        Kernel regime only: :math:`A`, the coefficients on the training samples.

    X_fit_ : ndarray of shape (n_samples, n_features)
        Kernel regime only: the training inputs the kernel is evaluated against.

    loss_ : float
        The exact graph-form loss at ``embedding_`` (recomputed from it).

    rank_ : int
        Number of non-collapsed directions of the optimum.

    eigenvalues_ : ndarray of shape (n_components,)
        The spectrum the optimum is built from (see the method's module).

    scales_ : ndarray of shape (n_components,)
        Per-direction variance or singular value, paired with ``eigenvalues_``.

    exact_ : bool
        True when ``embedding_`` is a proven global optimum (a closed form),
        False when it was found numerically.

    representation_ : Representation, LinearRepresentation or KernelRepresentation
        The full result of the functional API (``details``, ``hyperparameters``,
        ``equivalent``, ...).

    graph_ : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        The relation graph :math:`G` the estimator was fitted with.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during ``fit``; defined only when ``X`` has
        string column names (a data frame).
"""


def _raise_no_transform(estimator):
    raise AttributeError(
        f"{type(estimator).__name__} with regime='nonparametric' has no transform: the "
        f"non-parametric optimum Z is defined on the training samples only. Use fit_transform(X) "
        f"or embedding_ for them, or regime='linear' or 'kernel' to map new samples."
    )


def _has_out_of_sample_map(estimator):
    if estimator.regime == "nonparametric":
        _raise_no_transform(estimator)
    return True


# `transform` exists only for the linear and kernel regimes (as LocalOutlierFactor's predict only
# with novelty=True). The condition wraps the method after the class is built: TransformerMixin's
# set_output machinery replaces the methods a class defines by plain functions at class creation,
# which would drop a descriptor applied in the class body.
_SSLEstimator.transform = available_if(_has_out_of_sample_map)(_SSLEstimator.transform)


def _compose_doc(doc):
    return doc.replace("%(common_parameters)s", _COMMON_PARAMETERS).replace(
        "%(common_attributes)s", _COMMON_ATTRIBUTES)


class VICReg(_SSLEstimator):
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
    Fisher-LDA-like projection.

    >>> from sklearn.datasets import load_iris
    >>> from spectral_ssl.estimators import VICReg
    >>> X, y = load_iris(return_X_y=True)
    >>> est = VICReg(n_components=2, relation="labels").fit(X, y)
    >>> est.transform(X[:3]).shape, est.get_feature_names_out().tolist()
    ((3, 2), ['vicreg0', 'vicreg1'])
    """

    _method = vicreg

    def __init__(self, n_components=2, *, variance=25.0, covariance=1.0, invariance=25.0,
                 variance_kind="square", eps=1e-4, regime="linear", kernel="rbf", bandwidth=None,
                 degree=3, coef0=1.0, relation="knn", n_neighbors=5, relation_bandwidth=None,
                 restarts=8, random_state=0):
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

    def _method_kwargs(self, regime):
        return {"variance": self.variance, "covariance": self.covariance,
                "invariance": self.invariance, "variance_kind": self.variance_kind,
                "eps": self.eps, "restarts": self.restarts, "random_state": self.random_state}


class SimCLR(_SSLEstimator):
    r"""SimCLR's optimal representation: a generalized MDS.

    Minimises the SimCLR (NT-Xent) loss in graph form
    :math:`-\sum_{ij}G_{ij}\log\frac{e^{\hat z_i^\top\hat z_j/\tau}}{\sum_{k\ne i}e^{\hat z_i^\top\hat z_k/\tau}}`,
    :math:`\hat z_i = z_i/\lVert z_i\rVert`. The linear and kernel regimes have
    no closed form: they are solved by L-BFGS from the Locality Preserving
    Projections directions and ``restarts - 1`` random starts
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
        Starts of the numerical optimisation (the first is deterministic).

    max_iter : int, default=5000
        L-BFGS iterations per start.

    random_state : int, numpy Generator or None, default=0
        Seed of the random starts.

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

    def __init__(self, n_components=2, *, temperature=0.5, regime="linear", kernel="rbf",
                 bandwidth=None, degree=3, coef0=1.0, relation="knn", n_neighbors=5,
                 relation_bandwidth=None, restarts=8, max_iter=5000, random_state=0):
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

    def _method_kwargs(self, regime):
        return {"temperature": self.temperature, "restarts": self.restarts,
                "max_iter": self.max_iter, "random_state": self.random_state}

    def _fit(self, X, y, groups, graph):
        super()._fit(X, y, groups, graph)
        # L-BFGS iterations of the start that won; the closed form takes none.
        self.n_iter_ = int(self.representation_.details.get("n_iterations", 0))
        return self


class BarlowTwins(_SSLEstimator):
    r"""Barlow Twins' optimal representation: Canonical Correlation Analysis.

    Minimises :math:`\sum_k(C_{kk}-1)^2 + \lambda\sum_{k\ne l}C_{kl}^2`,
    :math:`C = \hat Z^\top G\hat Z` with :math:`D_G`-normalised columns. Linear
    regime with within-view whitening: the top canonical directions (rotated
    to a constant diagonal when :math:`\lambda < 1`), exact; without whitening
    it is optimised numerically from there. See
    :mod:`spectral_ssl.methods.barlow_twins`.

    Parameters
    ----------
    n_components : int, default=2
        :math:`K`; at most the rank of :math:`X^\top D_G X` (linear, features
        plus the constant unless centred) or ``n_samples`` (non-parametric). A
        larger value raises ``ValueError``.

    off_diagonal : float, default=5e-3
        :math:`\lambda \ge 0`, the weight of the off-diagonal (redundancy) terms.

    centered : bool, default=False
        Centre the columns by their :math:`D_G`-weighted mean inside the loss
        (batch-normalised views).

    whiten : bool, default=True
        Linear and kernel regimes: ``True`` solves the whitened problem exactly
        (CCA, ``exact_ = True``); ``False`` optimises the unconstrained loss
        numerically from the CCA solution (``exact_ = False``).

    regularization : float, default=0.0
        Kernel regime only: :math:`\kappa \ge 0` of regularised kernel CCA
        (``exact_ = False`` when positive).

%(common_parameters)s
    restarts : int, default=8
        Random starts of the numerical cases (``whiten=False``; the
        non-parametric regime when no loss-zero closed form exists).

    random_state : int, numpy Generator or None, default=0
        Seed of those random starts.

%(common_attributes)s
    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from spectral_ssl.estimators import BarlowTwins
    >>> X, y = load_iris(return_X_y=True)
    >>> est = BarlowTwins(n_components=2, relation="labels").fit(X, y)
    >>> est.exact_, est.get_feature_names_out().tolist()
    (True, ['barlowtwins0', 'barlowtwins1'])
    """

    _method = barlow_twins

    def __init__(self, n_components=2, *, off_diagonal=5e-3, centered=False, whiten=True,
                 regularization=0.0, regime="linear", kernel="rbf", bandwidth=None, degree=3,
                 coef0=1.0, relation="knn", n_neighbors=5, relation_bandwidth=None, restarts=8,
                 random_state=0):
        self.n_components = n_components
        self.off_diagonal = off_diagonal
        self.centered = centered
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

    def _method_kwargs(self, regime):
        kwargs = {"off_diagonal": self.off_diagonal, "centered": self.centered,
                  "restarts": self.restarts, "random_state": self.random_state}
        if regime != "nonparametric":
            kwargs["whiten"] = self.whiten
        if regime == "kernel":
            kwargs["regularization"] = self.regularization
        return kwargs


class SpectralContrastive(_SSLEstimator):
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

    def __init__(self, n_components=2, *, regime="linear", kernel="rbf", bandwidth=None, degree=3,
                 coef0=1.0, relation="knn", n_neighbors=5, relation_bandwidth=None):
        self.n_components = n_components
        self.regime = regime
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.degree = degree
        self.coef0 = coef0
        self.relation = relation
        self.n_neighbors = n_neighbors
        self.relation_bandwidth = relation_bandwidth

    def _method_kwargs(self, regime):
        return {}


for _cls in (VICReg, SimCLR, BarlowTwins, SpectralContrastive):
    _cls.__doc__ = _compose_doc(_cls.__doc__)
del _cls

__all__ = ["VICReg", "SimCLR", "BarlowTwins", "SpectralContrastive", "RELATIONS"]
