"""Progress display for steps that can take more than a few seconds.

One policy for the whole package, so the API, the estimators and the CLI agree:

* ``verbose=None`` (the default everywhere): show progress when standard error is a terminal or the
  code runs in a Jupyter kernel, not when stderr is a file or a pipe (a log, a test's capture), and not
  when the environment variable ``SPECTRAL_SSL_PROGRESS`` is ``0`` (``1`` forces it);
* ``verbose=True``/``False``, or an integer as in scikit-learn: ``0`` off, ``1`` on, ``2`` or more also
  a plain line per block of loss evaluations (count, current loss; tqdm's bar always shows them);
* inside a run that shows its own numbered steps (:func:`steps`, the report), automatic progress of the
  solvers it calls is off, and a warning raised during a step is shown after the step's line;
* :func:`verbosity` makes ``verbose=None`` mean a given setting inside a block: how
  :func:`spectral_ssl.solve` and the estimators reach solvers that take no ``verbose``.

The bar is tqdm's (``tqdm.auto``: a widget in a notebook) when tqdm is installed (the ``notebooks``
and ``progress`` extras), else one plain line per update on standard error.

Examples
--------
>>> from spectral_ssl._progress import progress
>>> [i * i for i in progress(range(3), desc="squares", verbose=False)]
[0, 1, 4]
"""

import contextlib
import numbers
import os
import sys
import time
import warnings

import numpy as np

from ._validation import check_integer

__all__ = ["progress", "counter", "status", "steps", "is_enabled", "level", "check_verbose",
           "verbosity", "in_notebook"]

#: Environment variable that turns automatic progress off (``0``) or on (``1``).
PROGRESS_ENV = "SPECTRAL_SSL_PROGRESS"

#: What the progress levels mean, in the messages of :func:`check_verbose`.
_LEVELS = "0: off, 1: on, 2: also a line per block of evaluations"

#: How many :func:`steps` displays are open: while one is, ``verbose=None`` means off (a module
#: global, not thread-local, so that solver threads started by a run are silenced too).
_OPEN_STEPS = 0

#: What ``verbose=None`` means inside :func:`verbosity` (None: the policy of :func:`is_enabled`).
_DEFAULT_LEVEL = None


def check_verbose(verbose, *, name="verbose"):
    """``verbose`` as None or an integer level, the way scikit-learn reads it.

    Parameters
    ----------
    verbose : bool, int or None
        None (the package's policy, see :func:`is_enabled`), a bool, or an integer >= 0
        (numpy integers and booleans included): ``0``/``False`` off, ``1``/``True`` on, ``2`` or
        more also a plain line per block of loss evaluations of an L-BFGS-B search.
    name : str
        The argument's name in the error message.

    Returns
    -------
    int or None

    Raises
    ------
    TypeError, ValueError
        Anything else (a string, a float), or a negative integer.
    """
    if verbose is None:
        return None
    if isinstance(verbose, (bool, np.bool_)):
        return int(bool(verbose))
    if not isinstance(verbose, numbers.Integral):
        # a level is a flag or an integer as in scikit-learn (check_integer would take 2.0)
        raise TypeError(f"{name} must be True, False, None or an integer level ({_LEVELS}), "
                        f"got {verbose!r}.")
    return check_integer(verbose, name=name, low=0, what=_LEVELS)


def level(verbose=None):
    """The progress level for ``verbose``: 0 off, 1 on, 2 or more also per-iteration lines.

    Parameters
    ----------
    verbose : bool, int or None
        See :func:`check_verbose`; None follows :func:`verbosity`, then the policy of
        :func:`is_enabled` (1 when that shows progress, else 0).

    Returns
    -------
    int
    """
    verbose = check_verbose(verbose)
    if verbose is not None:
        return verbose
    if _DEFAULT_LEVEL is not None:
        return _DEFAULT_LEVEL
    if _OPEN_STEPS:
        return 0
    setting = os.environ.get(PROGRESS_ENV, "").strip()
    if setting in ("0", "1"):
        return int(setting)
    return int(_interactive())


def is_enabled(verbose=None):
    """Whether progress is shown for ``verbose`` (None: a terminal or a notebook, unless disabled).

    Parameters
    ----------
    verbose : bool, int or None
        True, False or an integer level (see :func:`check_verbose`) decide; None means the
        setting of an enclosing :func:`verbosity` block, else off inside an open :func:`steps`
        display, else follows ``SPECTRAL_SSL_PROGRESS`` when it is ``0`` or ``1``, else is on when
        standard error is a terminal or the code runs in a Jupyter kernel (:func:`in_notebook`).

    Returns
    -------
    bool
    """
    return level(verbose) >= 1


