"""Progress display for steps that can take more than a few seconds.

One policy for the whole package, so the API, the estimators and the CLI agree:

* ``verbose=None`` (the default everywhere): show progress only when standard error is a terminal
  (a notebook's or a log file's stderr is not, so nothing is printed there unless asked), and not when
  the environment variable ``SPECTRAL_SSL_PROGRESS`` is ``0``;
* ``verbose=True``: always show it; ``verbose=False``: never.

The bar is tqdm's when tqdm is installed (``pip install 'spectral_ssl[progress]'``), else one line
per step written to standard error, so the core install needs nothing beyond its five libraries.

Examples
--------
>>> from spectral_ssl._progress import progress
>>> [i * i for i in progress(range(3), desc="squares", verbose=False)]
[0, 1, 4]
"""

import contextlib
import os
import sys
import time

__all__ = ["progress", "counter", "status", "is_enabled"]

#: Environment variable that turns automatic progress off (``0``) or on (``1``).
PROGRESS_ENV = "SPECTRAL_SSL_PROGRESS"


def is_enabled(verbose=None):
    """Whether progress is shown for ``verbose`` (None: stderr is a terminal and not disabled).

    Parameters
    ----------
    verbose : bool or None
        True or False decide; None follows ``SPECTRAL_SSL_PROGRESS`` when set, else whether
        standard error is a terminal.

    Returns
    -------
    bool
    """
    if verbose is not None:
        return bool(verbose)
    setting = os.environ.get(PROGRESS_ENV, "").strip()
    if setting in ("0", "1"):
        return setting == "1"
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def _tqdm():
    try:
        from tqdm.auto import tqdm
    except ImportError:  # the optional extra is absent: fall back to plain lines
        return None
    return tqdm


class _Lines:
    """tqdm's minimal interface written as one stderr line per update (no dependency)."""

    def __init__(self, iterable, total, desc):
        self.iterable = iterable
        self.total = total if total is not None else _length(iterable)
        self.desc = desc
        self.count = 0
        self.start = time.perf_counter()

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update()

    def update(self, n=1):
        self.count += n
        of = f"/{self.total}" if self.total is not None else ""
        elapsed = time.perf_counter() - self.start
        print(f"{self.desc}: {self.count}{of} ({elapsed:.1f} s)", file=sys.stderr, flush=True)

    def close(self):
        pass


def _length(iterable):
    try:
        return len(iterable)
    except TypeError:
        return None


def progress(iterable, *, desc, total=None, verbose=None):
    """Iterate over ``iterable``, showing progress when :func:`is_enabled` says so.

    Parameters
    ----------
    iterable : iterable
        The steps.
    desc : str
        What the steps do, shown before the count ("claims", "SimCLR restarts").
    total : int, optional
        The number of steps, when ``len(iterable)`` is not defined.
    verbose : bool or None
        See :func:`is_enabled`.

    Returns
    -------
    iterable
        ``iterable`` itself when progress is off, else a wrapper yielding the same items.
    """
    if not is_enabled(verbose):
        return iterable
    tqdm = _tqdm()
    if tqdm is None:
        return iter(_Lines(iterable, total, desc))
    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False)


class _Silent:
    """The counter of :func:`counter` when progress is off: does nothing."""

    def update(self, n=1):
        pass

    def close(self):
        pass


def counter(*, desc, total, verbose=None):
    """A progress counter advanced by hand, for steps that are not the items of a loop.

    Parameters
    ----------
    desc : str
        What is counted ("SimCLR (linear): L-BFGS-B starts").
    total : int
        The number of steps.
    verbose : bool or None
        See :func:`is_enabled`.

    Returns
    -------
    object
        With ``update(n=1)`` (``n`` more steps done) and ``close()``; a silent one when
        progress is off.

    Examples
    --------
    >>> steps = counter(desc="starts", total=2, verbose=False)
    >>> steps.update(); steps.close()
    """
    if not is_enabled(verbose):
        return _Silent()
    tqdm = _tqdm()
    if tqdm is None:
        return _Lines((), total, desc)
    return tqdm(total=total, desc=desc, file=sys.stderr, leave=False)


@contextlib.contextmanager
def status(desc, *, verbose=None):
    """Announce one long step and, when it ends, how long it took (or that it failed).

    Parameters
    ----------
    desc : str
        The step ("solving SimCLR, 569 samples").
    verbose : bool or None
        See :func:`is_enabled`.

    Examples
    --------
    >>> with status("nothing", verbose=False):
    ...     pass
    """
    if not is_enabled(verbose):
        yield
        return
    start = time.perf_counter()
    print(f"{desc} ...", file=sys.stderr, flush=True)
    try:
        yield
    except BaseException:  # the caller reports the error itself: only say the step did not finish
        print(f"{desc}: stopped after {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
        raise
    print(f"{desc}: done in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
