r"""The certificate of :func:`spectral_ssl.certify.certify` and the table formatting of its rows.

:class:`Certificate` holds one comparison of a closed form with the best numerical
optimum; :meth:`Certificate.as_row` gives its table row (columns ``ROW_COLUMNS``) and
:func:`format_table` renders rows as text or Markdown. Re-exported by
:mod:`spectral_ssl.certify`, the public home of these names.
"""

from dataclasses import dataclass, field

import numpy as np

from ._display import format_mapping, format_number, html_table, text_block
from ._tables import format_cell, numeric_columns, render_table


#: Columns of :meth:`Certificate.as_row`, in table order.
ROW_COLUMNS = ("case", "method", "regime", "parametrization", "n_samples", "n_components",
               "rank", "exact",
               "closed_form_loss", "best_numerical_loss", "gap", "relative_gap",
               "gradient_norm", "passed", "restarts", "elapsed")


@dataclass(kw_only=True, repr=False)
class Certificate:
    r"""The outcome of :func:`~spectral_ssl.certify.certify`.

    Attributes
    ----------
    method : str
    regime : {"nonparametric", "linear", "kernel"}
    n_samples, n_components : int
        :math:`N` and :math:`K`.
    closed_form_loss : float
        The loss at the method's returned optimum, evaluated by the certificate: at ``rep.Z``,
        and the larger of that and the loss at :math:`FW + \mathbf 1 b^\top` when the
        result has parameters (its ``transform`` of the training inputs).
    reported_loss : float
        ``rep.loss``, the loss the result states; it must equal ``closed_form_loss`` within
        ``rtol * max(1, |closed_form_loss|)`` for the certificate to pass (:attr:`consistent`).
    numerical_losses : ndarray, shape (restarts,)
        Final loss of each L-BFGS-B run, in the order of the starts.
    best_numerical_loss : float
        Their minimum.
    gap : float
        ``closed_form_loss - best_numerical_loss`` (negative: the closed form is lower).
    relative_gap : float
        ``gap / max(1, |best_numerical_loss|)``.
    gradient_norm : float
        Frobenius norm of the gradient of the loss at the closed form with
        respect to the parameters searched over: :math:`Z`; or :math:`(C, b)`
        (whitened) / :math:`(W, b)` or :math:`(A, b)` (raw).
    exact : bool
        ``rep.exact``: whether the method claims a proven global optimum.
    passed : bool
        :attr:`consistent` and
        ``closed_form_loss <= best_numerical_loss + rtol * max(1, |best_numerical_loss|)``.
    rtol : float
        The tolerance ``passed`` used.
    parametrization : str
        ``"whitened"`` or ``"raw"`` (parametric regimes), ``"Z"`` (non-parametric), or
        ``"orthonormal frames of the whitening constraint"`` (a result of a constrained problem).
    hyperparameters : dict
        The loss's keyword arguments (``rep.hyperparameters``).
    elapsed : float
        Wall-clock seconds for the whole certificate (closed form and restarts).
    converged : tuple of bool
        L-BFGS-B's success flag of each restart.
    n_iterations : tuple of int
        Iterations of each restart.
    representation : Representation
        The certified closed form itself.
    numerical_Z : ndarray, shape (N, K)
        The representation reached by the best restart.
    """

    method: str
    regime: str
    n_samples: int
    n_components: int
    closed_form_loss: float
    numerical_losses: np.ndarray
    best_numerical_loss: float
    gap: float
    relative_gap: float
    gradient_norm: float
    exact: bool
    passed: bool
    rtol: float
    parametrization: str = "Z"
    reported_loss: float = None
    hyperparameters: dict = field(default_factory=dict)
    elapsed: float = 0.0
    converged: tuple = ()
    n_iterations: tuple = ()
    representation: object = None
    numerical_Z: np.ndarray = None

    @property
    def consistent(self):
        """Whether the loss the result states is the loss its solution reaches (within ``rtol``)."""
        if self.reported_loss is None:
            return True
        return bool(abs(self.reported_loss - self.closed_form_loss)
                    <= self.rtol * max(1.0, abs(self.closed_form_loss)))

    @property
    def restarts(self):
        """Number of random starts."""
        return int(np.size(self.numerical_losses))

    def as_row(self, case=None):
        """A flat dict of the scalar results (one table row; keys in :data:`ROW_COLUMNS` order).

        ``case`` is an optional label stored under ``"case"``; the
        hyper-parameters follow the fixed columns, one key each.
        """
        row = {
            "case": case,
            "method": self.method,
            "regime": self.regime,
            "parametrization": self.parametrization,
            "n_samples": int(self.n_samples),
            "n_components": int(self.n_components),
            "rank": None if self.representation is None else int(self.representation.rank),
            "exact": bool(self.exact),
            "closed_form_loss": float(self.closed_form_loss),
            "best_numerical_loss": float(self.best_numerical_loss),
            "gap": float(self.gap),
            "relative_gap": float(self.relative_gap),
            "gradient_norm": float(self.gradient_norm),
            "passed": bool(self.passed),
            "restarts": self.restarts,
            "elapsed": float(self.elapsed),
        }
        for key, value in self.hyperparameters.items():
            row.setdefault(key, value)
        return row

    def _display_rows(self):
        """``(label, text)`` pairs shown by ``repr`` and in Jupyter, the verdict first."""
        scale = max(1.0, abs(self.best_numerical_loss))
        if self.passed:
            verdict = (f"PASSED: no random start went below the closed form by more than "
                       f"rtol x max(1, |best|) = {self.rtol * scale:.3g}")
        elif not self.consistent:
            verdict = (f"FAILED: the result states the loss {self.reported_loss:.10g}, but its solution "
                       f"has the loss {self.closed_form_loss:.10g}")
        else:
            verdict = (f"FAILED: a random start found a loss {self.gap:.6g} below the closed form "
                       f"(more than rtol x max(1, |best|) = {self.rtol * scale:.3g})")
        n_converged = sum(bool(flag) for flag in self.converged)
        rows = [("verdict", verdict),
                ("method", f"{self.method} ({self.regime}, searched over {self.parametrization})"),
                ("samples x components", f"{self.n_samples} x {self.n_components}"),
                ("closed-form loss", format_number(self.closed_form_loss, 12)
                 + ("" if self.consistent else f" (the result states {format_number(self.reported_loss, 12)})")),
                ("best numerical loss", f"{format_number(self.best_numerical_loss, 12)} "
                                        f"(best of {self.restarts} restarts)"),
                ("gap", f"{self.gap:.3e} (closed form minus best; > 0: the closed form is beaten)"),
                ("relative gap", f"{self.relative_gap:.3e} (tolerance rtol = {self.rtol:.1e})"),
                ("gradient norm", f"{self.gradient_norm:.3e} (at the closed form)"),
                ("restarts", f"{self.restarts}, {n_converged} converged" if self.converged
                 else str(self.restarts)),
                ("claims exact", format_number(self.exact))]
        if self.representation is not None:
            rows.append(("rank", f"{self.representation.rank} of {self.n_components}"))
        if self.hyperparameters:
            rows.append(("hyper-parameters", format_mapping(self.hyperparameters)))
        rows.append(("elapsed", f"{self.elapsed:.2f} s"))
        return rows

    def __repr__(self):
        return text_block("Certificate", self._display_rows())

    def _repr_html_(self):
        verdict = "PASSED" if self.passed else "FAILED"
        warning = (None if self.passed else "FAILED: the closed form is not the best loss found"
                   if self.consistent else "FAILED: the result's loss is not the loss of its solution")
        return html_table(f"Certificate: {verdict} ({self.method}, {self.regime})", self._display_rows(),
                          warning=warning)


