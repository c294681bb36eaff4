r"""SimCLR as MDS / ISOMAP: SimCLR optimised on Gaussian relations of a swiss roll, against the MDS
target of each relation (Theorem 2's matching bound), as data for the report.

Computation only: :func:`simclr_mds` returns rows (numbers) and panels (arrays);
:mod:`spectral_ssl.report` renders them and :func:`spectral_ssl.plotting.simclr_mds_figure`
draws the panels.
"""

import math
import time

import numpy as np

from .. import linalg
from ..kernels import squared_distances
from ..methods import simclr
from ..spectral import knn_geodesics

#: Settings of the SimCLR-MDS section: representation dimension, neighbours of the
#: geodesic graph, temperature, L-BFGS iterations of the (single, Laplacian Eigenmaps
#: started) SimCLR run.
MDS_SETTINGS = {"n_components": 8, "n_neighbors": 8, "temperature": 0.5, "max_iter": 2000}


def gaussian_from_distances(distances, bandwidth):
    """Dense Gaussian relation exp(-delta^2 / (2 sigma^2)), zero diagonal, as CSR."""
    import scipy.sparse as sp

    W = np.exp(-(distances**2) / (2.0 * bandwidth**2))
    np.fill_diagonal(W, 0.0)
    return sp.csr_matrix(W)


#: Rows of the swiss roll's jittered grid (see :func:`swiss_roll`).
SWISS_ROLL_ROWS = 3


