"""Downstream evaluation of the closed-form optima and the paper's claims as experiments.

:mod:`~spectral_ssl.experiments.probe` measures how much label information a
representation keeps with a linear probe: out of sample for the linear and
kernel regimes (``transform`` then probe), transductively for the
non-parametric regime (train rows and test rows of the same ``Z``).
:mod:`~spectral_ssl.experiments.claims` runs the paper's downstream claims
(one function per claim, each returning a ``ClaimResult`` with a verdict);
:mod:`~spectral_ssl.experiments.datasets` builds their data.
"""

from . import claims, datasets
from .claims import (ClaimResult, aligned_graph, local_vs_global, low_data_regime, misaligned_graph,
                     rank_collapse, run_all)
from .probe import (linear_probe, linear_probe_predictions, pool_groups, probe_out_of_sample,
                    probe_transductive, whiten_span)

__all__ = ["linear_probe", "linear_probe_predictions", "whiten_span", "probe_out_of_sample", "probe_transductive", "pool_groups",
           "claims", "datasets", "ClaimResult", "aligned_graph", "low_data_regime",
           "misaligned_graph", "local_vs_global", "rank_collapse", "run_all"]
