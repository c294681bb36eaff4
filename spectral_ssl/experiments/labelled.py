"""Labelled data of the report: digits split into train/test images, a user's (X, y) checked and split,
and the data sets of the paper's claims.

Computation only (no rendering): :mod:`spectral_ssl.report` calls these and renders what they
return.
"""

from dataclasses import dataclass

import numpy as np

# defined with the other constants report --help shows, in a module that imports nothing
from .._settings_cli import MIN_SAMPLES_PER_CLASS, USER_DATA_MAX_SAMPLES


def load_digits_split(*, n_images=None, test_size=0.3, seed=0):
    """Digits scaled to [0, 1], optionally subsampled, split into train/test images.

    Parameters
    ----------
    n_images : int, optional
        Keep a stratified subsample of this many images (``None``: all 1797).
    test_size : float in (0, 1)
        Fraction of the images held out for the probe's test.
    seed : int
        Seed of the subsample and the split (both stratified by class).

    Returns
    -------
    X : ndarray, shape (n, 64)
    y : ndarray, shape (n,)
    train, test : ndarray of int
        Indices into ``X``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0  # pixel intensities are 0..16
    if n_images is not None:
        if not 40 <= n_images <= X.shape[0]:
            raise ValueError(f"n_images must be between 40 and {X.shape[0]}, got {n_images}.")
        if n_images < X.shape[0]:
            keep, _ = train_test_split(np.arange(X.shape[0]), train_size=n_images, stratify=y,
                                       random_state=seed)
            keep = np.sort(keep)
            X, y = X[keep], y[keep]
    train, test = train_test_split(np.arange(X.shape[0]), test_size=test_size, stratify=y,
                                   random_state=seed)
    return X, y, np.sort(train), np.sort(test)


def check_labelled_data(X, y, *, argument="data"):
    """Validate a user's features and labels for the report.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Finite numbers, at least two features.
    y : array_like, shape (N,)
        Class labels (any hashable values): at least two classes, each with at
        least :data:`MIN_SAMPLES_PER_CLASS` samples (a stratified train/test
        split needs two of every class on each side).
    argument : str
        Name used in the messages (the command passes ``"--data"``).

    Returns
    -------
    X : ndarray of float64, shape (N, D)
    y : ndarray, shape (N,)

    Raises
    ------
    ValueError
        Naming ``argument`` and the fix.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"{argument}: the features must be a 2-D array (samples x features), "
                         f"got shape {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{argument}: the features contain NaN or infinite values; remove or "
                         f"impute them first.")
    if X.shape[1] < 2:
        raise ValueError(f"{argument}: {X.shape[1]} feature column; the report needs at least 2.")
    if y.shape != (X.shape[0],):
        raise ValueError(f"{argument}: {X.shape[0]} samples but labels of shape {y.shape}; give "
                         f"one label per sample.")
    classes, counts = np.unique(y, return_counts=True)
    if classes.size < 2:
        raise ValueError(f"{argument}: the labels hold a single class ({classes[0].item()!r}); the "
                         f"report needs at least two classes.")
    if counts.min() < MIN_SAMPLES_PER_CLASS:
        small = classes[np.argmin(counts)].item()  # a Python value: its repr is the label itself
        raise ValueError(f"{argument}: class {small!r} has only {counts.min()} sample(s); every "
                         f"class needs at least {MIN_SAMPLES_PER_CLASS} (a stratified train/test "
                         f"split); drop or merge the small classes.")
    return X, y


def per_class_subset(y, size, rng):
    """Sorted indices of about ``size`` rows, each class in proportion, at least
    :data:`MIN_SAMPLES_PER_CLASS` of every class (all of a smaller one)."""
    _, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    quota = np.round(counts * size / y.size).astype(int)
    quota = np.minimum(counts, np.maximum(quota, MIN_SAMPLES_PER_CLASS))
    keep = [rng.choice(np.flatnonzero(codes == c), q, replace=False) for c, q in enumerate(quota)]
    return np.sort(np.concatenate(keep))