@contextlib.contextmanager
def verbosity(verbose):
    """Inside the block, ``verbose=None`` of every progress display means ``verbose``.

    How a front end (:func:`spectral_ssl.solve`, the estimators) hands its ``verbose`` to the
    solvers it calls that take none (Barlow Twins' multi-start search). ``verbose=None`` leaves
    the setting as it is.

    Parameters
    ----------
    verbose : bool, int or None
        See :func:`check_verbose`.

    Examples
    --------
    >>> with verbosity(False):
    ...     is_enabled(None)
    False
    """
    global _DEFAULT_LEVEL
    verbose = check_verbose(verbose)
    previous = _DEFAULT_LEVEL
    if verbose is not None:
        _DEFAULT_LEVEL = verbose
    try:
        yield
    finally:
        _DEFAULT_LEVEL = previous


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
    """tqdm's minimal interface as one stderr line per update; ``set_postfix_str(text)`` adds ``text``
    to the next lines, and with ``detail`` (``verbose >= 2``) writes a line at once."""

    def __init__(self, iterable, total, desc, detail=False):
        # why not tqdm's carriage-return bar: plain lines stay readable in logs and notebooks
        self.iterable, self.desc, self.detail, self.postfix, self.count = iterable, desc, detail, "", 0
        self.total = total if total is not None else getattr(iterable, "__len__", lambda: None)()
        self.start = time.perf_counter()

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update()

    def _line(self):
        of = f"/{self.total}" if self.total is not None else ""
        elapsed = time.perf_counter() - self.start
        postfix = f", {self.postfix}" if self.postfix else ""
        print(f"{self.desc}: {self.count}{of} ({elapsed:.1f} s){postfix}", file=sys.stderr, flush=True)

    def update(self, n=1):
        self.count += n
        self._line()

    def set_postfix_str(self, text="", refresh=True):
        self.postfix = str(text)
        if self.detail and refresh:
            self._line()

    def close(self):
        pass


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
    verbose : bool, int or None
        See :func:`is_enabled`.

    Returns
    -------
    iterable
        ``iterable`` itself when progress is off, else a wrapper yielding the same items.
    """
    shown = level(verbose)
    if not shown:
        return iterable
    tqdm = _tqdm()
    if tqdm is None:
        return iter(_Lines(iterable, total, desc, detail=shown >= 2))
    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False)


class _Silent:
    """The counter of :func:`counter` and the display of :func:`steps` when progress is off."""

    def update(self, n=1):
        pass

    def set_postfix_str(self, text="", refresh=True):
        pass

    def say(self, text):
        pass

    def start(self, text):
        pass

    def finish(self, text="done", seconds=None):
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
    verbose : bool, int or None
        See :func:`is_enabled`.

    Returns
    -------
    object
        With ``update(n=1)`` (``n`` more steps done), ``set_postfix_str(text)`` (what the
        running step is at: "iteration 200, loss 1.25"; tqdm's method, shown on the bar, or on
        the next plain line, and at once with ``verbose >= 2``) and ``close()``; a silent one
        when progress is off.

    Examples
    --------
    >>> steps = counter(desc="starts", total=2, verbose=False)
    >>> steps.update(); steps.close()
    """
    shown = level(verbose)
    if not shown:
        return _Silent()
    tqdm = _tqdm()
    if tqdm is None:
        return _Lines((), total, desc, detail=shown >= 2)
    return tqdm(total=total, desc=desc, file=sys.stderr, leave=False)


