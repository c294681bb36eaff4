r"""The memory budget: how much one call may allocate before it is refused.

Some computations grow with :math:`N^2` (a dense kernel or similarity matrix,
SimCLR's softmax, all-pairs geodesics, the clique graph of a large class) or
with the size a file declares. Before such an allocation the package compares
what it would need with the **memory budget** and, when it does not fit, raises
:class:`MemoryBudgetError` (a subclass of :class:`MemoryError`) naming the call,
the size it would need and the scalable alternative, instead of letting the
operating system kill the process or numpy fail with a raw "Unable to allocate".

The budget is, in this order of precedence:

1. the value set with :func:`set_budget` or, for a block of code, the
   :func:`budget_limit` context manager;
2. the environment variable ``SPECTRAL_SSL_MEMORY_BUDGET`` (read at each check);
3. :data:`DEFAULT_FRACTION` of the memory available now (``MemAvailable`` of
   ``/proc/meminfo``, capped by a cgroup limit when there is one; elsewhere the
   free physical pages of ``os.sysconf``).

A budget is a number of bytes (``4_000_000_000``) or a string: ``"4GiB"``,
``"500MB"``, ``"1.5e9"`` (bytes), or ``"50%"`` (that fraction of the memory
available at each check). Units: B, kB/KB, MB, GB, TB (powers of 1000) and KiB,
MiB, GiB, TiB (powers of 1024).

Examples
--------
>>> from spectral_ssl import memory
>>> memory.parse_size("4GiB")
4294967296
>>> with memory.budget_limit("1MiB"):
...     memory.budget()
1048576
>>> with memory.budget_limit("1MiB"):
...     memory.check(8 * 1000**2, call="example()", need="a 1000 x 1000 matrix of float64",
...                  alternative="use fewer samples")
Traceback (most recent call last):
...
spectral_ssl.memory.MemoryBudgetError: example() would need 7.6 MiB (a 1000 x 1000 matrix of float64), more than the memory budget of 1 MiB; use fewer samples, or raise the budget with spectral_ssl.memory.set_budget(...) or the environment variable SPECTRAL_SSL_MEMORY_BUDGET.
"""

import contextlib
import numbers
import os
import re

import numpy as np

#: The environment variable holding the budget (``"4GiB"``, ``"50%"``, ...).
ENVIRONMENT_VARIABLE = "SPECTRAL_SSL_MEMORY_BUDGET"

#: Without a budget set, a call may use this fraction of the memory available when it starts.
DEFAULT_FRACTION = 0.5

_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*|%)\s*$", re.ASCII)

_setting = None  # the value given to set_budget (bytes, or a fraction as ("%", f)), None: default


class MemoryBudgetError(MemoryError):
    """A call was refused because it would need more memory than the budget allows.

    Raised before the allocation, with a message naming the call, the size it
    would need and a scalable alternative. A subclass of :class:`MemoryError`,
    so ``except MemoryError`` catches it and the refused allocation alike.
    """


def parse_size(value, *, name="budget"):
    """A budget as bytes (int) or as a fraction of available memory (``("%", fraction)``)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number of bytes or a string such as '4GiB', got {value!r}.")
    if isinstance(value, (int, float)):
        if not value > 0 or value != value or value == float("inf"):
            raise ValueError(f"{name} must be a positive number of bytes, got {value!r}.")
        return int(value)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a number of bytes or a string such as '4GiB', got {value!r}.")
    match = _SIZE.match(value)
    unit = match.group(2).lower() if match else None
    if match is None or (unit not in _UNITS and unit != "%"):
        raise ValueError(
            f"{name} must be a size such as '4GiB', '500MB', '2e9' (bytes) or '50%' (of the "
            f"available memory), got {value!r}."
        )
    number = float(match.group(1))
    if unit == "%":
        if not 0 < number <= 100:
            raise ValueError(f"{name} as a percentage must be in (0, 100], got {value!r}.")
        return ("%", number / 100)
    if number * _UNITS[unit] < 1:
        raise ValueError(f"{name} must be at least 1 byte, got {value!r}.")
    return int(number * _UNITS[unit])


def available_memory():
    """Bytes of memory available now: ``MemAvailable`` (Linux), within a cgroup limit if any."""
    available = None
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            available = 8 * 1024**3  # no way to know: assume a small machine
    cgroup = _cgroup_headroom()
    return available if cgroup is None else min(available, cgroup)


def _cgroup_headroom():
    """Limit minus usage of this process's cgroup (v2), or None without a limit."""
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as handle:
            limit = handle.read().strip()
        if limit == "max":
            return None
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as handle:
            current = int(handle.read().strip())
        return max(int(limit) - current, 0)
    except (OSError, ValueError):
        return None


