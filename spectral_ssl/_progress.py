"""Progress display for steps that can take more than a few seconds.

One policy for the whole package, so the API, the estimators and the CLI agree:

* ``verbose=None`` (the default everywhere): show progress when standard error is a terminal or the
  code runs in a Jupyter kernel, not when stderr is a file or a pipe (a log, a test's capture), and not
  when the environment variable ``SPECTRAL_SSL_PROGRESS`` is ``0`` (``1`` forces it);
* ``verbose=True``: always show it; ``verbose=False``: never;
* inside a run that shows its own numbered steps (:func:`steps`, the report), automatic progress of the
  solvers it calls is off: their bars would interleave with the run's lines.

The bar is tqdm's (``tqdm.auto``: a widget in a notebook) when tqdm is installed (it comes with the
``notebooks`` and ``progress`` extras), else one plain line per update on standard error, so the core
install needs nothing beyond its five libraries.

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

__all__ = ["progress", "counter", "status", "steps", "is_enabled", "in_notebook"]

#: Environment variable that turns automatic progress off (``0``) or on (``1``).
PROGRESS_ENV = "SPECTRAL_SSL_PROGRESS"

#: How many :func:`steps` displays are open: while one is, ``verbose=None`` means off (a module
#: global, not thread-local, so that solver threads started by a run are silenced too).
_OPEN_STEPS = 0


def is_enabled(verbose=None):
    """Whether progress is shown for ``verbose`` (None: a terminal or a notebook, unless disabled).

    Parameters
    ----------
    verbose : bool or None
        True or False decide; None is off inside an open :func:`steps` display, else follows
        ``SPECTRAL_SSL_PROGRESS`` when it is ``0`` or ``1``, else is on when standard error is a
        terminal or the code runs in a Jupyter kernel (:func:`in_notebook`).

    Returns
    -------
    bool
    """
    if verbose is not None:
        return bool(verbose)
    if _OPEN_STEPS:
        return False
    setting = os.environ.get(PROGRESS_ENV, "").strip()
    if setting in ("0", "1"):
        return setting == "1"
    return _interactive()


def in_notebook():
    """Whether this code runs in a Jupyter kernel (IPython's ZMQ shell), whose stderr is no terminal.

    IPython is only looked up if it is already imported, so this costs nothing elsewhere.

    Returns
    -------
    bool
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # noqa: BLE001 -- a half-initialised IPython: not a notebook we can draw in
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _interactive():
    """Whether standard error is a terminal or the code runs in a Jupyter kernel."""
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty()) or in_notebook()


def _tqdm():
    """tqdm's bar class (``tqdm.auto``: the notebook widget in Jupyter), or None.

    None without tqdm, and when standard error is neither a terminal nor a notebook (progress
    forced with ``verbose=True`` into a log or a pipe): a bar redrawn with carriage returns is
    unreadable there, so the plain lines are used.
    """
    import warnings

    if not _interactive():
        return None

    try:
        with warnings.catch_warnings():
            # tqdm.auto warns at import in a kernel without ipywidgets, then uses its text bar
            warnings.simplefilter("ignore")
            from tqdm.auto import tqdm
    except ImportError:  # the optional extra is absent: fall back to plain lines
        return None
    return tqdm


class _Lines:
    """tqdm's minimal interface written as one stderr line per update (no dependency)."""

    def __init__(self, iterable, total, desc):
        # why not tqdm's carriage-return bar: plain lines stay readable in logs and notebooks
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


class _StepLines:
    """Numbered steps as plain lines: ``[i/total] step ... done in 1.2 s`` (one line per step)."""

    def __init__(self, stream, total):
        self.stream, self.total, self.done, self.started = stream, total, 0, None

    def say(self, text):
        print(text, file=self.stream, flush=True)

    def start(self, text):
        self.done += 1
        self.started = time.perf_counter()
        # the line is finished by finish(): nothing else writes while a step runs (see is_enabled)
        print(f"[{self.done}/{self.total}] {text} ...", end=" ", file=self.stream, flush=True)

    def finish(self, text="done"):
        print(f"{text} in {time.perf_counter() - self.started:.1f} s", file=self.stream, flush=True)

    def close(self):
        pass


class _StepBar:
    """Numbered steps on a tqdm bar: the running step on the bar, each finished one as a line above it."""

    def __init__(self, tqdm, total):
        self.tqdm, self.total, self.done, self.started, self.text = tqdm, total, 0, None, ""
        self.bar = tqdm(total=total, file=sys.stderr, leave=False, unit="step", desc="starting")

    def say(self, text):
        self.tqdm.write(text, file=sys.stderr)

    def start(self, text):
        self.done += 1
        self.started, self.text = time.perf_counter(), text
        self.bar.set_description_str(f"[{self.done}/{self.total}] {text}")

    def finish(self, text="done"):
        # the same line as the plain display, so a finished run reads alike with or without tqdm
        self.tqdm.write(f"[{self.done}/{self.total}] {self.text} ... {text} in "
                        f"{time.perf_counter() - self.started:.1f} s", file=sys.stderr)
        self.bar.update(1)

    def close(self):
        self.bar.close()


class _NoSteps:
    """The display of :func:`steps` when progress is off: does nothing."""

    def say(self, text):
        pass

    def start(self, text):
        pass

    def finish(self, text="done"):
        pass

    def close(self):
        pass


@contextlib.contextmanager
def steps(total, *, verbose=None, stream=None):
    """A display of ``total`` numbered steps of one long run (the report's cases and claims).

    Each step is announced by ``start(text)`` and closed by ``finish(result="done")``; ``say(text)``
    writes a line between steps. The finished steps read ``[i/total] text ... result in 1.2 s``:
    one line each on standard error, with tqdm's bar for the running step below them when tqdm is
    installed. While the display is open, ``verbose=None`` means off for every other progress
    display (:func:`is_enabled`), so that the solvers a step calls do not interleave their own.

    Parameters
    ----------
    total : int
        The number of steps.
    verbose : bool or None
        See :func:`is_enabled`; ignored when ``stream`` is given.
    stream : text stream, optional
        Write plain numbered lines there (never a bar) instead of standard error.

    Yields
    ------
    object
        With ``say(text)``, ``start(text)`` and ``finish(result="done")``.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with steps(2, stream=out) as run:
    ...     run.start("first"); run.finish("ok")
    >>> out.getvalue().startswith("[1/2] first ... ok in ")
    True
    """
    global _OPEN_STEPS
    if stream is not None:
        display = _StepLines(stream, total)
    elif not is_enabled(verbose):
        display = _NoSteps()
    else:
        tqdm = _tqdm()
        display = _StepLines(sys.stderr, total) if tqdm is None else _StepBar(tqdm, total)
    _OPEN_STEPS += 1
    try:
        yield display
    finally:
        _OPEN_STEPS -= 1
        display.close()
