r"""Linear probes: how much label information a representation keeps.

A *linear probe* fits a linear classifier on the representation of labelled
training samples and reports its accuracy on held-out samples. It is the
standard downstream evaluation of self-supervised representations; here it
measures what the closed-form optima of :mod:`spectral_ssl.methods` keep.

Three entry points:

* :func:`linear_probe` -- two representation matrices and their labels in,
  accuracy out.
* :func:`probe_out_of_sample` -- for a ``LinearRepresentation`` or
  ``KernelRepresentation``: map held-out inputs with ``transform`` (the
  parameters were fitted without them), then probe.
* :func:`probe_transductive` -- for a non-parametric ``Representation``, which
  has no ``transform``: every sample (labelled or not) is a row of ``Z``; the
  probe is trained on some rows and tested on others. Rows that are views of
  one image can first be averaged (``groups``).

The probe depends only on the **span** of a representation, not on its basis:
it PCA-whitens the training rows (centre with their mean, keep the directions
whose singular value exceeds :data:`spectral_ssl.linalg.RANK_RTOL` times the
largest, rescale each to unit variance) and expresses them in a canonical
orthonormal basis of that span (:func:`spectral_ssl.linalg.canonical_basis`).
Two representations :math:`Z` and :math:`ZA + \mathbf 1 b^\top` (any
invertible :math:`A`) therefore reach the classifier as the same features, and
get the same predictions. A per-column standardisation would not do this: the
L2 penalty of the classifier then depends on how the span is parametrised, and
two bases of one span gave accuracies 0.82 and 0.76 on one problem. Directions
below the rank threshold are collapsed directions carrying only round-off; they
are dropped rather than blown up to unit variance. A representation with no
direction left predicts the most frequent training class.
"""

import numpy as np

from .. import linalg
from .._validation import check_features, check_integer, check_option, check_scalar

#: Classifiers :func:`linear_probe` offers.
PROBE_MODELS = ("logistic", "ridge")

#: Directions of the centred training rows with singular value <= this times the largest count
#: as collapsed (the package's rank rule, :data:`spectral_ssl.linalg.RANK_RTOL`).
COLLAPSED_RTOL = linalg.RANK_RTOL


def _check_labels(y, n_samples, name, repr_name):
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one label per sample), got shape {y.shape}.")
    if y.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {y.shape[0]} labels but {repr_name} has {n_samples} rows; "
            f"give one label per row."
        )
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(f"{name} contains NaN or inf; every sample needs a valid label.")
    return y


def _check_max_iter(max_iter):
    return check_integer(max_iter, name="max_iter", low=1)


def whiten_span(train_repr, test_repr=None, *, rank_rtol=COLLAPSED_RTOL):
    r"""Whitened coordinates of the span of the centred training rows, in a canonical basis.

    With the thin SVD :math:`Z_c = USV^\top` of the centred training rows
    (:math:`n` of them), the directions with :math:`s_k > \text{rank\_rtol}\, s_1` are kept
    and the training rows mapped to :math:`\sqrt n\, U_r Q`, :math:`Q` the rotation to
    :func:`spectral_ssl.linalg.canonical_basis` of :math:`\operatorname{span}(U_r)`. The
    result has identity covariance and depends only on the span of :math:`Z_c` (its columns
    are a function of the projector :math:`U_rU_r^\top`): any invertible change of basis
    :math:`Z \to ZA + \mathbf 1b^\top` gives the same coordinates, up to round-off. Test rows
    go through the same affine map :math:`z \mapsto \sqrt n\,(z - \bar z)V_rS_r^{-1}Q`.

    Parameters
    ----------
    train_repr : array_like, shape (n, K)
    test_repr : array_like, shape (m, K), optional
    rank_rtol : float
        Relative singular-value threshold of a kept direction.

    Returns
    -------
    train_white : ndarray, shape (n, r)
    test_white : ndarray, shape (m, r)
        Only when ``test_repr`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [4.0, 8.0]])  # rank 1
    >>> W = whiten_span(Z)
    >>> W.shape, bool(np.allclose(W.T @ W / 4, 1.0))
    ((4, 1), True)
    >>> bool(np.allclose(whiten_span(-3.0 * Z + 7.0), W))  # another basis of the same span
    True
    """
    Z = check_features(train_repr, name="train_repr", min_samples=1)
    mean = Z.mean(axis=0)
    U, s, Vt = np.linalg.svd(Z - mean, full_matrices=False)
    keep = s > rank_rtol * s[0] if s.size and s[0] > 0 else np.zeros(s.shape, bool)
    U, s, V = U[:, keep], s[keep], Vt[keep].T
    n = Z.shape[0]
    if U.shape[1]:
        basis = linalg.canonical_basis(U)
        rotation = U.T @ basis
    else:
        basis, rotation = U, np.zeros((0, 0))
    train_white = np.sqrt(n) * basis
    if test_repr is None:
        return train_white
    T = check_features(test_repr, name="test_repr", min_samples=1)
    if T.shape[1] != Z.shape[1]:
        raise ValueError(
            f"test_repr has {T.shape[1]} columns but train_repr has {Z.shape[1]}; "
            f"both must come from the same representation."
        )
    test_white = np.sqrt(n) * ((T - mean) @ (V / s)) @ rotation
    return train_white, test_white


