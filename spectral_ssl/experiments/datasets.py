r"""Data sets for the paper's claims: a Gaussian mixture, digits with views, a swiss roll.

* :func:`gaussian_mixture` -- the synthetic setting at the paper's sizes
  (:math:`N = 256` samples, representations with :math:`K = 32` dimensions):
  balanced classes whose means differ in a few directions, plus a shared,
  anisotropic within-class covariance whose largest directions carry *no*
  label information (so the leading principal components are not the class
  directions, and only a relation that knows the classes finds them).
* :func:`digits` -- a balanced subset of scikit-learn's 8 x 8 digits (shipped
  with scikit-learn, nothing is downloaded), with the options
  :func:`spectral_ssl.graphs.make_views` needs for one-pixel shifts and pixel
  noise (:attr:`Dataset.view_options`).
* :func:`breast_cancer`, :func:`wine` -- two more data sets shipped with
  scikit-learn, each feature standardised.
* :func:`swiss_roll` -- scikit-learn's swiss roll together with its exact
  intrinsic coordinates (arc length along the spiral, height), from which
  :func:`intrinsic_distances` gives the true geodesic distances.
* :func:`balanced_split` -- disjoint, class-balanced train / test indices.

Every function is deterministic given ``random_state``.
"""

from dataclasses import dataclass, field

import numpy as np

from .._validation import check_features, check_integer, check_random_state, check_scalar


