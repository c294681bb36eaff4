"""
Certifying a closed form
========================

:func:`spectral_ssl.certify.certify` does not trust the formula: it minimises the same exact loss
with L-BFGS from random starts and compares the best loss found with the closed form. The
certificate passes when no start ends below it (up to a relative tolerance); it also reports the
gradient norm at the closed form, which must be at round-off level for a stationary point.
"""

import numpy as np
from matplotlib.figure import Figure

from spectral_ssl import graphs
from spectral_ssl.certify import certify

G = graphs.from_groups(np.repeat(np.arange(5), 6))
cert = certify("vicreg", G, 6, restarts=8, random_state=0, variance=1.0, covariance=1.0, invariance=0.1)
cert

# %%
# The final loss of every random start, against the closed form (dashed).

fig = Figure(figsize=(6, 3.2), layout="constrained")
ax = fig.subplots()
ax.plot(np.arange(1, cert.restarts + 1), cert.numerical_losses - cert.closed_form_loss, "o")
ax.axhline(0.0, color="black", linestyle="--", label="closed form")
ax.set_xlabel("random start")
ax.set_ylabel("final loss minus closed-form loss")
ax.legend()