def format_table(rows, columns=None, *, markdown=False, float_format=".6g"):
    """Render table rows (dicts) as aligned plain text or a Markdown table.

    Parameters
    ----------
    rows : list of dict
        E.g. the output of :func:`~spectral_ssl.certify.certify_table`.
    columns : sequence of str, optional
        Keys to show, in order. Default: the :data:`ROW_COLUMNS` present in the
        rows, then any other keys in order of first appearance.
    markdown : bool
        Pipe-table syntax (numbers right-aligned) instead of space-aligned text.
    float_format : str
        ``format`` spec of real numbers (booleans print as yes/no).

    Returns
    -------
    str

    Examples
    --------
    >>> print(format_table([{"case": "a", "gap": 0.5}, {"case": "bb", "gap": -1e-12}]))
    case  gap
    a     0.5
    bb    -1e-12
    """
    rows = list(rows)
    if columns is None:
        seen = []
        for row in rows:
            seen += [key for key in row if key not in seen]
        columns = [c for c in ROW_COLUMNS if c in seen] + [c for c in seen if c not in ROW_COLUMNS]
    columns = list(columns)
    cells = [[format_cell(row.get(c), float_format) for c in columns] for row in rows]
    numeric = numeric_columns(rows, columns, skip_none=False)
    return render_table(columns, cells, numeric, markdown=markdown, align_numbers=False)
