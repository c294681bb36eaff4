"""How each number of the report was obtained: the notes printed under its tables."""

from ..experiments.claim_runs import MANIFOLD_CLAIM, claim_settings
from ..experiments.method_table import REGIMES
from ..experiments.simclr_mds import MDS_SETTINGS, SWISS_ROLL_ROWS


def notes(data, relation, n_neighbors, kernel_train, sizes, restarts, bandwidth, probe, problems,
          seed, n_components, max_iter, methods, pairs, mds_rows, claim_sets, quick, user_data,
          components):
    """The notes of the report: one sentence or paragraph per part, from the settings and sizes.

    ``components`` is the number of connected components of the non-parametric problem's graph
    (it decides whether Barlow Twins has its loss-zero closed form).
    """
    train, test = data.train, data.test
    majority = data.chance
    relation_text = (
        "augmentation pairs only (each view linked to the other view of its image)"
        if relation == "views" else
        f"augmentation pairs + symmetrised {n_neighbors}-nearest-neighbour graph among the views "
        f"(G = max(G_pairs, G_kNN), binary); pairs alone make the non-parametric optimum "
        f"degenerate (every pair-indicator direction has Laplacian eigenvalue 0)"
    )
    cert_text = (
        "the full problems" if sizes["certify_images"] is None else
        f"the same construction restricted to a stratified subsample of {sizes['certify_images']} "
        f"of each regime's images (N = 2 x images view rows, column 'cert. N'), because "
        f"random-restart L-BFGS on the full problems takes minutes per row; the full problems' "
        f"optimality is backed by the "
        f"gradient norm at the closed form ('grad. norm', w.r.t. Z, (W, b) or (A, b))"
    )
    main = {regime: problems["main", regime] for regime in REGIMES}
    notes = [
        f"Data: {data.description}, stratified split into {train.size} train / {test.size} test "
        f"{'samples' if user_data else 'images'} (seed {seed})"
        + ("; each sample is called an 'image' below." if user_data else "."),
        f"Views: 2 per image (graphs.make_views: {data.view_text}).",
        f"Relation: {relation_text}. Labels are never used to build G. 'components of G' = number "
        "of connected components of the graph the row's optimum was computed on.",
        f"Regimes: nonparametric = Z free on the {main['nonparametric'].G.shape[0]} views of all "
        f"images (transductive); linear = Z = XW + b fitted on the {main['linear'].G.shape[0]} "
        f"views of the training images; kernel = Z = K_X A + b (rbf, bandwidth {bandwidth:.4g} = "
        f"median pairwise distance) fitted on the {main['kernel'].G.shape[0]} views of "
        + (f"a stratified subsample of {kernel_train.size} training images (the kernel regime costs "
           f"O(N^3) in the number of views)" if kernel_train.size < train.size
           else "all training images") + ".",
    ]
    if "vicreg" in methods:
        notes.append(
            "VICReg: square variance penalty, covariances with 1/N. Rows 'var=1 cov=1 inv=r' (r = "
            "invariance/variance) have t_k = max(0, 1 - r lambda_k); the reference row uses "
            "(variance, covariance, invariance) = (25, 1, 25): covariance < variance, the "
            "water-filling optimum. rank = number of directions with t_k > 0.")
    if "spectral_contrastive" in methods:
        notes.append(
            "Spectral contrastive: Eckart-Young closed form in every regime (top-K eigenvectors of "
            "D^-1/2 G D^-1/2, restricted to the span of the features in the linear and kernel "
            "regimes); rank = number of positive eigenvalues used.")
    numerical = problems["numerical", "nonparametric"]
    if "barlow_twins" in methods:
        c = components
        nonparametric = (
            f"the loss-zero closed form (K = {n_components} <= {c} components)" if c >= n_components
            else f"no closed form since K = {n_components} > {c} component(s) (open problem): the loss "
                 f"is minimised numerically (reduced K x K problem, then L-BFGS on Z from it, from the "
                 f"whitened optimum and from 1 random start) on the {numerical.G.shape[0]} views of a "
                 f"stratified subsample of {numerical.images.size} images")
        notes.append(
            "Barlow Twins: the paper's uncentred form, off_diagonal lambda = 0.005. Non-parametric: "
            f"{nonparametric}. Linear and kernel: CCA (kernel CCA, unregularised), exact for the "
            "problem with within-view whitening (solution 'whitened'); the certificate minimises "
            "the unconstrained loss, which goes lower (docs/theory.md section 5: without whitening "
            "Barlow Twins can beat CCA), so its verdict 'lower' is the expected outcome and the gap is its "
            "size; the gradient norm at CCA is not zero for the same reason. rank = number of "
            "column singular values of D^1/2 Z / sqrt(vol) above 1e-6 times the largest.")
    if "simclr" in methods:
        notes.append(
            "SimCLR (temperature 0.5): no closed form outside equal cliques, so every regime is "
            f"minimised numerically (exact=False; L-BFGS with the analytic gradient from {restarts} "
            f"starts, at most {max_iter} iterations each: Laplacian Eigenmaps / LPP directions, then "
            "random), on a stratified subsample of "
            f"{numerical.images.size} images ({numerical.G.shape[0]} views: all images' subsample for "
            f"the non-parametric regime, the training images' for the others) because each loss "
            "evaluation costs O(N^2 K). The non-parametric probe is then transductive within the "
            "subsample (fewer test images: a noisier accuracy). rank = number of singular values of "
            "the row-normalised Z above 1e-3 times the largest. 'grad. norm' at a numerical optimum "
            "should be small (a stationary point); SimCLR's loss is not smooth where a row of Z is 0 "
            "(its direction is undefined), and in the linear and kernel regimes a row z_i = x_i W + b "
            "can pass near 0, where L-BFGS stalls with a large gradient: such a row is a stalled run, "
            "not an optimum.")
    notes.append(
        f"Certificate: spectral_ssl.certify.certify with {restarts} random restarts of L-BFGS-B. "
        f"Closed forms (solution 'exact' or 'whitened') are certified on {cert_text}. Numerical "
        "optima are certified on their own problem ('cert. N' = N): independent restarts that the "
        "solver's result should not lose to ('beaten' if one does: the solver found a worse local "
        "minimum). 'cert. rel. gap' = (optimum's loss - best numerical loss) / max(1, |best|): "
        "<= 1e-8 passes; a negative value means the optimum is lower than every restart. "
        f"Each restart runs at most {max_iter} L-BFGS-B iterations; 'cert. conv.' counts the restarts "
        "that met L-BFGS-B's own stopping rule before that cap. Only a failed certificate of an "
        "'exact' row is an error (exit code 1).")
    notes.append(
        f"Probe: {probe} on the whitened span of the representation, predicting the class of "
        "held-out test images. Linear/kernel: trained on transform(train images), tested on "
        "transform(test images) (clean images, not views). Nonparametric: transductive, the 2 view "
        "rows of each image averaged. Whitening makes the probe depend only on the span kept (the "
        f"directions and the rank), not on their variances or the basis. Chance (majority class of the test images) = {majority:.3f}.")
    if pairs:
        sizes_text = " and ".join(str(p.images.size) for p in pairs)
        notes.append(
            f"Rank against components: the augmentation-pairs relation of {sizes_text} randomly "
            f"chosen images (seed {seed}), whose graph has one component per image; non-parametric "
            "optima certified on the problem itself (no probe: too few images). VICReg at the "
            "smallest and the largest invariance ratio of the sweep. Expected (docs/theory.md sections 2-5): "
            "spectral contrastive rank min(K, c) (eigenvalue 1 on each component indicator, -1 on "
            "each within-pair contrast); SimCLR's closed form when c - 1 <= K (equal cliques: a "
            "regular simplex, rank c - 1); Barlow Twins' loss-zero closed form when K <= c (rank K), "
            "numerical otherwise; VICReg keeps the within-pair contrasts (Laplacian eigenvalue 2) "
            "while invariance/variance < 1/2, so its rank can exceed c.")
    if mds_rows:
        first = mds_rows[0]
        notes.append(
            f"SimCLR vs MDS: a swiss roll of {first['n_samples']} points (report.swiss_roll: the "
            f"surface of scikit-learn's make_swiss_roll, 1.5 turns, sampled on a jittered "
            f"{SWISS_ROLL_ROWS}-row grid so that no kNN edge links two turns; seed {seed}). "
            "Relations G_ij = exp(-delta_ij^2 / (2 sigma^2)) with delta the Euclidean "
            f"distance or the shortest path in the {MDS_SETTINGS['n_neighbors']}-NN graph (ISOMAP's "
            "distance) and sigma = the median of delta. SimCLR (K = "
            f"{first['n_components']}, tau = {first['temperature']:g}) optimised by one L-BFGS run "
            f"from the Laplacian Eigenmaps start (at most {MDS_SETTINGS['max_iter']} iterations). "
            "Theorem 2: the loss is at least bound = -sum_ij G_ij log(G_ij / d_i), with equality iff "
            "the squared chord distances equal the MDS target -2 tau log G_ij = (tau / sigma^2) "
            "delta_ij^2 up to one constant. 'Spearman' / 'Pearson': correlation of the chord "
            "distances with the target (Pearson on sqrt of the target) over all pairs; 'stress': "
            "calibrated residual (0 = bound attained); 'Spearman, other target': the same "
            "representation against the other relation's target; \"targets' Spearman\": the two "
            "targets against each other, the agreement a representation would have with the other "
            "target if it reproduced its own exactly.")
    if claim_sets is not None:
        where = ("your data (" + claim_sets[0].description + ")" if user_data else
                 " and ".join(d.description for d in claim_sets))
        notes.append(
            "Claims: the functions of spectral_ssl.experiments.claims with the settings of "
            f"claims.run_all{' (quick: fewer seeds and regimes, indicative only)' if quick else ''} "
            f"(seed {seed}): aligned_graph, low_data_regime, misaligned_graph and rank_collapse on "
            f"{where}; local_vs_global once, on swiss rolls of "
            f"{claim_settings(quick)[MANIFOLD_CLAIM]['n_samples']} points, because it compares "
            "distances with the roll's known intrinsic (unrolled) coordinates, which labelled data "
            "does not have. Each claim runs design checks first (a setting that cannot show the "
            "effect is void), measures every number on several seeds, and judges each wording of "
            "the paper from 95% intervals (split over the looks where a comparison gets further "
            "seeds): supported, not supported or inconclusive.")
    return notes
