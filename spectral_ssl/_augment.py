r"""Augmented views of a sample matrix: the data side of the two-view pairing relation.

:func:`make_views` stacks augmented copies (random one-pixel shifts of images, Gaussian
noise) and returns the groups :func:`spectral_ssl.graphs.from_groups` turns into the
pairing graph. Re-exported by :mod:`spectral_ssl.graphs`, its public home.
"""

import numpy as np

from ._validation import check_features, check_integer, check_option, check_random_state, check_scalar

def make_views(X, n_views=2, augment=("shift", "noise"), random_state=None, *,
               image_shape=None, noise_scale=0.1):
    r"""Stack ``n_views`` augmented copies of every sample and return their groups.

    Parameters
    ----------
    X : array_like, shape (N, D)
    n_views : int >= 2
    augment : sequence of {"shift", "noise"}
        Applied in order to every view independently.
        ``"shift"``: move the image by one pixel up, down, left or right (chosen
        uniformly; the uncovered border is filled with zeros), which needs
        ``image_shape`` (default: square images, :math:`D = s^2`).
        ``"noise"``: add Gaussian noise with standard deviation
        ``noise_scale`` times each feature's standard deviation.
    random_state : None, int or numpy Generator
    image_shape : tuple (height, width), optional
    noise_scale : float >= 0

    Returns
    -------
    views : ndarray, shape (n_views * N, D)
        View ``v`` of sample ``i`` is row ``v * N + i``.
    groups : ndarray, shape (n_views * N,)
        ``groups[v * N + i] = i``; ``from_groups(groups)`` is the augmentation graph.

    Examples
    --------
    >>> import numpy as np
    >>> views, groups = make_views(np.zeros((3, 4)), n_views=2, augment=("noise",), random_state=0)
    >>> views.shape, groups.tolist()
    ((6, 4), [0, 1, 2, 0, 1, 2])
    """
    X = check_features(X, min_samples=1)
    n_views = check_integer(n_views, name="n_views", low=2)
    if isinstance(augment, str):
        augment = (augment,)
    for name in augment:
        check_option(name, name="augment", options=("shift", "noise"))
    noise_scale = check_scalar(noise_scale, name="noise_scale", low=0.0)
    rng = check_random_state(random_state)
    n, dim = X.shape
    if "shift" in augment:
        image_shape = image_shape_of(dim, image_shape)
    std = X.std(axis=0)
    views = []
    for _ in range(n_views):
        V = X.copy()
        for name in augment:
            if name == "shift":
                V = shift_images(V, image_shape, rng)
            else:
                V = V + rng.standard_normal(V.shape) * (noise_scale * std)
        views.append(V)
    return np.vstack(views), np.tile(np.arange(n), n_views)


def image_shape_of(dim, image_shape):
    if image_shape is None:
        side = int(round(np.sqrt(dim)))
        if side * side != dim:
            raise ValueError(
                f"augment='shift' needs image_shape: {dim} features are not a square image; "
                f"pass image_shape=(height, width)."
            )
        return (side, side)
    image_shape = tuple(int(s) for s in image_shape)
    if len(image_shape) != 2 or image_shape[0] * image_shape[1] != dim:
        raise ValueError(f"image_shape={image_shape} does not hold {dim} features; height * width must equal {dim}.")
    return image_shape


SHIFTS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def shift_images(V, image_shape, rng):
    images = V.reshape(-1, *image_shape)
    out = np.zeros_like(images)
    choice = rng.integers(len(SHIFTS), size=images.shape[0])
    h, w = image_shape
    for k, (dy, dx) in enumerate(SHIFTS):
        sel = choice == k
        src = images[sel]
        dst = np.zeros_like(src)
        dst[:, max(dy, 0): h + min(dy, 0), max(dx, 0): w + min(dx, 0)] =\
            src[:, max(-dy, 0): h + min(-dy, 0), max(-dx, 0): w + min(-dx, 0)]
        out[sel] = dst
    return out.reshape(V.shape)
