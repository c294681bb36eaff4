"""The shared fit / transform of the scikit-learn estimators of :mod:`spectral_ssl.estimators`.

Not public: :class:`SSLEstimator` builds the relation graph, calls the method's solver,
copies the result to scikit-learn-style attributes, surfaces a collapse and a failed
certificate, and shows progress; each estimator of :mod:`spectral_ssl.estimators` adds its
hyper-parameters.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

import inspect
import warnings

from . import graphs, linalg, memory
from ._progress import check_verbose, status, verbosity
from ._surfacing import certificate_failure, collapse_message, distinct_warnings
from ._validation import check_graph, check_integer, check_option
from .exceptions import CertificateWarning, CollapseWarning
from .methods import REGIMES

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn: the estimator method
    def _validate_data(estimator, X, **kwargs):
        return estimator._validate_data(X, **kwargs)

#: The relations ``fit`` can build the graph G from.
RELATIONS = ("knn", "gaussian", "labels", "groups", "precomputed")

# Attributes that only some regimes define; removed on every fit so that a refit in
# another regime never leaves the previous fit's parameters behind.
_REGIME_ATTRIBUTES = ("components_", "intercept_", "dual_coef_", "X_fit_", "certificate_")

#: Random starts of the certificate when ``certify=True``.
CERTIFY_RESTARTS = 4

#: Solver options that are not loss hyper-parameters and share a name with an option of
#: :func:`spectral_ssl.certify.certify`: passed to it as ``solve_options``.
_SOLVER_ONLY = ("restarts", "random_state", "max_iter", "verbose")


class SSLEstimator(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Shared fit / transform of the four SSL estimators (not public).

    A subclass sets ``_method`` (the module of :mod:`spectral_ssl.methods`),
    ``_solver_parameters`` (its parameters that the ``optimal_*`` functions take under the
    same name) and ``_implicit_label_regimes``; it overrides ``_method_kwargs`` and
    ``_implicit_labels`` only where they depend on more than the regime.
    """

    _method = None

    #: The estimator's parameters passed to the solver of every regime under their own names.
    _solver_parameters = ()

    #: The regimes whose solver takes the label relation implicit (``graphs.LabelRelation``).
    _implicit_label_regimes = ()

    def _method_kwargs(self, regime):
        """The keyword arguments of the ``optimal_*`` function of ``regime`` that come from the parameters."""
        return {name: getattr(self, name) for name in self._solver_parameters}

    def _implicit_labels(self, regime):
        """Whether relation='labels' keeps G implicit (graphs.LabelRelation) in ``regime``."""
        return regime in self._implicit_label_regimes

    # ------------------------------------------------------------------ graph

    def _relation_graph(self, X, y, groups, graph, regime="linear"):
        """Build (and validate) the relation graph of the ``n_samples`` rows of ``X``."""
        n_samples = X.shape[0]
        relation = self.relation
        # A fit argument that only one relation reads: refused under any other, never ignored.
        for name, value, reader, use in (("groups", groups, "groups", "build the graph from groups"),
                                         ("graph", graph, "precomputed", "fit on that graph")):
            if value is not None and relation != reader:
                raise ValueError(f"{name} is given but relation={relation!r} ignores it; use "
                                 f"relation={reader!r} to {use}, or drop {name}.")
        # read by the relations built from X only (labels and groups ignore it, as documented)
        n_neighbors = None if self.n_neighbors is None or relation not in ("knn", "gaussian") else \
            check_integer(self.n_neighbors, name="n_neighbors", low=1)
        if relation == "knn":
            if n_neighbors is None:
                raise ValueError("relation='knn' needs n_neighbors (an integer >= 1); got None.")
            return graphs.knn(X, n_neighbors)
        if relation == "gaussian":
            bandwidth = self.relation_bandwidth
            if bandwidth is None:
                # the estimator's own words: median_bandwidth's advice ("pass bandwidth=") would
                # name the kernel's parameter, not the graph's
                memory.check_pairwise(X, call=f"{type(self).__name__}(relation='gaussian') (the median "
                                      f"distance of X, its default relation_bandwidth)", copies=3,
                                      alternative="set relation_bandwidth= (e.g. the median distance "
                                                  "of a subsample of X)")
                bandwidth = linalg.median_bandwidth(X)
            return graphs.gaussian(X, bandwidth, n_neighbors=n_neighbors)
        if relation == "labels":
            if y is None:
                # scikit-learn's wording for an estimator that requires y (check_requires_y_none)
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the target y is None: "
                    f"relation='labels' builds the graph from the class labels y; call fit(X, y)."
                )
            G, what = graphs.from_labels(y, implicit=self._implicit_labels(regime)), "y has {} entries"
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

    def _set_extra_attributes(self, rep):
        """Attributes of one method only (SimCLR's ``n_iter_``); none by default."""

    def _may_iterate(self, regime):
        """Whether the fit may run a numerical (seconds-long) solve; False: closed forms only.

        Decides whether the fit's status line follows ``verbose=None`` (the package's policy) or
        is shown only with ``verbose=True``: a closed form takes milliseconds, and two lines per fit
        in a cross-validation loop would drown the user's own output.
        """
        return False

    def _solver_call(self, regime, X, G, n_components):
        """The solver of ``regime`` and its arguments, counts checked (``5.0`` accepted as 5)."""
        kwargs = self._method_kwargs(regime)
        for name in ("restarts", "max_iter"):
            if name in kwargs:
                kwargs[name] = check_integer(kwargs[name], name=name)
        if regime == "nonparametric":
            function, arguments = self._method.optimal_representation, (G, n_components)
        elif regime == "linear":
            function, arguments = self._method.optimal_linear, (X, G, n_components)
        else:
            function, arguments = self._method.optimal_kernel, (X, G, n_components)
            kwargs.update(kernel=self.kernel, bandwidth=self.bandwidth,
                          degree=check_integer(self.degree, name="degree", low=1), coef0=self.coef0)
        if "verbose" in inspect.signature(function).parameters:  # iterative: progress per start
            kwargs["verbose"] = self.verbose
        return function, arguments, kwargs

    def _certificate(self, regime, X, G, n_components, kwargs):
        """:func:`spectral_ssl.certify.certify` of this fit (it solves once more)."""
        from .certify import certify

        if isinstance(self.certify, bool):
            restarts = CERTIFY_RESTARTS
        else:
            restarts = check_integer(self.certify, name="certify", low=1)
        solve_options = {name: kwargs.pop(name) for name in _SOLVER_ONLY if name in kwargs}
        solve_options["verbose"] = False  # the certificate's own status line is enough
        with status(f"{type(self).__name__}: certifying with {restarts} random starts",
                    verbose=self.verbose):
            if isinstance(G, graphs.LabelRelation):  # certify searches over the explicit graph
                G = G.to_sparse()
            return certify(self._method.NAME, G, n_components,
                           X=None if regime == "nonparametric" else X, regime=regime,
                           restarts=restarts, solve_options=solve_options, **kwargs)

    def _fit(self, X, y, groups, graph):
        regime = check_option(self.regime, name="regime", options=REGIMES)
        check_option(self.relation, name="relation", options=RELATIONS)
        n_components = check_integer(self.n_components, name="n_components", low=1)
        verbose = check_verbose(self.verbose)  # True/False/None or scikit-learn's 0, 1, 2
        if not isinstance(self.certify, bool):
            check_integer(self.certify, name="certify", low=1)
        X = _validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        # The solver's warnings are caught and re-emitted below, prefixed with the estimator's
        # name and pointing at the caller's fit (the solver's own line means nothing to them).
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            G = self._relation_graph(X, y, groups, graph, regime)
            function, arguments, kwargs = self._solver_call(regime, X, G, n_components)
            with verbosity(verbose):  # reaches the searches without a verbose (Barlow Twins', certify's)
                with status(f"{type(self).__name__} ({regime}): fitting {X.shape[0]} samples",
                            verbose=verbose if self._may_iterate(regime) else bool(verbose)):
                    rep = function(*arguments, **kwargs)
                cert = (self._certificate(regime, X, G, n_components, kwargs)
                        if self.certify is not False else None)
        for name in _REGIME_ATTRIBUTES:
            self.__dict__.pop(name, None)
        self.representation_ = rep
        self.graph_ = G
        self.embedding_ = rep.Z
        self.loss_ = float(rep.loss)
        self.rank_ = int(rep.rank)
        self.collapsed_ = self.rank_ < n_components
        self.eigenvalues_ = rep.eigenvalues
        self.scales_ = rep.scales
        self.exact_ = bool(rep.exact)
        self.exactness_ = rep.exactness
        if regime == "linear":
            self.components_ = rep.W.T
            self.intercept_ = rep.bias
        elif regime == "kernel":
            self.dual_coef_ = rep.A
            self.intercept_ = rep.bias
            self.X_fit_ = rep.X_fit
        self._set_extra_attributes(rep)
        if cert is not None:
            self.certificate_ = cert
        self._reemit(caught, cert)
        return self

    def _reemit(self, caught, cert):
        """Each distinct warning once, the package's with the estimator's name; a failed certificate loudly.

        ``stacklevel=4``: this method, ``_fit``, ``fit`` / ``fit_transform``, the caller.
        """
        name = type(self).__name__
        if self.collapsed_ and not any(issubclass(r.category, CollapseWarning) for r in caught):
            # every solver warns itself; should one not, a collapse is still never silent
            warnings.warn(collapse_message(self.representation_, self.embedding_.shape[1], who=name),
                          CollapseWarning, stacklevel=4)
        if cert is not None and not cert.passed:
            warnings.warn(certificate_failure(cert, who=name, what="embedding_")
                          + " See certificate_.", CertificateWarning, stacklevel=4)
        for record, ours in distinct_warnings(caught):
            if ours:
                warnings.warn(f"{name}: {record.message}", record.category, stacklevel=4)
            else:
                warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)

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