@contextlib.contextmanager
def status(desc, *, verbose=None):
    """Announce one long step and, when it ends, how long it took (or that it failed).

    Parameters
    ----------
    desc : str
        The step ("solving SimCLR, 569 samples").
    verbose : bool, int or None
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


class _HeldWarnings:
    """Warnings raised while a step runs, held until its line is complete, then shown as usual.

    Installed as ``warnings.showwarning`` by :func:`steps` (the filters still decide what is shown);
    ``release`` hands the held ones, in order, to the ``showwarning`` in place before (Python's, or
    a recorder such as pytest's).
    """

    def __init__(self):
        self.outer, self.running, self.held, self.started = warnings.showwarning, False, [], None

    def __call__(self, message, category, filename, lineno, file=None, line=None):
        if self.running:
            self.held.append((message, category, filename, lineno, file, line))
        else:
            self.emit((message, category, filename, lineno, file, line))

    def emit(self, warning):
        self.outer(*warning)

    def took(self, seconds=None):
        """The step's time: ``seconds`` when it was timed elsewhere (a worker), else since its start."""
        return time.perf_counter() - self.started if seconds is None else seconds

    def release(self):
        self.running = False
        held, self.held = self.held, []
        for warning in held:
            self.emit(warning)


class _StepLines(_HeldWarnings):
    """Numbered steps as plain lines: ``[i/total] step ... done in 1.2 s`` (one line per step)."""

    def __init__(self, stream, total):
        super().__init__()
        self.stream, self.total, self.done = stream, total, 0

    def say(self, text):
        print(text, file=self.stream, flush=True)

    def start(self, text):
        self.done += 1
        self.started, self.running = time.perf_counter(), True
        # the line is finished by finish(): nothing else writes while a step runs (the solvers'
        # progress is off, see is_enabled; warnings are held until then)
        print(f"[{self.done}/{self.total}] {text} ...", end=" ", file=self.stream, flush=True)

    def finish(self, text="done", seconds=None):
        print(f"{text} in {self.took(seconds):.1f} s", file=self.stream, flush=True)
        self.release()

    def close(self):
        if self.running:  # the run stopped inside a step (an error): end its line before anything else
            self.finish("stopped after an error")


class _StepBar(_HeldWarnings):
    """Numbered steps on a tqdm bar: the running step on the bar, each finished one as a line above it."""

    def __init__(self, tqdm, total):
        super().__init__()
        self.tqdm, self.total, self.done, self.text = tqdm, total, 0, ""
        self.bar = tqdm(total=total, file=sys.stderr, leave=False, unit="step", desc="starting")

    def say(self, text):
        self.tqdm.write(text, file=sys.stderr)

    def emit(self, warning):
        with self.tqdm.external_write_mode(file=sys.stderr):  # above the bar, not into it
            self.outer(*warning)

    def start(self, text):
        self.done += 1
        self.started, self.text, self.running = time.perf_counter(), text, True
        self.bar.set_description_str(f"[{self.done}/{self.total}] {text}")

    def finish(self, text="done", seconds=None):
        # the same line as the plain display, so a finished run reads alike with or without tqdm
        self.tqdm.write(f"[{self.done}/{self.total}] {self.text} ... {text} in "
                        f"{self.took(seconds):.1f} s", file=sys.stderr)
        self.bar.update(1)
        self.release()

    def close(self):
        if self.running:
            self.finish("stopped after an error")
        self.bar.close()


@contextlib.contextmanager
def steps(total, *, verbose=None, stream=None):
    """A display of ``total`` numbered steps of one long run (the report's cases and claims).

    Each step is announced by ``start(text)`` and closed by ``finish(result="done", seconds=None)``
    (``seconds``: the step's own time when it was measured elsewhere, e.g. in a worker process;
    else the time since ``start``); ``say(text)`` writes a line between steps. The finished steps read ``[i/total] text ... result in 1.2 s``:
    one line each on standard error, with tqdm's bar for the running step below them when tqdm is
    installed. While the display is open, ``verbose=None`` means off for every other progress
    display (:func:`is_enabled`), so that the solvers a step calls do not interleave their own,
    and a warning raised during a step is shown after the step's line (never inside it). A step
    left unfinished by an error ends its line with ``stopped after an error in 1.2 s``.

    Parameters
    ----------
    total : int
        The number of steps.
    verbose : bool, int or None
        See :func:`is_enabled`; ignored when ``stream`` is given.
    stream : text stream, optional
        Write plain numbered lines there (never a bar) instead of standard error.

    Yields
    ------
    object
        With ``say(text)``, ``start(text)`` and ``finish(result="done", seconds=None)``.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with steps(2, stream=out) as run:
    ...     run.start("first"); run.finish("ok")
    >>> out.getvalue().startswith("[1/2] first ... ok in ")
    True
    """
    global _OPEN_STEPS, _DEFAULT_LEVEL
    if stream is not None:
        display = _StepLines(stream, total)
    elif not is_enabled(verbose):
        display = _Silent()  # warnings pass as usual: no line to split
    else:
        tqdm = _tqdm()
        display = _StepLines(sys.stderr, total) if tqdm is None else _StepBar(tqdm, total)
    outer_level, _DEFAULT_LEVEL = _DEFAULT_LEVEL, None  # an enclosing verbosity() does not reach in
    _OPEN_STEPS += 1
    try:
        with warnings.catch_warnings():  # restores warnings.showwarning on the way out
            if isinstance(display, _HeldWarnings):
                warnings.showwarning = display
            try:
                yield display
            finally:
                display.close()
    finally:
        _OPEN_STEPS -= 1
        _DEFAULT_LEVEL = outer_level
