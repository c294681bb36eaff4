r"""Seeds, means with standard errors, and the three-outcome decision of a verdict rule.

Every number a claim's rule uses is measured on several independent seeds (a new
train/test split, relation and optimiser start each) and summarised by an
:class:`Estimate`: the mean, its standard error and a Student-t confidence
interval. A rule compares an interval with a threshold fixed before the run
(:func:`decide`):

* **supported** -- the whole interval lies above the threshold;
* **not supported** -- the whole interval lies at or below it;
* **inconclusive** -- the interval straddles it (more seeds or test samples needed).

Comparisons of two methods use the paired per-seed differences (both methods see
the same split and relation in a seed), whose spread is much smaller than that of
each accuracy. A rule with several conditions combines their outcomes with
:func:`combine` (a conjunction: one clear failure is enough to reject).
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np
import scipy.stats

from ..._validation import check_integer, check_scalar

#: The outcomes of a rule. ``VOID``: the design check found that the setting cannot
#: show the effect, so no verdict is given.
SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
INCONCLUSIVE = "inconclusive"
VOID = "void"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE, VOID)

#: The outcome of one comparison whose two methods give identical predictions by construction
#: (their representations span the same space on every sample the probe sees, e.g. both full
#: rank at K = D): a tie that measures nothing. Reported, left out of every verdict like ``VOID``;
#: never the verdict of a reading or a claim.
NOT_APPLICABLE = "not applicable"

#: Confidence level of every interval.
LEVEL = 0.95

#: "A should be preferred over B": A's accuracy exceeds B's by more than this (one point of
#: accuracy). A tie is not a reason to prefer a method, and with a zero threshold an exact tie
#: could never be told apart from a small advantage.
PREFERENCE_MARGIN = 0.01


@dataclass(frozen=True)
class Estimate:
    """Mean of per-seed values with its standard error and confidence interval.

    Attributes
    ----------
    mean : float
    se : float
        Standard error of the mean, :math:`s/\\sqrt n` (sample standard deviation
        :math:`s`, ``ddof=1``); ``nan`` for a single value.
    low, high : float
        The two-sided Student-t interval :math:`\\bar x \\pm t_{(1+\\text{level})/2,\\,n-1}\\,
        \\text{se}`; infinite for a single value (nothing is known about the spread).
    n : int
        Number of seeds.
    level : float
    values : tuple of float
        The per-seed values.
    """

    mean: float
    se: float
    low: float
    high: float
    n: int
    level: float = LEVEL
    values: tuple = ()

    def __str__(self):
        return self.format()

    def format(self, digits=3):
        """``"0.812 ± 0.011"`` (mean ± standard error)."""
        if math.isnan(self.se):
            return f"{self.mean:.{digits}f}"
        return f"{self.mean:.{digits}f} ± {self.se:.{digits}f}"

    def to_dict(self):
        """A JSON-ready dict (infinite bounds as ``None``)."""
        def clean(v):
            return None if not math.isfinite(v) else float(v)

        return {"mean": float(self.mean), "se": clean(self.se), "low": clean(self.low),
                "high": clean(self.high), "n": int(self.n), "level": self.level,
                "values": [float(v) for v in self.values]}


def estimate(values, *, level=LEVEL):
    r"""Mean, standard error and Student-t interval of per-seed values.

    Parameters
    ----------
    values : array_like, shape (n,)
        One finite number per seed, ``n >= 1``.
    level : float in (0, 1)

    Returns
    -------
    Estimate

    Examples
    --------
    >>> e = estimate([0.80, 0.82, 0.84])
    >>> round(e.mean, 6), round(e.se, 6)
    (0.82, 0.011547)
    >>> round(e.low, 4), round(e.high, 4)  # t(0.975, 2) = 4.303
    (0.7703, 0.8697)
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"values must be a non-empty sequence of finite numbers, got {values.tolist()}.")
    level = check_scalar(level, name="level", low=0.0, low_inclusive=False, high=1.0)
    if level == 1.0:
        raise ValueError("level must be < 1 (a confidence level in (0, 1)), got 1.0.")
    n = values.size
    mean = float(values.mean())
    if n == 1:
        return Estimate(mean, math.nan, -math.inf, math.inf, 1, level, (mean,))
    se = float(values.std(ddof=1) / math.sqrt(n))
    half = float(scipy.stats.t.ppf(0.5 + level / 2, n - 1)) * se
    return Estimate(mean, se, mean - half, mean + half, n, level, tuple(float(v) for v in values))


def difference(a, b, *, level=LEVEL):
    """:func:`estimate` of the paired per-seed differences ``a - b`` (same seeds, same order)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired values need the same shape, got {a.shape} and {b.shape}.")
    return estimate(a - b, level=level)


def worst_case(values):
    """The smallest per-seed value as a zero-width :class:`Estimate`: for exact statements.

    An exact statement (a rank equals its prediction) either holds on a seed or
    not; one failing seed refutes it. The estimate's mean and both bounds are the
    minimum over seeds, so :func:`decide` gives ``supported`` iff every seed's
    value exceeds the threshold and ``not supported`` otherwise.

    Examples
    --------
    >>> decide(worst_case([0.5, 0.5, -0.5]), 0.0)
    'not supported'
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"values must be a non-empty sequence of finite numbers, got {values.tolist()}.")
    low = float(values.min())
    return Estimate(low, 0.0, low, low, int(values.size), LEVEL, tuple(float(v) for v in values))