_FIT_OPTIONS = """\
    certify : bool or int, default=False
        Also certify the fitted optimum with :func:`spectral_ssl.certify.certify`:
        minimise the exact loss from ``certify`` random starts (``True``: 4) with
        L-BFGS-B (this solves once more) and keep the result in ``certificate_``. A
        certificate that fails (a start found a lower loss) raises a
        :class:`~spectral_ssl.exceptions.CertificateWarning` beginning
        "CERTIFICATE FAILED".

    verbose : bool, int or None, default=None
        Progress on standard error: ``True`` or an integer >= 1 always (the fit,
        each start of a numerical solve with the best loss so far, the
        certificate), ``False`` or ``0`` never, ``None`` only when standard
        error is a terminal or the code runs in a notebook, and the environment
        variable ``SPECTRAL_SSL_PROGRESS`` is not ``0`` (fits that may be
        numerical and certificates only). Integers as in scikit-learn: ``2`` or
        more also writes, on the plain-line display, a line per block of 50
        loss evaluations (about one per L-BFGS-B iteration) with the current loss. tqdm's bar when tqdm is
        installed, plain lines otherwise.
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

    collapsed_ : bool
        ``rank_ < n_components``: the optimum keeps fewer directions than asked for.
        ``fit`` then re-emits the solver's
        :class:`~spectral_ssl.exceptions.CollapseWarning` (which names the condition
        and the fix) with the estimator's name.

    certificate_ : Certificate
        Only with ``certify``: the :class:`~spectral_ssl.certify.Certificate` of the
        fit (``certificate_.passed``, ``certificate_.gap``, ...).

    eigenvalues_ : ndarray of shape (n_components,)
        The spectrum the optimum is built from (see the method's module).

    scales_ : ndarray of shape (n_components,)
        Per-direction variance or singular value, paired with ``eigenvalues_``.

    exact_ : bool
        True when ``embedding_`` is a proven global optimum (a closed form),
        False when it was found numerically.

    exactness_ : str
        The same in words, naming the problem solved (for Barlow Twins: the
        loss as written or the whitened problem) and how it was solved.

    representation_ : Representation, LinearRepresentation or KernelRepresentation
        The full result of the functional API (``details``, ``hyperparameters``,
        ``equivalent``, ...).

    graph_ : scipy.sparse.csr_matrix or graphs.LabelRelation, shape (n_samples, n_samples)
        The relation graph :math:`G` the estimator was fitted with: a
        :class:`~spectral_ssl.graphs.LabelRelation` (``graph_.to_sparse()`` is the CSR)
        where ``relation="labels"`` is kept implicit (see the module docstring).

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
SSLEstimator.transform = available_if(_has_out_of_sample_map)(SSLEstimator.transform)


def compose_doc(doc):
    return (doc.replace("%(common_parameters)s", _COMMON_PARAMETERS)
            .replace("%(fit_options)s", _FIT_OPTIONS)
            .replace("%(common_attributes)s", _COMMON_ATTRIBUTES))
