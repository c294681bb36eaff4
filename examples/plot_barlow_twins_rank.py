"""
Barlow Twins' rank: cliques against a kNN graph
===============================================

The diagonal of Barlow Twins' cross-correlation is one minus a Dirichlet energy per column: a column
pays no invariance cost only when it is constant on every connected component of the relation, so at
most :math:`c` (the number of components) directions come for free, and :math:`c - 1` once the columns
are centred, as the loss is trained (the constant column is removed). An augmentation graph made of
cliques (one per image) has many components and the optimum of the loss as written keeps
:math:`c - 1` of them; on a connected kNN graph (:math:`c = 1`) the optimum, found numerically here,
pays a small Dirichlet energy to keep :math:`K` decorrelated directions. VICReg with a small
invariance weight keeps :math:`K` on both.
"""

from scipy.sparse.csgraph import connected_components

import numpy as np

from spectral_ssl import graphs, plotting
from spectral_ssl.experiments import datasets
from spectral_ssl.methods import barlow_twins, vicreg

K = 6
X, _ = datasets.swiss_roll(120, random_state=0)
relations = {"4 cliques of 30": graphs.from_groups(np.repeat(np.arange(4), 30)),
             "6-NN graph (connected)": graphs.knn(X, 6)}

panels = []
for title, G in relations.items():
    components = connected_components(G, directed=False)[0]
    bt = barlow_twins.optimal_representation(G, K, restarts=2, random_state=0)
    vi = vicreg.optimal_representation(G, K, variance=1.0, covariance=1.0, invariance=1e-3)
    print(f"{title}: {components} components; Barlow Twins rank {bt.rank} (exact={bt.exact}), "
          f"VICReg rank {vi.rank}")
    panels.append({"title": title, "bars": [
        {"label": "Barlow Twins", "rank": bt.rank, "components": components, "method": "barlow_twins",
         "exact": bt.exact},
        {"label": "VICReg", "rank": vi.rank, "components": components, "method": "vicreg",
         "exact": vi.exact}]})

# %%
# Bars: rank of each optimum; black tick: the number of components; dashed line: :math:`K`.

fig = plotting.rank_components_figure(panels, n_components=K)
