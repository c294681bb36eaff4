"""How the estimators and the command line tell the user about a collapse or a failed certificate.

What it is for: one wording, shared by the front ends (``estimators``, ``cli``), of the
package's warnings as one-line messages. It computes nothing and imports only
:mod:`spectral_ssl.exceptions` (layer 0 of ``CONTRIBUTING.md``).

Both surface the same two facts (#13): an optimum that keeps fewer directions than asked
for, and a certificate that fails. The solvers raise
:class:`~spectral_ssl.exceptions.CollapseWarning` themselves, with the condition of their
loss; should one not, :func:`collapse_message` words a generic one from the result, so a
collapse is never silent.
"""


def collapse_message(rep, n_components, *, who):
    """The text of a collapse warning for ``rep`` (``rep.rank < n_components``).

    Parameters
    ----------
    rep : Representation
        The result (its ``rank``).
    n_components : int
        The number of directions asked for.
    who : str
        Who collapsed, e.g. ``"VICReg"`` or ``"vicreg (nonparametric)"``.

    Returns
    -------
    str
    """
    rank = int(rep.rank)
    text = f"{who}: the optimum keeps {rank} of the {n_components} directions asked for (rank {rank}); "
    text += ("more directions would not lower this loss on this relation graph; change the "
             "relation or the hyper-parameters.")
    if rank:
        text += f" Or ask for n_components <= {rank}."
    return text + " The result is still the optimum of its loss."


def certificate_failure(cert, *, who, what):
    """``"CERTIFICATE FAILED: ..."``: the one line a failed certificate is reported with.

    Parameters
    ----------
    cert : spectral_ssl.certify.Certificate
        A certificate with ``passed`` False.
    who : str
        The solution's owner ("vicreg (nonparametric)", "VICReg").
    what : str
        What is not optimal ("the saved Z", "embedding_").
    """
    claim = " although it claims to be exact." if cert.exact else " (a numerical solution)."
    if not cert.consistent:
        return (f"CERTIFICATE FAILED: {who}: the result states the loss {cert.reported_loss:.10g}, but "
                f"its solution has the loss {cert.closed_form_loss:.10g} (tolerance {cert.rtol:.1e}); "
                f"{what} does not reach the loss it reports{claim}")
    return (f"CERTIFICATE FAILED: {who}: a random start reached the loss "
            f"{cert.best_numerical_loss:.10g}, below the solution's {cert.closed_form_loss:.10g} by "
            f"{cert.gap:.3g} (relative {cert.relative_gap:.3g}, tolerance {cert.rtol:.1e}); {what} is "
            f"not the optimum of its loss{claim}")


def distinct_warnings(caught):
    """The caught warning records, each (category, message) once, with whether it is the package's own.

    Yields ``(record, ours)``; ``ours`` is True for CollapseWarning, ConvergenceWarning and
    CertificateWarning, which the front ends re-issue in their own words.
    """
    from .exceptions import CertificateWarning, CollapseWarning, ConvergenceWarning

    ours = (CollapseWarning, ConvergenceWarning, CertificateWarning)
    seen = set()
    for record in caught:
        key = (record.category, str(record.message))
        if key not in seen:
            seen.add(key)
            yield record, issubclass(record.category, ours)


def warning_line(prefix, category, message):
    """The one line a command shows one of the package's warnings with (to standard error).

    ``prefix`` names the command (``"spectral-ssl solve"``); Python's own display of a
    warning (file, line and source line) is three lines of noise per warning there.

    Examples
    --------
    >>> from spectral_ssl.exceptions import ConvergenceWarning
    >>> warning_line("spectral-ssl solve", ConvergenceWarning, "stopped at 100 iterations")
    'spectral-ssl solve: warning: ConvergenceWarning: stopped at 100 iterations'
    """
    return f"{prefix}: warning: {category.__name__}: {message}"