def decide(value, threshold):
    r"""The outcome of "the quantity exceeds ``threshold``" given its interval.

    ``supported`` if ``low > threshold``, ``not supported`` if ``high <= threshold``,
    ``inconclusive`` otherwise (the interval contains the threshold). A zero-width
    interval exactly at the threshold (two methods that are identical by
    construction) is ``not supported``: nothing exceeds the threshold.

    Parameters
    ----------
    value : Estimate
    threshold : float

    Examples
    --------
    >>> decide(estimate([0.03, 0.04, 0.05]), 0.0)
    'supported'
    >>> decide(estimate([-0.03, 0.01, 0.05]), 0.0)
    'inconclusive'
    >>> decide(estimate([0.0, 0.0, 0.0]), 0.0)
    'not supported'
    """
    if not isinstance(value, Estimate):
        raise TypeError(f"value must be an Estimate, got {type(value).__name__}.")
    threshold = float(threshold)
    if value.low > threshold:
        return SUPPORTED
    if value.high <= threshold:
        return NOT_SUPPORTED
    return INCONCLUSIVE


def combine(verdicts):
    """Conjunction of outcomes: the verdict of "every condition holds".

    ``void`` and ``not applicable`` outcomes (conditions whose setting cannot show
    the effect, comparisons tied by construction) are left out; nothing left is
    ``void``. Then one ``not supported`` rejects, all
    ``supported`` accept, anything else is ``inconclusive``.

    Examples
    --------
    >>> combine(["supported", "inconclusive", "not supported"])
    'not supported'
    >>> combine(["supported", "void"])
    'supported'
    >>> combine(["supported", "inconclusive"])
    'inconclusive'
    >>> combine(["void"])
    'void'
    >>> combine(["not applicable", "supported"])
    'supported'
    """
    verdicts = [str(v) for v in verdicts]
    unknown = sorted(set(verdicts) - set(VERDICTS) - {NOT_APPLICABLE})
    if unknown:
        raise ValueError(f"unknown verdicts {unknown}; expected some of {list(VERDICTS) + [NOT_APPLICABLE]}.")
    kept = [v for v in verdicts if v not in (VOID, NOT_APPLICABLE)]
    if not kept:
        return VOID
    if NOT_SUPPORTED in kept:
        return NOT_SUPPORTED
    if all(v == SUPPORTED for v in kept):
        return SUPPORTED
    return INCONCLUSIVE


def seed_generators(random_state, n_seeds):
    """``n_seeds`` independent numpy Generators spawned from ``random_state``.

    ``random_state`` may be an int, ``None`` or a Generator (then its own stream
    seeds the children). The same ``random_state`` always gives the same seeds, and
    the first ``k`` seeds do not depend on ``n_seeds`` (a quick run with 3 seeds
    repeats the first 3 of a full run with 5).

    Examples
    --------
    >>> a = seed_generators(0, 3); b = seed_generators(0, 5)
    >>> [g.integers(1000) for g in a] == [g.integers(1000) for g in b[:3]]
    True
    """
    n_seeds = check_integer(n_seeds, name="n_seeds", low=1)
    if isinstance(random_state, np.random.Generator):
        entropy = int(random_state.integers(2**63 - 1))
    elif random_state is None:
        entropy = None
    elif isinstance(random_state, numbers.Integral) and not isinstance(random_state, (bool, np.bool_)):
        entropy = check_integer(random_state, name="random_state", low=0)
    else:
        raise TypeError(f"random_state must be None, an int or a numpy Generator, got {random_state!r}.")
    children = np.random.SeedSequence(entropy).spawn(int(n_seeds))
    return [np.random.default_rng(child) for child in children]


class Samples:
    """Per-seed measurements keyed by anything hashable, in seed order.

    Examples
    --------
    >>> s = Samples()
    >>> for a, b in ((0.8, 0.7), (0.9, 0.7), (0.85, 0.75)):
    ...     s.add(("acc", "A"), a); s.add(("acc", "B"), b)
    >>> s.estimate(("acc", "A")).format()
    '0.850 ± 0.029'
    >>> round(s.difference(("acc", "A"), ("acc", "B")).mean, 6)
    0.133333
    """

    def __init__(self):
        self.values = {}

    def add(self, key, value):
        self.values.setdefault(key, []).append(float(value))

    def __contains__(self, key):
        return key in self.values

    def get(self, key):
        return list(self.values[key])

    def estimate(self, key, *, level=LEVEL):
        return estimate(self.values[key], level=level)

    def difference(self, key_a, key_b, *, level=LEVEL):
        return difference(self.values[key_a], self.values[key_b], level=level)


__all__ = ["Estimate", "Samples", "estimate", "worst_case", "difference", "decide", "combine", "seed_generators",
           "SUPPORTED",
           "NOT_SUPPORTED", "INCONCLUSIVE", "VOID", "NOT_APPLICABLE", "VERDICTS", "LEVEL", "PREFERENCE_MARGIN"]
