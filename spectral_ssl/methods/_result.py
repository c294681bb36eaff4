"""The objects every ``optimal_*`` function returns."""

from dataclasses import dataclass, field

import numpy as np

from .._display import format_array, format_mapping, format_number, html_table, text_block
from .._validation import check_features
from ._parametric import affine_columns


@dataclass(kw_only=True, repr=False)
class Representation:
    """An optimal (or numerically optimised) representation.

    Attributes
    ----------
    Z : ndarray, shape (N, K)
        The representation, one row per sample.
    loss : float
        The exact graph-form loss recomputed from ``Z`` (not from a formula).
    rank : int
        Number of directions with non-zero variance (or singular value).
    eigenvalues : ndarray
        The spectrum the solution is built from (e.g. Laplacian eigenvalues
        :math:`\\lambda_k`, or generalized eigenvalues :math:`\\mu_k`).
    scales : ndarray
        Per-direction variance :math:`t_k` (or singular value), paired with
        ``eigenvalues``.
    exact : bool
        True only when ``Z`` is a proven global optimum (a closed form) of the
        problem the result names (:attr:`problem`); False when it was found by
        numerical optimisation or no proof exists.
    method : str
        The SSL method, e.g. ``"vicreg"``.
    equivalent : str
        The classical spectral method the optimum equals.
    regime : str
        ``"nonparametric"``, ``"linear"`` or ``"kernel"``.
    hyperparameters : dict
        The hyper-parameters the loss was evaluated with.
    details : dict
        Method-specific extras (the formula's minimal loss, the rotation, the
        solver used, ...). ``details["problem"]``, when present, names the
        problem solved if it is not the loss as written (e.g. Barlow Twins'
        whitened problem); ``details["exactness"]`` overrides the default
        :attr:`exactness` text of results that are neither closed forms nor
        numerical optima (e.g. regularised kernel CCA).
    """

    Z: np.ndarray
    loss: float
    rank: int
    eigenvalues: np.ndarray
    scales: np.ndarray
    exact: bool
    method: str
    equivalent: str
    regime: str = "nonparametric"
    hyperparameters: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)

    @property
    def n_components(self):
        return self.Z.shape[1]

    @property
    def problem(self):
        """The problem ``Z`` solves: ``details["problem"]``, else ``"the loss as written"``."""
        return str(self.details.get("problem") or "the loss as written")

    @property
    def exactness(self):
        """One line saying what ``exact`` means for this result.

        ``"exact: closed-form global optimum of <problem>"`` when ``exact``; otherwise
        ``"numerical: best of R starts (I informed + R - I random), not proven optimal"``
        from the multi-start counts in ``details`` (``informed_starts``, ``restarts``),
        with ``"; not converged"`` when ``details["converged"]`` is False.

        Examples
        --------
        >>> import numpy as np
        >>> rep = Representation(Z=np.eye(2), loss=0.0, rank=2, eigenvalues=np.ones(2),
        ...                      scales=np.ones(2), exact=False, method="m", equivalent="e",
        ...                      details={"informed_starts": 2, "restarts": 3, "converged": True})
        >>> rep.exactness
        'numerical: best of 5 starts (2 informed + 3 random), not proven optimal'
        """
        if self.exact:
            return f"exact: closed-form global optimum of {self.problem}"
        if self.details.get("exactness"):
            return str(self.details["exactness"])
        informed, random_starts = self.details.get("informed_starts"), self.details.get("restarts")
        if informed is not None and random_starts is not None:
            text = (f"numerical: best of {int(informed) + int(random_starts)} starts "
                    f"({int(informed)} informed + {int(random_starts)} random), not proven optimal")
        else:
            text = "numerical: not proven optimal"
        if self.details.get("converged") is False:
            text += "; not converged"
        return text

    def summary(self):
        """A JSON-serialisable dict of the scalar results and the spectrum."""
        return {
            "method": self.method,
            "regime": self.regime,
            "equivalent": self.equivalent,
            "n_samples": int(self.Z.shape[0]),
            "n_components": int(self.n_components),
            "loss": float(self.loss),
            "rank": int(self.rank),
            "exact": bool(self.exact),
            "exactness": self.exactness,
            "problem": self.problem,
            "eigenvalues": [float(v) for v in self.eigenvalues],
            "scales": [float(v) for v in self.scales],
            "hyperparameters": dict(self.hyperparameters),
        }

    def _display_rows(self):
        """``(label, text)`` pairs shown by ``repr`` and in Jupyter."""
        rows = [("method", self.method), ("equivalent", self.equivalent), ("regime", self.regime),
                ("samples x components", f"{self.Z.shape[0]} x {self.n_components}"),
                ("loss", format_number(self.loss, 12)),
                ("rank", f"{self.rank} of {self.n_components}"),
                ("exactness", self.exactness),
                ("eigenvalues", format_array(self.eigenvalues)),
                ("scales", format_array(self.scales)),
                ("hyper-parameters", format_mapping(self.hyperparameters))]
        if "problem" in self.details:
            rows.append(("problem", self.problem))
        if "converged" in self.details:
            rows.append(("converged", format_number(self.details["converged"])))
        return rows

    def _collapse_note(self):
        if self.rank < self.n_components:
            return (f"collapsed: {self.n_components - self.rank} of the {self.n_components} "
                    f"directions have no variance")
        return None

    def __repr__(self):
        return text_block(type(self).__name__, self._display_rows())

    def _repr_html_(self):
        return html_table(f"{type(self).__name__} ({self.method}, {self.regime})", self._display_rows(),
                          warning=self._collapse_note())


@dataclass(kw_only=True, repr=False)
class LinearRepresentation(Representation):
    """A linear representation :math:`Z = X W + \\mathbf 1 b^\\top`.

    It has every attribute of :class:`Representation`, and:

    Attributes
    ----------
    W : ndarray, shape (D, K)
    bias : ndarray, shape (K,)
    """

    W: np.ndarray
    bias: np.ndarray
    regime: str = "linear"

    def transform(self, X):
        """Map new samples: :math:`X_{new} W + b`, formed as ``Z`` was (``Z = transform(X)`` up to
        round-off), on rows shifted by their leading mean (features with a large mean keep their
        digits)."""
        return np.ascontiguousarray(affine_columns(_new_samples(X, self.W.shape[0]), self.W, self.bias))


@dataclass(kw_only=True, repr=False)
class KernelRepresentation(Representation):
    """A kernel representation :math:`Z = K_X A + \\mathbf 1 b^\\top`.

    It has every attribute of :class:`Representation`, and:

    Attributes
    ----------
    A : ndarray, shape (N, K)
        Coefficients on the training samples.
    bias : ndarray, shape (K,)
    X_fit : ndarray, shape (N, D)
        The training inputs the kernel is evaluated against.
    kernel : callable
        ``kernel(X_new, X_fit)`` returns the cross-kernel matrix.
    """

    A: np.ndarray
    bias: np.ndarray
    X_fit: np.ndarray
    kernel: object
    regime: str = "kernel"

    def transform(self, X):
        """Map new samples: :math:`k(X_{new}, X_{fit}) A + b`."""
        return self.kernel(_new_samples(X, self.X_fit.shape[1]), self.X_fit) @ self.A + self.bias


def _new_samples(X, n_features):
    """``X`` checked as new samples for ``transform``: a float64 (M, D) array with the fitted ``D``."""
    X = check_features(X, name="X", min_samples=1)
    if X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features but the representation was fitted on {n_features}; "
            f"pass samples with the same features."
        )
    return X
