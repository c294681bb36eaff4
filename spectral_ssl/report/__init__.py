r"""The ``spectral-ssl report``: the four SSL methods' optima, certified and probed, and the paper's claims.

What the report computes
------------------------
1. **Data.** scikit-learn's ``digits`` (1797 images of 8 x 8 pixels, 10
   classes, bundled with scikit-learn: no download), pixel values scaled to
   [0, 1], split into train and test images (stratified by class, seeded).
2. **Views.** Two augmented views of every image
   (:func:`spectral_ssl.graphs.make_views`: a one-pixel shift, then Gaussian
   noise of 0.1 times each pixel's standard deviation).
3. **Relation graph.** ``relation="views"``: the augmentation pairs only (each
   view linked to the other view of its image). For the non-parametric regime
   that relation is degenerate: :math:`L` is a disjoint union of pairs, every
   pair-indicator direction has eigenvalue 0, so *any* :math:`K` of them is an
   optimum and nothing ties the images together. The default
   ``relation="views+knn"`` adds the symmetrised (union) ``n_neighbors``-nearest
   neighbour graph among the views: :math:`G = \max(G_{pairs}, G_{kNN})`
   (binary). Labels are never used to build :math:`G`. Every row reports the
   number of connected components of the graph its optimum was computed on.
4. **Optima**, in three regimes: ``nonparametric`` (:math:`Z` free, on the
   views of *all* images: the test images' views are in the graph, their
   labels are not used), ``linear`` (:math:`Z = XW + b`, fitted on the views
   of the training images) and ``kernel`` (:math:`Z = K_X A + b`, rbf with the
   median-distance bandwidth, fitted on the views of a stratified subsample of
   ``kernel_images`` training images, because it costs :math:`O(N^3)` in the
   number of views). Methods (:data:`METHODS`):

   * **VICReg** with the square variance penalty
     (:mod:`spectral_ssl.methods.vicreg`) for each invariance/variance ratio
     :math:`\gamma/\alpha` with ``variance = covariance = 1`` (the diagonal case,
     :math:`t_k = \max(0, 1 - \tfrac\gamma\alpha\lambda_k)`), plus one row with
     the reference weights ``variance=25, covariance=1, invariance=25``
     (covariance < variance: the water-filling case). Closed forms.
   * **Spectral contrastive** (:mod:`spectral_ssl.methods.spectral_contrastive`):
     Eckart-Young closed forms in every regime.
   * **Barlow Twins** (:mod:`spectral_ssl.methods.barlow_twins`, the paper's
     uncentred form, ``off_diagonal`` :math:`\lambda = 0.005`). Non-parametric:
     the loss-zero closed form when :math:`K \le c` (components of :math:`G`),
     otherwise no closed form is known and the loss is minimised numerically on
     the views of a stratified subsample of ``numerical_images`` images (the
     L-BFGS problem has :math:`N K` unknowns). Linear and kernel: CCA, exact
     for the problem *with within-view whitening* (solution ``"whitened"``);
     the certificate measures how much lower the unconstrained loss goes.
   * **SimCLR** (:mod:`spectral_ssl.methods.simclr`, temperature 0.5): no
     closed form outside equal cliques, so every regime is minimised
     numerically (``exact=False``), on the views of a stratified subsample of
     ``numerical_images`` images (of all images for the non-parametric regime,
     of the training images for the others): each loss evaluation costs
     :math:`O(N^2 K)`.

5. **Certificate.** :func:`spectral_ssl.certify.certify` minimises the exact
   loss from ``restarts`` random starts and compares with the returned
   optimum. Closed forms (solution ``"exact"`` or ``"whitened"``) are
   certified on the same construction restricted to a stratified subsample of
   ``certify_images`` of each regime's images (``None``: the full problems); its
   size is in the ``cert. N`` column, and the table gives the norm of the loss
   gradient at the optimum of the full problem. Numerical optima are certified
   on their own (already small) problem: the certificate's restarts are
   independent runs that the solver's result must not lose to.
6. **Probe.** :func:`spectral_ssl.experiments.probe.linear_probe` (logistic
   regression on the whitened span, so only the span counts) predicts the digit class. Linear and kernel regimes:
   trained on ``transform`` of the clean training images, tested on
   ``transform`` of the clean test images. Non-parametric regime (no
   ``transform``): transductive, the two view rows of each image are averaged,
   train images' rows train the probe and test images' rows test it (for a
   subsample: its train and test images). Chance is about 0.1.
7. **Rank against components** (section ``"pairs"``). The pure augmentation-pairs
   relation of a few images, where the number of connected components equals the
   number of images :math:`c`: once with :math:`c < K` and once with
   :math:`c > K` (:func:`pairs_sizes`). Non-parametric optima of every method
   (VICReg at the smallest and the largest invariance ratio), certified on the
   problem itself. Optima confined to the component structure have rank at most
   :math:`c`; VICReg with a small invariance weight keeps :math:`K` directions.
8. **SimCLR as MDS** (:func:`simclr_mds`). A swiss roll (:func:`swiss_roll`:
   the surface of scikit-learn's ``make_swiss_roll``, sampled evenly); two
   Gaussian relations
   :math:`G_{ij} = e^{-\delta_{ij}^2/(2\sigma^2)}`, one from the Euclidean
   distances (classical MDS), one from the shortest-path distances of the
   ``n_neighbors``-NN graph (ISOMAP). SimCLR is optimised on each and
   :func:`spectral_ssl.methods.simclr.mds_agreement` compares its chord
   distances with the MDS target of its own relation and of the other one.

9. **The paper's claims** (:mod:`spectral_ssl.experiments.claims`, section
   ``"claims"``): :func:`~spectral_ssl.experiments.claims.aligned_graph`,
   :func:`~spectral_ssl.experiments.claims.low_data_regime`,
   :func:`~spectral_ssl.experiments.claims.misaligned_graph` and
   :func:`~spectral_ssl.experiments.claims.rank_collapse` on each data set of
   :func:`claim_datasets` (the Gaussian mixture, trained at the paper's
   :math:`N = 256` and tested on held-out samples, and 174 digits per class),
   through :func:`~spectral_ssl.experiments.claims.claim_calls`, the settings
   :func:`~spectral_ssl.experiments.claims.run_all` uses (``quick`` with
   ``quick``: fewer seeds, marked "quick, indicative");
   :func:`~spectral_ssl.experiments.claims.local_vs_global` once, on its swiss
   rolls (it needs a manifold whose intrinsic distances are known). Each result
   keeps its verdict per wording of the paper, intervals, design checks, rule,
   key numbers, table and figures (:mod:`spectral_ssl.plotting_claims`).

**Your data** (``data=(X, y)``, the command's ``--data``): the method table,
the pairs section and the four claims that need only :math:`(X, y)` run on it,
with Gaussian-noise views (the pixel shift needs images); ``local_vs_global``
and the SimCLR-MDS section stay on their swiss rolls. A claim the data cannot
support (too few samples per class, say) is listed as *not run* with the reason.

Outputs (in ``out_dir``): ``report.html`` (one self-contained page: inline CSS,
every figure embedded as a base64 PNG, no external resource), ``report.md``
(Markdown, figures as the PNG files next to it), ``report.csv`` (the optima),
``report.json`` (everything, claims included), ``spectra.png`` (VICReg:
singular values of the centred :math:`Z` against :math:`\sqrt{N t_k}`, one
panel per regime), ``ranks.png`` (rank of every optimum against the components
of its graph), ``simclr_mds.png`` and one ``claim_<claim>_<data>_<figure>.png``
per figure of each claim.

Layout: the computation lives in :mod:`spectral_ssl.experiments` (``labelled``: the data;
``method_table`` and ``optima``: the optima, certificates and probes; ``simclr_mds``: SimCLR
against MDS / ISOMAP; ``claim_runs``: the claims one by one); this package only assembles and
renders what they return (``_run``, ``_report``, ``_table``, ``_notes``, ``_markdown``, ``_html``,
``_write``), and re-exports the public names below.

BLAS threads are as the environment sets them, except inside the L-BFGS loops
(``_optimize.multistart``) and the claims, which run on one thread: there BLAS works on
small vectors, where threads only add synchronisation (on a shared machine that made
the report over ten times slower), while the dense eigensolvers of the kernel regime use them.

The functions and the :class:`Report` class are defined in the package's private
modules; they are documented here, where they are imported from (the names of the
experiments it re-exports are documented in their own modules).

.. autofunction:: spectral_ssl.report.run_report

.. autoclass:: spectral_ssl.report.Report
   :members: text, markdown, document, section, table, mds_table, claim_rows, claims_table

.. autofunction:: spectral_ssl.report.write_report

.. autofunction:: spectral_ssl.report.render_html

.. autofunction:: spectral_ssl.report.render_markdown

.. autofunction:: spectral_ssl.report.format_rows
"""