def _resolve(setting):
    if isinstance(setting, tuple):
        return int(setting[1] * available_memory())
    return setting


def budget():
    """The memory budget in bytes, as it stands now (see the module docstring)."""
    if _setting is not None:
        return _resolve(_setting)
    text = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if text:
        return _resolve(parse_size(text, name=f"the environment variable {ENVIRONMENT_VARIABLE}"))
    return int(DEFAULT_FRACTION * available_memory())


def set_budget(value):
    """Set the memory budget (bytes, ``"4GiB"``, ``"50%"``); ``None`` restores the default.

    Returns the previous setting (pass it back to restore it).
    """
    global _setting
    previous = _setting
    _setting = None if value is None else parse_size(value)
    return previous


@contextlib.contextmanager
def budget_limit(value):
    """Context manager: the budget is ``value`` inside the block, the previous one after."""
    global _setting
    previous = set_budget(value)
    try:
        yield
    finally:
        _setting = previous


def format_bytes(count):
    """``count`` bytes in binary units, e.g. ``'298 GiB'``."""
    count = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if count < 1024 or unit == "PiB":
            return f"{count:.0f} {unit}" if unit == "B" or count >= 100 or count == int(count) \
                else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.0f} PiB"  # pragma: no cover


def check(nbytes, *, call, need, alternative):
    """Raise :class:`MemoryBudgetError` when ``nbytes`` exceeds the budget.

    Parameters
    ----------
    nbytes : int or float
        What the call would allocate at its peak.
    call : str
        The call, as the user wrote it (``"graphs.gaussian(X, bandwidth)"``).
    need : str
        What the memory is for (``"a 200000 x 200000 matrix of float64"``).
    alternative : str
        The scalable way to get the result (or a smaller problem).
    """
    nbytes = float(nbytes)
    limit = budget()
    if nbytes > limit:
        raise MemoryBudgetError(
            f"{call} would need {format_bytes(nbytes)} ({need}), more than the memory budget of "
            f"{format_bytes(limit)}; {alternative}, or raise the budget with "
            f"spectral_ssl.memory.set_budget(...) or the environment variable {ENVIRONMENT_VARIABLE}."
        )


def check_square(n_samples, *, call, copies=1, alternative):
    """:func:`check` for ``copies`` dense ``n_samples x n_samples`` float64 matrices."""
    n = int(n_samples)
    what = f"{copies} matrices" if copies > 1 else "a matrix"
    check(8.0 * copies * n * n, call=call, need=f"{what} of {n} x {n} float64", alternative=alternative)


#: The scalable alternatives named when a method's N x N step does not fit.
SIMCLR_ALTERNATIVE = ("SimCLR's loss compares all N x N pairs of samples: use VICReg or spectral "
                      "contrastive (sparse closed forms), or a subsample")
KERNEL_ALTERNATIVE = ("the kernel regime needs the N x N Gram matrix: use regime='linear' on explicit "
                      "features (e.g. sklearn.kernel_approximation.Nystroem(n_components=1000)"
                      ".fit_transform(X)), or a subsample")


def check_pairwise(samples, *, call, copies, alternative):
    """:func:`check_square` for the samples of ``samples`` (an array, a graph, or their count).

    The one-line guard at the start of a function that builds ``copies`` dense
    ``N x N`` float64 matrices. An object whose length cannot be read is let
    through: the function's own validation then says what is wrong with it.
    """
    if isinstance(samples, numbers.Integral):
        n = int(samples)
    else:
        try:
            n = int(np.shape(samples)[0])
        except Exception:  # noqa: BLE001 - not an array: validated (and refused) by the caller
            return
    check_square(n, call=call, copies=copies, alternative=alternative)


__all__ = ["check_pairwise", "MemoryBudgetError", "budget", "set_budget", "budget_limit", "check", "check_square",
           "parse_size", "available_memory", "format_bytes", "ENVIRONMENT_VARIABLE",
           "DEFAULT_FRACTION"]