def linear_probe(train_repr, y_train, test_repr, y_test, *, model="logistic", regularization=1.0,
                 max_iter=5000):
    r"""Accuracy of a linear classifier trained on ``train_repr`` and tested on ``test_repr``.

    The training rows are whitened on their span (:func:`whiten_span`: centred,
    collapsed directions dropped, unit variance, canonical basis; the test rows
    go through the same map), so the accuracy depends only on the span of the
    representation (see the module docstring). Then

    * ``model="logistic"``: multinomial logistic regression
      (``sklearn.linear_model.LogisticRegression``, lbfgs) minimising the
      summed log-loss plus :math:`\tfrac{\text{regularization}}{2}\lVert W\rVert_F^2`,
      i.e. ``C = 1 / regularization``;
    * ``model="ridge"``: ``sklearn.linear_model.RidgeClassifier`` (least
      squares on :math:`\pm 1` targets, one-vs-all) with
      ``alpha = regularization``. Deterministic and faster; slightly less
      accurate on multi-class problems.

    Parameters
    ----------
    train_repr : array_like, shape (n_train, K)
    y_train : array_like, shape (n_train,)
        Needs at least two classes.
    test_repr : array_like, shape (n_test, K)
    y_test : array_like, shape (n_test,)
    model : {"logistic", "ridge"}
    regularization : float > 0
        Strength of the :math:`\ell_2` penalty (see above).
    max_iter : int
        Iterations of the logistic solver.

    Returns
    -------
    accuracy : float in [0, 1]
        Fraction of test rows whose predicted label equals ``y_test``.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> linear_probe(Z, y, np.array([[-3.0], [3.0]]), np.array([0, 1]))
    1.0
    """
    prediction = linear_probe_predictions(train_repr, y_train, test_repr, model=model,
                                          regularization=regularization, max_iter=max_iter)
    y_test = _check_labels(y_test, prediction.shape[0], "y_test", "test_repr")
    return float(np.mean(prediction == y_test))


def linear_probe_predictions(train_repr, y_train, test_repr, *, model="logistic", regularization=1.0,
                             max_iter=5000):
    """The labels :func:`linear_probe` predicts for the rows of ``test_repr``.

    Same parameters as :func:`linear_probe` without ``y_test``. Returns an array
    of shape ``(n_test,)`` with the dtype of ``y_train``.
    """
    train_repr = check_features(train_repr, name="train_repr")
    test_repr = check_features(test_repr, name="test_repr", min_samples=1)
    if test_repr.shape[1] != train_repr.shape[1]:
        raise ValueError(
            f"test_repr has {test_repr.shape[1]} columns but train_repr has {train_repr.shape[1]}; "
            f"both must come from the same representation."
        )
    y_train = _check_labels(y_train, train_repr.shape[0], "y_train", "train_repr")
    check_option(model, name="model", options=PROBE_MODELS)
    regularization = check_scalar(regularization, name="regularization", low=0.0, low_inclusive=False)
    max_iter = _check_max_iter(max_iter)
    classes, counts = np.unique(y_train, return_counts=True)
    if classes.size < 2:
        raise ValueError(
            f"y_train has a single class ({classes[0]!r}); a probe needs at least two classes to separate."
        )

    train_white, test_white = whiten_span(train_repr, test_repr)
    if train_white.shape[1] == 0:
        # A constant representation carries no information: predict the majority class.
        return np.full(test_repr.shape[0], classes[np.argmax(counts)])

    if model == "logistic":
        from sklearn.linear_model import LogisticRegression

        classifier = LogisticRegression(C=1.0 / regularization, max_iter=max_iter, tol=1e-8)
    else:
        from sklearn.linear_model import RidgeClassifier

        classifier = RidgeClassifier(alpha=regularization)
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        # Separable training sets make lbfgs run to max_iter; the predictions are still what we report.
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(train_white, y_train)
    return classifier.predict(test_white)