from .. import certify as _certify  # noqa: F401  (report._certify: tests patch certify through it)
from ..experiments.claim_runs import CLAIMS, MANIFOLD_CLAIM, run_claims
from ..experiments.labelled import (MIN_SAMPLES_PER_CLASS, USER_DATA_MAX_SAMPLES,
                                    check_labelled_data, claim_datasets, load_digits_split,
                                    split_labelled_data)
from ..experiments.method_table import (DEFAULT_INVARIANCE, METHOD_HYPERPARAMETERS, METHODS,
                                        QUICK_INVARIANCE, REFERENCE_WEIGHTS, REGIMES, RELATIONS,
                                        n_connected_components, pairs_sizes, relation_graph)
from ..experiments.optima import SOLUTIONS, solution_kind
from ..experiments.simclr_mds import (MDS_SETTINGS, SWISS_ROLL_ROWS, simclr_mds, swiss_roll,
                                      swiss_roll_distances)
from ._html import render_html
from ._markdown import render_markdown
from ._report import Report
from ._run import DEFAULTS, QUICK, run_report
from ._table import (CLAIM_COLUMNS, CSV_COLUMNS, MDS_COLUMNS, PAIRS_COLUMNS, TABLE_COLUMNS,
                     format_rows)
from ._text import WIDTH
from ._write import REPORT_FILES, write_report

__all__ = ["run_report", "Report", "write_report", "render_html", "render_markdown", "format_rows",
           "check_labelled_data", "load_digits_split", "split_labelled_data", "claim_datasets",
           "relation_graph", "n_connected_components", "pairs_sizes", "solution_kind",
           "swiss_roll", "swiss_roll_distances", "simclr_mds", "run_claims",
           "DEFAULT_INVARIANCE", "QUICK_INVARIANCE", "REFERENCE_WEIGHTS", "REGIMES", "RELATIONS",
           "METHODS", "METHOD_HYPERPARAMETERS", "SOLUTIONS", "DEFAULTS", "QUICK", "MDS_SETTINGS",
           "SWISS_ROLL_ROWS", "TABLE_COLUMNS", "PAIRS_COLUMNS", "MDS_COLUMNS", "CLAIM_COLUMNS",
           "CSV_COLUMNS", "CLAIMS", "MANIFOLD_CLAIM", "USER_DATA_MAX_SAMPLES",
           "MIN_SAMPLES_PER_CLASS", "REPORT_FILES", "WIDTH"]