def split_labelled_data(X, y, *, n_images=None, test_size=0.3, seed=0):
    """A user's data for the method table: optionally subsampled, split into train/test rows.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    y : ndarray, shape (N,)
        Already checked by :func:`check_labelled_data`; any label values
        (they are replaced by integer codes ``0 .. C-1``).
    n_images : int, optional
        Keep a class-stratified subsample of about this many rows (each class
        in proportion, at least :data:`MIN_SAMPLES_PER_CLASS` of each);
        ``None``: all rows up to :data:`USER_DATA_MAX_SAMPLES`.
    test_size : float in (0, 1)
    seed : int

    Returns
    -------
    X : ndarray, shape (n, D)
    y : ndarray of int, shape (n,)
    train, test : ndarray of int
    """
    from sklearn.model_selection import train_test_split

    y = np.unique(y, return_inverse=True)[1]
    size = USER_DATA_MAX_SAMPLES if n_images is None else n_images
    if size < X.shape[0]:
        keep = per_class_subset(y, size, np.random.default_rng(seed))
        X, y = X[keep], y[keep]
    train, test = train_test_split(np.arange(X.shape[0]), test_size=test_size, stratify=y,
                                   random_state=seed)
    return X, y, np.sort(train), np.sort(test)


@dataclass
class MethodData:
    """The labelled data of the method table and how its views are made."""

    name: str
    description: str  # one sentence for the notes
    X: np.ndarray
    y: np.ndarray
    train: np.ndarray
    test: np.ndarray
    augment: tuple  # graphs.make_views augmentations
    view_text: str  # how a view is made, for the notes

    @property
    def chance(self):
        """Share of the majority class among the test samples: a constant predictor's accuracy."""
        return float(np.bincount(self.y[self.test]).max() / self.test.size)


def method_data(data, data_name, n_images, test_size, seed):
    """The data of the method table: digits (``data`` None) or a user's checked ``(X, y)``.

    Returns
    -------
    MethodData
    """
    if data is None:
        X, y, train, test = load_digits_split(n_images=n_images, test_size=test_size, seed=seed)
        return MethodData(
            "digits", f"scikit-learn digits, {X.shape[0]} images (8 x 8 pixels scaled to [0, 1])",
            X, y, train, test, ("shift", "noise"),
            "one-pixel shift, then Gaussian noise of 0.1 x each pixel's std")
    X0, y0 = data
    X, y, train, test = split_labelled_data(X0, y0, n_images=n_images, test_size=test_size, seed=seed)
    kept = ("all" if X.shape[0] == X0.shape[0] else
            f"a class-stratified subsample of {X.shape[0]} of the {X0.shape[0]}")
    return MethodData(
        data_name, f"{data_name}: {kept} samples, {X.shape[1]} features, "
                   f"{np.unique(y).size} classes (your data)",
        X, y, train, test, ("noise",),
        "Gaussian noise of 0.1 x each feature's std (the pixel shift needs images)")


def claim_datasets(seed=0):
    """The default data of the claims: the Gaussian mixture and digits.

    :func:`spectral_ssl.experiments.datasets.mixture_dataset` (2048 samples, 64
    features, 8 classes: the claims train on the paper's :math:`N = 256` and test
    on held-out samples) and :func:`spectral_ssl.experiments.datasets.digits`
    (174 images of each digit, all the smallest class has), both drawn with ``seed``.

    Returns
    -------
    list of spectral_ssl.experiments.datasets.Dataset
    """
    from . import datasets

    return [datasets.mixture_dataset(2048, random_state=seed),
            datasets.digits(174, random_state=seed)]


def user_claim_dataset(X, y, name, seed):
    """A user's data as a claims ``Dataset``, its rows shuffled (seeded).

    The claims draw their own class-balanced samples; the rows are shuffled
    anyway so that nothing depends on the order of the file.
    """
    from .datasets import Dataset

    order = np.random.default_rng(seed).permutation(X.shape[0])
    return Dataset(name=name, X=X[order], y=y[order], view_options={},
                   description=(f"{name}: {X.shape[0]} samples, {X.shape[1]} features, "
                                f"{np.unique(y).size} classes (your data)"))



__all__ = ["USER_DATA_MAX_SAMPLES", "MIN_SAMPLES_PER_CLASS", "load_digits_split", "check_labelled_data",
           "per_class_subset", "split_labelled_data", "MethodData", "method_data", "claim_datasets",
           "user_claim_dataset"]
