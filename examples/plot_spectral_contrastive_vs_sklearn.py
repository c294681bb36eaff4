"""
Spectral contrastive loss = normalised spectral embedding
=========================================================

The optimum of the spectral contrastive loss spans the top eigenvectors of the normalised adjacency
:math:`D_G^{-1/2} G D_G^{-1/2}`: the constant direction plus the normalised Laplacian Eigenmaps.
scikit-learn's :class:`~sklearn.manifold.SpectralEmbedding` computes the latter independently; the two
spans agree to round-off (largest principal angle between them).
"""

import numpy as np
from scipy.linalg import subspace_angles
from sklearn.manifold import SpectralEmbedding

from spectral_ssl import graphs, plotting
from spectral_ssl.experiments import datasets
from spectral_ssl.methods import spectral_contrastive

X, coords = datasets.swiss_roll(400, random_state=0)
G = graphs.knn(X, 10)
rep = spectral_contrastive.optimal_representation(G, 3)
E = SpectralEmbedding(n_components=2, affinity="precomputed", random_state=0).fit_transform(G.toarray())

ours = rep.Z - rep.Z.mean(axis=0)
angle = np.max(subspace_angles(ours, np.column_stack([E, np.ones(len(E))]) - 0.0))
print(rep)
print(f"largest principal angle to [1, SpectralEmbedding]: {angle:.1e} rad")

# %%
# Both embeddings, coloured by the position along the roll.

fig = plotting.embeddings_figure({"spectral contrastive optimum": rep.Z, "scikit-learn SpectralEmbedding": E},
                                 coords[:, 0], categorical=False, color_label="position along the roll",
                                 ncols=2)
