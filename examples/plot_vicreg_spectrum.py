"""
VICReg's spectrum and its collapse
==================================

The VICReg optimum keeps direction :math:`k` of the graph Laplacian with the variance
:math:`t_k = \\max(0, 1 - \\tfrac{\\gamma}{\\alpha}\\lambda_k)` (covariance weight :math:`\\beta \\ge
\\alpha`), so the singular values of the centred representation are :math:`\\sqrt{N t_k}` and a
direction collapses as soon as :math:`\\gamma\\lambda_k \\ge \\alpha`. Here the relation is the
8-nearest-neighbour graph of a swiss roll; as the invariance weight :math:`\\gamma` grows, fewer
directions survive.
"""

import numpy as np

from spectral_ssl import graphs, plotting
from spectral_ssl.experiments import datasets
from spectral_ssl.methods import vicreg

X, _ = datasets.swiss_roll(300, random_state=0)
G = graphs.knn(X, 8)
reps = [vicreg.optimal_representation(G, 8, variance=1.0, covariance=1.0, invariance=gamma)
        for gamma in (0.5, 5.0, 50.0)]

for rep in reps:
    kept = int(np.sum(rep.hyperparameters["invariance"] * rep.eigenvalues < 1.0))
    print(f"invariance {rep.hyperparameters['invariance']:5g}: rank {rep.rank} "
          f"(directions with gamma * lambda_k < alpha: {kept})")

# %%
# Each cross is a measured singular value of :math:`HZ`; each line the prediction.

fig = plotting.spectra_figure({"swiss roll, 8-NN relation": reps},
                              suptitle="VICReg optimum: singular values as the invariance weight grows")
