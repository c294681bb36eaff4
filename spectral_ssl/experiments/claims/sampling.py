"""Input checks and class-balanced sampling shared by the claims."""

import numpy as np

from ..._validation import check_features, check_integer


def check_labelled(X, y):
    """Validate ``(X, y)``; return ``(X as float64, y as codes 0..C-1, C)``."""
    X = check_features(X, name="X")
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must be 1-D with one label per row of X ({X.shape[0]}), got shape {y.shape}.")
    classes, codes = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ValueError("y has a single class; the claims need at least two classes.")
    return X, codes, int(classes.size)


def check_count(value, name, low):
    """An integer >= ``low`` (integral floats accepted)."""
    return check_integer(value, name=name, low=low)


def check_values(values, name, *, low=None, high=None, integer=False):
    """A non-empty 1-D sequence of finite numbers within bounds (sorted, unique)."""
    raw, values = values, np.atleast_1d(np.asarray(values, dtype=np.float64))
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must be a non-empty 1-D sequence of finite numbers.")
    if low is not None and np.any(values < low):
        raise ValueError(f"{name} must be >= {low}, got {values.min():g}.")
    if high is not None and np.any(values > high):
        raise ValueError(f"{name} must be <= {high}, got {values.max():g}.")
    if integer:
        # each entry through the one integer rule (TypeError for 2.5 or True, as everywhere)
        return sorted({check_integer(v, name=f"every entry of {name}", low=low, high=high)
                       for v in np.atleast_1d(np.asarray(raw, dtype=object)).ravel()})
    return sorted({float(v) for v in values})


def per_class(y, pool, n_per_class, rng, *, name):
    """``n_per_class`` random indices of every class among ``pool`` (sorted)."""
    chosen = []
    for c in np.unique(y):
        members = pool[y[pool] == c]
        if members.size < n_per_class:
            raise ValueError(
                f"{name}={n_per_class} but class {c} has only {members.size} samples available; "
                f"use a smaller {name} or more data."
            )
        chosen.append(rng.choice(members, size=n_per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def split(y, n_train, n_test, rng, *, train_name="n_train_per_class", test_name="n_test_per_class"):
    """Class-balanced disjoint train / test indices (``n_test`` drawn first, then ``n_train``)."""
    everything = np.arange(y.size)
    test = per_class(y, everything, n_test, rng, name=test_name)
    train = per_class(y, np.setdiff1d(everything, test), n_train, rng, name=train_name)
    return train, test


def smallest_class(y):
    """Number of samples of the smallest class of the codes ``y``."""
    return int(np.bincount(y).min())


__all__ = ["check_labelled", "check_count", "check_values", "per_class", "split", "smallest_class"]