def swiss_roll(n_samples, *, seed=0, jitter=0.15):
    r"""A swiss roll sampled evenly over its surface.

    The surface is scikit-learn's ``make_swiss_roll`` one,
    :math:`(t\cos t,\ h,\ t\sin t)` with :math:`t \in [1.5\pi, 4.5\pi]` (1.5 turns,
    :math:`2\pi` apart), but the points sit on a jittered grid of
    :data:`SWISS_ROLL_ROWS` rows in height and ``ceil(n_samples / rows)``
    columns equally spaced in arc length (cells are squares; each coordinate moves
    by at most ``jitter`` times the spacing). A uniformly random sample of a
    hundred or two points leaves gaps along the roll, where a kNN graph
    short-circuits between turns and ISOMAP no longer unrolls it; the grid keeps
    every sample's nearest neighbours on its own turn.

    Returns
    -------
    X : ndarray, shape (n_samples, 3)
    position : ndarray, shape (n_samples,)
        :math:`t`, the position along the roll (for colouring).
    """
    from .datasets import spiral_arc_length as arc

    rng = np.random.default_rng(seed)
    t0, t1 = 1.5 * np.pi, 4.5 * np.pi
    columns = math.ceil(n_samples / SWISS_ROLL_ROWS)
    step = (arc(t1) - arc(t0)) / columns
    i = np.arange(n_samples)
    s = (i // SWISS_ROLL_ROWS + 0.5 + jitter * rng.uniform(-1.0, 1.0, n_samples)) * step
    height = (i % SWISS_ROLL_ROWS + 0.5 + jitter * rng.uniform(-1.0, 1.0, n_samples)) * step
    grid = np.linspace(t0, t1, 20001)
    t = np.interp(arc(t0) + s, arc(grid), grid)
    return np.column_stack([t * np.cos(t), height, t * np.sin(t)]), t


def swiss_roll_distances(n_samples, *, n_neighbors=8, seed=0):
    """The :func:`swiss_roll`, its Euclidean distances and its kNN-graph geodesic distances.

    Returns
    -------
    X : ndarray, shape (n_samples, 3)
    position : ndarray, shape (n_samples,)
        The position along the roll, for colouring.
    distances : dict
        ``{"euclidean": (N, N), "geodesic": (N, N)}``; geodesic = shortest-path
        length in the union-symmetrised ``n_neighbors``-NN graph with Euclidean
        edge lengths (the ISOMAP distance, :func:`spectral_ssl.spectral.knn_geodesics`).

    Raises
    ------
    ValueError
        When the kNN graph of the roll is disconnected (use more samples or more neighbours).
    """
    X, position = swiss_roll(n_samples, seed=seed)
    euclidean = np.sqrt(squared_distances(X))
    np.fill_diagonal(euclidean, 0.0)
    geodesic = knn_geodesics(X, n_neighbors)
    return X, position, {"euclidean": euclidean, "geodesic": geodesic}


def matching_bound(G):
    r"""Theorem 2's lower bound :math:`-\sum_{ij} G_{ij}\log(G_{ij}/d_i)` of the SimCLR loss."""
    G = G.tocsr()
    d = linalg.degrees(G, check_input=False)
    rows = np.repeat(np.arange(G.shape[0]), np.diff(G.indptr))
    return float(-np.sum(G.data * np.log(G.data / d[rows])))


def simclr_mds(n_samples=300, *, n_components=8, n_neighbors=8, temperature=0.5, max_iter=2000,
               seed=0, progress=None):
    r"""SimCLR optimised on a Euclidean and on a geodesic Gaussian relation of a swiss roll.

    For each distance :math:`\delta` of :func:`swiss_roll_distances`, the relation
    :math:`G_{ij} = e^{-\delta_{ij}^2/(2\sigma^2)}` with :math:`\sigma` the median
    pairwise distance; SimCLR's non-parametric optimum (one L-BFGS run from the
    Laplacian Eigenmaps start, ``exact=False``); and
    :func:`spectral_ssl.methods.simclr.mds_agreement` of its chord distances
    with the MDS target :math:`-2\tau\log G` of its own relation (Spearman,
    Pearson, calibrated stress) and of the other relation (Spearman). The two
    targets' own Spearman correlation is the yardstick: a representation that
    follows its relation should agree with its own target clearly better than
    the other target does.

    Parameters
    ----------
    n_samples : int
        Points of the :func:`swiss_roll`.
    n_components : int
        :math:`K` of the SimCLR representation.
    n_neighbors : int
        Neighbours of the kNN graph whose shortest paths are the geodesic distances.
    temperature : float
        :math:`\tau`.
    max_iter : int
        L-BFGS iterations of the SimCLR run.
    seed : int
        Seed of the roll's jitter and of the SimCLR start.
    progress : optional
        The report's progress printer (None: silent).

    Returns
    -------
    rows : list of dict
        One per relation (JSON-serialisable).
    panels : list of dict
        Arrays for :func:`spectral_ssl.plotting.simclr_mds_figure`.
    """
    import scipy.stats

    _, position, distances = swiss_roll_distances(n_samples, n_neighbors=n_neighbors, seed=seed)
    upper = np.triu_indices(n_samples, k=1)
    targets_spearman = float(scipy.stats.spearmanr(distances["euclidean"][upper],
                                                   distances["geodesic"][upper])[0])
    relations = {}
    for name, delta in distances.items():
        bandwidth = float(np.median(delta[upper]))
        relations[name] = (bandwidth, gaussian_from_distances(delta, bandwidth))
    rows, panels = [], []
    for name, (bandwidth, G) in relations.items():
        if progress is not None:
            progress.start(f"simclr-mds, {name} relation")
        started = time.perf_counter()
        # one BLAS thread inside the L-BFGS loop only (_optimize.multistart sets it)
        rep = simclr.optimal_representation(G, n_components, temperature=temperature,
                                            restarts=1, random_state=seed, max_iter=max_iter)
        other = relations["geodesic" if name == "euclidean" else "euclidean"][1]
        row = {
            "relation": name,
            "distance": "Euclidean distance in R^3" if name == "euclidean" else
                        f"shortest path in the {n_neighbors}-NN graph",
            "equivalent": "classical MDS" if name == "euclidean" else "ISOMAP",
            "n_samples": int(n_samples), "n_components": int(n_components),
            "temperature": float(temperature), "bandwidth": bandwidth,
            "loss": float(rep.loss), "bound": matching_bound(G), "rank": int(rep.rank),
            "exact": bool(rep.exact), "converged": bool(rep.details["converged"]),
            "n_iterations": int(rep.details["n_iterations"]),
            "spearman": simclr.mds_agreement(rep, G, kind="spearman"),
            "pearson": simclr.mds_agreement(rep, G, kind="pearson"),
            "stress": simclr.mds_agreement(rep, G, kind="stress"),
            "spearman_other_target": simclr.mds_agreement(rep.Z, other, kind="spearman"),
            "targets_spearman": targets_spearman,
            "seconds": time.perf_counter() - started,
        }
        rows.append(row)
        panels.append({
            "title": f"{name} relation ({row['equivalent']})",
            "target": simclr.mds_target(G, temperature=temperature), "Z": rep.Z,
            "mds": simclr.mds_embedding(G, 2, temperature=temperature), "color": position,
            "agreement": row["spearman"],
        })
        if progress is not None:
            progress.finish()
    return rows, panels



__all__ = ["MDS_SETTINGS", "SWISS_ROLL_ROWS", "gaussian_from_distances", "swiss_roll",
           "swiss_roll_distances", "matching_bound", "simclr_mds"]