@dataclass(kw_only=True)
class Dataset:
    """Inputs, labels and how to augment them.

    Attributes
    ----------
    name : str
        Short name used in tables and figure titles.
    X : ndarray, shape (N, D)
    y : ndarray of int, shape (N,)
        Balanced classes ``0 .. C-1``.
    view_options : dict
        Keyword arguments of :func:`spectral_ssl.graphs.make_views` that suit
        these inputs (``augment``, ``image_shape``, ``noise_scale``).
    description : str
        One sentence for reports.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    view_options: dict = field(default_factory=dict)
    description: str = ""

    @property
    def n_classes(self):
        return int(np.unique(self.y).size)


def gaussian_mixture(n_samples=256, *, n_features=64, n_classes=8, separation=2.0,
                     nuisance_scale=3.0, n_nuisance=8, random_state=0):
    r"""A balanced Gaussian mixture whose largest directions of variance carry no labels.

    Sample :math:`i` of class :math:`c` is
    :math:`x_i = m_c + S\,\varepsilon_i`, :math:`\varepsilon_i \sim \mathcal N(0, I_D)`,
    with

    * class means :math:`m_c = \text{separation}\cdot P\,u_c`: the :math:`u_c`
      are the :math:`C` vertices of a regular simplex (unit norm, pairwise
      cosine :math:`-1/(C-1)`) and :math:`P` a random orthonormal
      :math:`D \times (C-1)` basis, so every pair of means is
      :math:`\text{separation}\sqrt{2C/(C-1)}` apart;
    * a within-class scale :math:`S = Q\operatorname{diag}(s)Q^\top`,
      :math:`Q` a random rotation, with :math:`s_k = \text{nuisance\_scale}` for
      ``n_nuisance`` directions and :math:`s_k` spread geometrically over
      :math:`[0.3, 1]` for the others. The nuisance directions have more variance
      than the class means, so the leading principal components are mostly noise.

    Parameters
    ----------
    n_samples : int
        :math:`N`, a multiple of ``n_classes`` (the paper's synthetic setting: 256).
    n_features : int >= n_classes - 1
        :math:`D`.
    n_classes : int >= 2
        :math:`C`.
    separation : float > 0
        Distance of each class mean from the origin, in units of the typical
        within-class standard deviation.
    nuisance_scale : float > 0
        Standard deviation along the label-free nuisance directions.
    n_nuisance : int >= 0
        Number of nuisance directions (at most ``n_features``).
    random_state : None, int or numpy Generator

    Returns
    -------
    X : ndarray, shape (n_samples, n_features)
    y : ndarray of int, shape (n_samples,)
        ``n_samples / n_classes`` samples of each class, in random order.

    Examples
    --------
    >>> X, y = gaussian_mixture(random_state=0)
    >>> X.shape, np.bincount(y).tolist()
    ((256, 64), [32, 32, 32, 32, 32, 32, 32, 32])
    """
    n_samples = check_integer(n_samples, name="n_samples", low=2)
    n_classes = check_integer(n_classes, name="n_classes", low=2)
    n_features = check_integer(n_features, name="n_features", low=n_classes - 1)
    n_nuisance = check_integer(n_nuisance, name="n_nuisance", low=0)
    if n_samples % n_classes:
        raise ValueError(
            f"n_samples={n_samples} is not a multiple of n_classes={n_classes}; the classes must be "
            f"balanced. Use n_samples={n_classes * max(1, n_samples // n_classes)}."
        )
    if n_nuisance > n_features:
        raise ValueError(f"n_nuisance must be <= n_features={n_features}, got {n_nuisance}.")
    separation = check_scalar(separation, name="separation", low=0.0, low_inclusive=False)
    nuisance_scale = check_scalar(nuisance_scale, name="nuisance_scale", low=0.0, low_inclusive=False)
    rng = check_random_state(random_state)

    # Simplex vertices: centred standard basis of R^C, expressed in C - 1 coordinates.
    E = np.eye(n_classes) - 1.0 / n_classes
    U, _, _ = np.linalg.svd(E, full_matrices=False)
    vertices = E @ U[:, : n_classes - 1]
    vertices /= np.linalg.norm(vertices, axis=1, keepdims=True)
    P, _ = np.linalg.qr(rng.standard_normal((n_features, n_classes - 1)))
    means = separation * vertices @ P.T

    Q, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    n_rest = n_features - n_nuisance
    scales = np.concatenate([np.full(n_nuisance, nuisance_scale), np.geomspace(1.0, 0.3, n_rest)])
    S = (Q * scales) @ Q.T

    y = rng.permutation(np.repeat(np.arange(n_classes), n_samples // n_classes))
    X = means[y] + rng.standard_normal((n_samples, n_features)) @ S
    return X, y


def mixture_dataset(n_samples=256, *, random_state=0, **options):
    """:func:`gaussian_mixture` as a :class:`Dataset` (views: Gaussian noise, 30% of each feature's std)."""
    X, y = gaussian_mixture(n_samples, random_state=random_state, **options)
    return Dataset(
        name="mixture", X=X, y=y,
        view_options={"augment": ("noise",), "noise_scale": 0.3},
        description=(f"synthetic Gaussian mixture: N={X.shape[0]}, D={X.shape[1]}, "
                     f"{np.unique(y).size} balanced classes, label-free nuisance directions"),
    )


def digits(n_per_class=100, *, n_classes=10, random_state=0):
    r"""A balanced subset of scikit-learn's digits (8 x 8 images, pixel values 0-16, scaled to [0, 1]).

    Parameters
    ----------
    n_per_class : int
        Images drawn (without replacement) from each class; the data set has at
        least 174 per class.
    n_classes : int, 2 <= C <= 10
        The digits ``0 .. C-1`` are kept.
    random_state : None, int or numpy Generator

    Returns
    -------
    Dataset
        ``view_options``: one-pixel shifts then Gaussian pixel noise (10% of
        each pixel's std), ``image_shape=(8, 8)``.

    Examples
    --------
    >>> data = digits(20, n_classes=3)
    >>> data.X.shape, float(data.X.max()) <= 1.0, np.bincount(data.y).tolist()
    ((60, 64), True, [20, 20, 20])
    """
    from sklearn.datasets import load_digits

    n_classes = check_integer(n_classes, name="n_classes", low=2)
    if n_classes > 10:
        raise ValueError(f"n_classes must be <= 10 (digits 0-9), got {n_classes}.")
    n_per_class = check_integer(n_per_class, name="n_per_class", low=1)
    rng = check_random_state(random_state)
    raw = load_digits()
    chosen = []
    for c in range(n_classes):
        members = np.flatnonzero(raw.target == c)
        if n_per_class > members.size:
            raise ValueError(
                f"n_per_class={n_per_class} exceeds the {members.size} images of digit {c}; "
                f"use n_per_class <= 174."
            )
        chosen.append(rng.choice(members, size=n_per_class, replace=False))
    index = rng.permutation(np.concatenate(chosen))
    return Dataset(
        name="digits", X=raw.data[index] / 16.0, y=raw.target[index].astype(int),
        view_options={"augment": ("shift", "noise"), "image_shape": (8, 8), "noise_scale": 0.1},
        description=(f"scikit-learn digits: {n_per_class} images of each digit 0-{n_classes - 1} "
                     f"(8 x 8 pixels, D=64); views = one-pixel shift + pixel noise"),
    )


def _standardised_sklearn(loader, name, description, n_per_class, random_state):
    from sklearn.datasets import load_breast_cancer, load_wine

    raw = {"wine": load_wine, "breast_cancer": load_breast_cancer}[loader]()
    X, y = raw.data.astype(np.float64), raw.target.astype(int)
    rng = check_random_state(random_state)
    if n_per_class is not None:
        n_per_class = check_integer(n_per_class, name="n_per_class", low=1)
        counts = np.bincount(y)
        if n_per_class > counts.min():
            raise ValueError(f"n_per_class={n_per_class} exceeds the {counts.min()} samples of the smallest "
                             f"class of {name}; use n_per_class <= {counts.min()} or None (all samples).")
        index = np.concatenate([rng.choice(np.flatnonzero(y == c), size=n_per_class, replace=False)
                                for c in np.unique(y)])
    else:
        index = np.arange(y.size)
    index = rng.permutation(index)
    X, y = X[index], y[index]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return Dataset(name=name, X=X, y=y, view_options={"augment": ("noise",), "noise_scale": 0.1},
                   description=f"{description}: N={X.shape[0]}, D={X.shape[1]}, classes "
                               f"{np.bincount(y).tolist()}, each feature standardised (mean 0, std 1)")


def breast_cancer(n_per_class=None, *, random_state=0):
    """scikit-learn's breast cancer data set (569 samples, 30 features, 2 classes), standardised.

    Parameters
    ----------
    n_per_class : int, optional
        Samples drawn from each class (balanced); default: all (212 malignant, 357 benign).
    random_state : None, int or numpy Generator
        Order of the rows (and the subsample).

    Returns
    -------
    Dataset

    Examples
    --------
    >>> data = breast_cancer()
    >>> data.X.shape, np.bincount(data.y).tolist(), bool(np.allclose(data.X.std(axis=0), 1.0))
    ((569, 30), [212, 357], True)
    """
    return _standardised_sklearn("breast_cancer", "breast_cancer", "scikit-learn breast cancer (Wisconsin)",
                                 n_per_class, random_state)


def wine(n_per_class=None, *, random_state=0):
    """scikit-learn's wine data set (178 samples, 13 features, 3 classes), standardised.

    Examples
    --------
    >>> data = wine()
    >>> data.X.shape, np.bincount(data.y).tolist()
    ((178, 13), [59, 71, 48])
    """
    return _standardised_sklearn("wine", "wine", "scikit-learn wine", n_per_class, random_state)


def balanced_split(y, n_train_per_class, n_test_per_class=None, *, random_state=0):
    """Disjoint train / test indices with the same number of samples of every class.

    Parameters
    ----------
    y : array_like of shape (N,)
    n_train_per_class : int >= 1
    n_test_per_class : int, optional
        Default: every remaining sample of the smallest class.
    random_state : None, int or numpy Generator

    Returns
    -------
    train, test : ndarray of int
        Sorted indices into ``y``.

    Examples
    --------
    >>> train, test = balanced_split([0, 0, 0, 1, 1, 1], 2, random_state=0)
    >>> len(train), len(test)
    (4, 2)
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per sample), got shape {y.shape}.")
    n_train_per_class = check_integer(n_train_per_class, name="n_train_per_class", low=1)
    classes, counts = np.unique(y, return_counts=True)
    available = int(counts.min()) - n_train_per_class
    if available < 0 or (n_test_per_class is None and available < 1):
        raise ValueError(
            f"n_train_per_class={n_train_per_class} leaves no test sample in the smallest class "
            f"({int(counts.min())} samples); use a smaller n_train_per_class."
        )
    if n_test_per_class is None:
        n_test_per_class = available
    n_test_per_class = check_integer(n_test_per_class, name="n_test_per_class", low=1)
    if n_test_per_class > available:
        raise ValueError(
            f"n_test_per_class={n_test_per_class} is more than the {available} samples per class left "
            f"after training; use n_test_per_class <= {available}."
        )
    rng = check_random_state(random_state)
    train, test = [], []
    for c in classes:
        members = rng.permutation(np.flatnonzero(y == c))
        train.append(members[:n_train_per_class])
        test.append(members[n_train_per_class: n_train_per_class + n_test_per_class])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def swiss_roll(n_samples=256, *, noise=0.0, random_state=0):
    r"""Swiss roll in :math:`\mathbb R^3` with its exact intrinsic coordinates.

    scikit-learn's construction: :math:`t \sim U[1.5\pi, 4.5\pi]`,
    :math:`x = (t\cos t,\ h,\ t\sin t)`, :math:`h \sim U[0, 21]`. The spiral
    :math:`r = t` has arc length
    :math:`s(t) = \tfrac12\big(t\sqrt{1+t^2} + \operatorname{asinh} t\big)`, so
    :math:`(s, h)` are isometric coordinates of the unrolled sheet.

    Parameters
    ----------
    n_samples : int >= 2
    noise : float >= 0
        Standard deviation of Gaussian noise added to ``X`` (the coordinates
        stay noise-free).
    random_state : None or int

    Returns
    -------
    X : ndarray, shape (n_samples, 3)
    coords : ndarray, shape (n_samples, 2)
        (arc length, height).

    Examples
    --------
    >>> X, coords = swiss_roll(5)
    >>> X.shape, coords.shape
    ((5, 3), (5, 2))
    """
    from sklearn.datasets import make_swiss_roll

    n_samples = check_integer(n_samples, name="n_samples", low=2)
    noise = check_scalar(noise, name="noise", low=0.0)
    seed = check_random_state(random_state).integers(2**31 - 1)
    X, t = make_swiss_roll(n_samples, noise=noise, random_state=int(seed))
    return X, np.column_stack([spiral_arc_length(t), X[:, 1]])


def spiral_arc_length(t):
    r"""Arc length of the spiral :math:`r = t` from 0 to ``t``:
    :math:`\tfrac12\big(t\sqrt{1+t^2} + \operatorname{asinh} t\big)`."""
    t = np.asarray(t, dtype=np.float64)
    return 0.5 * (t * np.sqrt(1.0 + t * t) + np.arcsinh(t))


def intrinsic_distances(coords):
    """Euclidean distances between intrinsic coordinates: the geodesic distances of an unrolled sheet.

    Parameters
    ----------
    coords : array_like, shape (N, d)

    Returns
    -------
    ndarray, shape (N, N)

    Examples
    --------
    >>> intrinsic_distances([[0.0, 0.0], [3.0, 4.0]]).tolist()
    [[0.0, 5.0], [5.0, 0.0]]
    """
    from scipy.spatial.distance import cdist

    coords = check_features(coords, name="coords")
    return cdist(coords, coords)


__all__ = ["Dataset", "gaussian_mixture", "mixture_dataset", "digits", "breast_cancer", "wine", "balanced_split",
           "swiss_roll", "intrinsic_distances"]
