"""
Linear regime: VICReg is Locality Preserving Projections
========================================================

With a linear representation :math:`Z = XW + \\mathbf 1 b^\\top` the VICReg optimum comes from the
generalized eigenproblem :math:`X^\\top L X q = \\mu X^\\top H X q` and ``transform`` maps images the
solver never saw. On the augmentation graph of two views per digit image (degree 1), its directions
are those of Locality Preserving Projections. The second panel draws the spectrum into an axes of a
figure made here (``ax=``).
"""

import numpy as np
from matplotlib.figure import Figure
from scipy.linalg import subspace_angles

from spectral_ssl import graphs, plotting, spectral
from spectral_ssl.experiments import datasets
from spectral_ssl.methods import vicreg

data = datasets.digits(n_per_class=20, random_state=0)
views, groups = graphs.make_views(data.X, n_views=2, random_state=0, **data.view_options)
views = views - views.mean(axis=0)
G = graphs.from_groups(groups)

lin = vicreg.optimal_linear(views, G, 8, variance=1.0, covariance=1.0, invariance=1.0)
Y_lpp, _, _ = spectral.locality_preserving_projections(views, G, 8)
angle = np.max(subspace_angles(lin.Z - lin.Z.mean(axis=0), Y_lpp - Y_lpp.mean(axis=0)))
print(lin)
print(f"largest principal angle to LPP: {angle:.1e} rad")

# %%
# Left: the first two coordinates of held-in views, coloured by digit. Right: the measured singular
# values of the centred representation on the prediction :math:`\sqrt{N t_k}`.

fig = Figure(figsize=(10, 4), layout="constrained")
left, right = fig.subplots(1, 2)
points = left.scatter(lin.Z[:, 0], lin.Z[:, 1], c=np.repeat(data.y, 2), cmap="tab10", s=8)
left.set_xlabel("$z_1$")
left.set_ylabel("$z_2$")
fig.colorbar(points, ax=left, label="digit")
plotting.spectrum_figure(lin, ax=right)
