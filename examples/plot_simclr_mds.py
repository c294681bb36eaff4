"""
SimCLR against classical MDS on a roll
======================================

SimCLR's loss decomposes into a local Dirichlet energy and a global repulsion; its optimum places
the row-normalised representations so that squared chord distances follow the MDS target
:math:`\\Delta_{ij} = -2\\tau\\log G_{ij}` up to a constant. With a dense relation built from
geodesic distances along a roll, the SimCLR optimum (found numerically, ``exact=False``) and
classical MDS of the target draw the same picture.
"""

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from spectral_ssl import graphs, plotting, spectral
from spectral_ssl.experiments import datasets
from spectral_ssl.methods import simclr

X, coords = datasets.swiss_roll(150, random_state=0)
knn = graphs.knn(X, 6)
# geodesic distances: shortest paths in the 6-NN graph weighted by the Euclidean edge lengths
edges = knn.tocoo()
lengths = np.linalg.norm(X[edges.row] - X[edges.col], axis=1)
paths = shortest_path(sp.csr_matrix((lengths, (edges.row, edges.col)), shape=knn.shape), directed=False)
sigma = np.median(paths)
G = np.exp(-paths**2 / (2 * sigma**2))
np.fill_diagonal(G, 0.0)

rep = simclr.optimal_representation(G, 3, temperature=0.5, restarts=1, random_state=0, max_iter=2000)
target = simclr.mds_target(G, temperature=0.5)
mds, _ = spectral.classical_mds(np.sqrt(target), 2)  # the target holds squared distances
agreement = simclr.mds_agreement(rep, G)
print(f"exact={rep.exact}; Spearman correlation of SimCLR's distances with the MDS target: {agreement:.4f}")

# %%
# Left: every pair, SimCLR's squared chord distance against the target. Middle and right: the two
# embeddings, coloured by the position along the roll.

fig = plotting.simclr_mds_figure([{"title": "geodesic Gaussian relation", "target": target, "Z": rep.Z,
                                   "mds": mds, "color": coords[:, 0], "agreement": agreement}])
