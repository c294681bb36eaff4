"""A standard error that says it is a terminal, for the tests of the progress policy."""

import io
import sys

from spectral_ssl import _progress


class Terminal(io.StringIO):
    """A text buffer whose ``isatty()`` is True (progress is shown by default on a terminal)."""

    def isatty(self):
        return True


def terminal_stderr(monkeypatch, *, plain_lines=True):
    """Replace ``sys.stderr`` by a :class:`Terminal` and return it.

    With ``plain_lines`` the display is the plain-line one (tqdm treated as absent); the
    environment's ``SPECTRAL_SSL_PROGRESS`` is removed, so the default policy applies.
    """
    if plain_lines:
        monkeypatch.setattr(_progress, "_tqdm", lambda: None)
    monkeypatch.delenv(_progress.PROGRESS_ENV, raising=False)
    stream = Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    return stream