def probe_out_of_sample(rep, X_train, y_train, X_test, y_test, **probe_options):
    """Probe a parametric representation on inputs it was not fitted on.

    ``rep.transform`` maps ``X_train`` (the probe's labelled training inputs)
    and ``X_test`` (held-out inputs); :func:`linear_probe` does the rest.

    Parameters
    ----------
    rep : LinearRepresentation or KernelRepresentation
        Anything with a ``transform(X) -> (n, K)`` method.
    X_train, X_test : array_like, shape (n, D)
        Raw inputs with the features ``rep`` was fitted on.
    y_train, y_test : array_like
    **probe_options
        ``model``, ``regularization``, ``max_iter`` of :func:`linear_probe`.

    Returns
    -------
    accuracy : float
    """
    if not callable(getattr(rep, "transform", None)):
        raise TypeError(
            f"rep must be a LinearRepresentation or KernelRepresentation (with transform), "
            f"got {type(rep).__name__}; use probe_transductive for a non-parametric Representation."
        )
    return linear_probe(rep.transform(X_train), y_train, rep.transform(X_test), y_test, **probe_options)


def pool_groups(Z, groups):
    """Average the rows of ``Z`` that share a group label.

    Parameters
    ----------
    Z : array_like, shape (N, K)
    groups : array_like, shape (N,)
        E.g. the ``groups`` of :func:`spectral_ssl.graphs.make_views` (the index
        of the source image of each view).

    Returns
    -------
    pooled : ndarray, shape (M, K)
        Row ``j`` is the mean of the rows of group ``labels[j]``.
    labels : ndarray, shape (M,)
        The sorted distinct group labels.

    Examples
    --------
    >>> import numpy as np
    >>> pooled, labels = pool_groups(np.array([[1.0], [3.0], [10.0]]), [0, 0, 1])
    >>> pooled.ravel().tolist(), labels.tolist()
    ([2.0, 10.0], [0, 1])
    """
    Z = check_features(Z, name="Z", min_samples=1)
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.shape[0] != Z.shape[0]:
        raise ValueError(
            f"groups must be 1-D with one entry per row of Z ({Z.shape[0]}), got shape {groups.shape}."
        )
    labels, codes = np.unique(groups, return_inverse=True)
    sums = np.zeros((labels.size, Z.shape[1]))
    np.add.at(sums, codes, Z)
    return sums / np.bincount(codes)[:, None], labels


def _check_index(index, n, name):
    index = np.asarray(index)
    if index.dtype == bool:
        if index.shape != (n,):
            raise ValueError(f"{name} is a boolean mask of shape {index.shape}; it needs shape ({n},).")
        index = np.flatnonzero(index)
    elif index.ndim != 1 or (index.size and index.dtype.kind not in "iu"):
        raise TypeError(f"{name} must be a 1-D integer index array or a boolean mask, got dtype {index.dtype}.")
    if index.size == 0:
        raise ValueError(f"{name} is empty; the probe needs samples on both sides of the split.")
    if index.min() < 0 or index.max() >= n:
        raise ValueError(f"{name} has indices outside [0, {n - 1}].")
    return index.astype(np.intp)


def probe_transductive(rep, y, train, test, *, groups=None, **probe_options):
    """Probe a non-parametric representation: train on some rows of ``Z``, test on others.

    The representation was computed for all samples at once (the relation
    graph contains the test samples, their labels were never used), so the
    split is transductive: it measures whether ``Z`` separates the classes.

    Parameters
    ----------
    rep : Representation or array_like of shape (N, K)
    y : array_like
        One label per sample: per row of ``Z``, or per group when ``groups`` is given.
    train, test : index arrays or boolean masks
        Disjoint subsets of the samples (rows, or groups when ``groups`` is given).
    groups : array_like of shape (N,), optional
        Average the rows of each group first (:func:`pool_groups`), e.g. the
        views of one image; samples are then the sorted distinct group labels
        (``0..M-1`` for :func:`spectral_ssl.graphs.make_views`).
    **probe_options
        ``model``, ``regularization``, ``max_iter`` of :func:`linear_probe`.

    Returns
    -------
    accuracy : float

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[-1.0], [-1.2], [1.0], [1.1], [-0.9], [0.8]])
    >>> probe_transductive(Z, [0, 0, 1, 1, 0, 1], [0, 1, 2, 3], [4, 5])
    1.0
    """
    Z = rep.Z if hasattr(rep, "Z") else rep
    Z = check_features(Z, name="Z")
    if groups is not None:
        Z, _ = pool_groups(Z, groups)
    y = _check_labels(y, Z.shape[0], "y", "the representation (pooled by groups)" if groups is not None
                      else "the representation")
    train = _check_index(train, Z.shape[0], "train")
    test = _check_index(test, Z.shape[0], "test")
    if np.intersect1d(train, test).size:
        raise ValueError("train and test share samples; a probe must be tested on held-out samples.")
    return linear_probe(Z[train], y[train], Z[test], y[test], **probe_options)
