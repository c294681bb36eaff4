"""Argument checks: a mistyped option is answered with the closest valid one, counts accept 5.0."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from spectral_ssl import graphs, solve
from spectral_ssl._validation import check_integer, check_option, suggest

METHODS = ("barlow_twins", "simclr", "spectral_contrastive", "vicreg")
LISTED = "'barlow_twins', 'simclr', 'spectral_contrastive', 'vicreg'"


@pytest.mark.parametrize("typed, meant", [
    ("VICReg", "vicreg"),                 # case
    ("simclr ", "simclr"),                # trailing space
    ("barlow-twins", "barlow_twins"),     # '-' for '_'
    ("spectral contrastive", "spectral_contrastive"),
    ("vicrg", "vicreg"),                  # a dropped letter
    ("SimCRL", "simclr"),                 # swapped letters, other case
])
def test_check_option_suggests_the_closest_name(typed, meant):
    expected = f"method must be one of {LISTED}; got {typed!r}. Did you mean {meant!r}?"
    with pytest.raises(ValueError) as error:
        check_option(typed, name="method", options=METHODS)
    assert str(error.value) == expected


@pytest.mark.parametrize("typed", ["byol", "", 3, None, ["vicreg"]])
def test_check_option_without_a_close_name_lists_the_options_only(typed):
    with pytest.raises(ValueError) as error:
        check_option(typed, name="method", options=METHODS)
    assert str(error.value) == f"method must be one of {LISTED}; got {typed!r}."


def test_check_option_returns_a_valid_value_unchanged():
    assert check_option("vicreg", name="method", options=METHODS) == "vicreg"


def test_suggest_prefers_the_exact_case_insensitive_match():
    assert suggest("KNN", ("knn", "kn")) == "knn"
    assert suggest("zzzz", ("knn", "gaussian")) is None


@pytest.mark.parametrize("value, expected", [(5, 5), (5.0, 5), (np.int64(7), 7), (np.float32(8), 8),
                                             (np.uint8(3), 3)])
def test_check_integer_accepts_whole_numbers(value, expected):
    result = check_integer(value, name="n_components", low=1)
    assert result == expected and type(result) is int


@pytest.mark.parametrize("value, kind, message", [
    (5.5, TypeError, "n_components must be an integer, got 5.5"),
    (True, TypeError, "n_components must be an integer, got True"),
    (False, TypeError, "n_components must be an integer, got False"),
    ("5", TypeError, "n_components must be an integer, got '5'"),
    (float("nan"), TypeError, "n_components must be an integer, got nan"),
    (float("inf"), TypeError, "n_components must be an integer, got inf"),
    (0, ValueError, "n_components must be >= 1, got 0"),
    (0.0, ValueError, "n_components must be >= 1, got 0"),
])
def test_check_integer_refuses_what_is_not_a_count(value, kind, message):
    with pytest.raises(kind) as error:
        check_integer(value, name="n_components", low=1)
    assert str(error.value).startswith(message)


# --------------------------------------------------------------------------- through solve

G4 = graphs.from_groups(np.repeat(np.arange(4), 2))


def test_solve_suggests_the_method_meant():
    with pytest.raises(ValueError, match=r"got 'VICReg'\. Did you mean 'vicreg'\?$"):
        solve("VICReg", G4, 2)


def test_solve_suggests_the_regime_meant():
    X = np.random.default_rng(0).standard_normal((8, 3))
    with pytest.raises(ValueError, match=r"regime must be one of .*; got 'Linear'\. Did you mean 'linear'\?$"):
        solve("vicreg", G4, 2, X=X, regime="Linear")


def test_solve_accepts_integral_float_counts():
    # 4 groups of 2: Laplacian eigenvalues 0 (x3, the group indicators) and 2; with
    # invariance 0.1 the scales are 1 - 0.1 * lambda: two directions of variance 1.
    rep = solve("vicreg", G4, 2.0, variance=1.0, covariance=1.0, invariance=0.1)
    assert rep.Z.shape == (8, 2)
    assert np.allclose(rep.scales, [1.0, 1.0])


def test_solve_refuses_a_fractional_count_with_its_name():
    with pytest.raises(TypeError, match=r"^n_components must be an integer, got 2\.5"):
        solve("vicreg", G4, 2.5)
    with pytest.raises(TypeError, match=r"^restarts must be an integer, got 1\.5"):
        solve("simclr", G4, 2, restarts=1.5)


def test_docstring_examples_run():
    import doctest

    import spectral_ssl._validation as validation

    result = doctest.testmod(validation)
    assert result.attempted >= 5 and result.failed == 0


@pytest.mark.parametrize("dtype", ["timedelta64[s]", "datetime64[s]"])
def test_durations_and_dates_are_not_features(dtype):
    # numpy counts timedelta64 as an integer type; a duration is not a feature value.
    from spectral_ssl import graphs

    X = np.arange(12).reshape(6, 2).astype(dtype)
    with pytest.raises(TypeError, match=r"^X must be a real numeric array, got dtype (timedelta|datetime)64\[s\]\.$"):
        graphs.knn(X, 2)



def test_range_errors_name_their_argument_in_an_attribute():
    import pickle

    from spectral_ssl._validation import renamed_argument_error

    with pytest.raises(ValueError, match=r"^n_components must be >= 1, got 0\.$") as caught:
        check_integer(0, name="n_components", low=1)
    assert type(caught.value) is ValueError and caught.value.argument == "n_components"
    renamed = renamed_argument_error(caught.value, "--n-components")
    assert (str(renamed), renamed.argument) == ("--n-components: n_components must be >= 1, got 0.", "--n-components")
    with pytest.raises(ValueError, match=r"^n_components=30 is larger than") as caught:
        solve("vicreg", G4, 30)
    assert caught.value.argument == "n_components"
    back = pickle.loads(pickle.dumps(caught.value))
    assert (type(back), str(back), back.argument) == (ValueError, str(caught.value), "n_components")
    with pytest.raises(ValueError) as caught:
        check_option("x", name="kind", options=("a",))
    assert not hasattr(caught.value, "argument")


def test_a_refused_report_folder_names_its_option_in_an_attribute(tmp_path):
    from spectral_ssl._files import check_output_folder
    from spectral_ssl._validation import renamed_argument_error

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match=r"^out_dir: .* holds 'notes\.txt'") as caught:
        check_output_folder(tmp_path, option="out_dir", allowed=("report.*",))
    assert caught.value.argument == "out_dir"
    renamed = str(renamed_argument_error(caught.value, "--out"))
    assert renamed == "--out: " + str(caught.value).removeprefix("out_dir: ")


def _count_calls():
    """One call per count check converted to check_integer (#18), with the count as ``value``."""
    from spectral_ssl import linalg, moments, spectral
    from spectral_ssl.certify import certify
    from spectral_ssl.experiments import datasets, probe
    from spectral_ssl.experiments.claims import sampling, stats

    X = np.random.default_rng(0).standard_normal((12, 2))
    Z = np.random.default_rng(1).standard_normal((12, 2))
    y = np.arange(12) % 2
    return {
        "Kernel degree": lambda v: linalg.Kernel("polynomial", degree=v).degree,
        "make_views n_views": lambda v: graphs.make_views(X, v, augment="noise")[0].shape[0] // 12,
        "knn n_neighbors": lambda v: graphs.knn(X, v).getnnz(axis=1).min() >= v,
        "knn_geodesics n_neighbors": lambda v: spectral.knn_geodesics(X, v).shape[0],
        "chunk_size": lambda v: float(moments.reductions(X, chunk_size=v).covariance.sum()),
        "vicreg restarts": lambda v: solve("vicreg", G4, 2, variance_kind="hinge", restarts=v).rank,
        "certify restarts": lambda v: certify("vicreg", G4, 1, restarts=v, max_iter=50).passed,
        "dataset n_samples": lambda v: datasets.swiss_roll(v)[0].shape[0],
        "claims count": lambda v: sampling.check_count(v, "n", 1),
        "n_seeds": lambda v: len(stats.seed_generators(0, v)),
        "probe max_iter": lambda v: probe.linear_probe(Z, y, Z, y, max_iter=v) is not None,
    }


@pytest.mark.parametrize("case", sorted(_count_calls()))
def test_counts_accept_integral_floats_and_numpy_integers_alike(case):
    # Before #18 these checks were hand-written: 3.0 was refused by most, np.int64 by some.
    call = _count_calls()[case]
    expected = call(3)
    assert call(3.0) == expected and call(np.int64(3)) == expected and call(np.float32(3)) == expected
    with pytest.raises(TypeError, match="must be an integer, got 3.5"):
        call(3.5)
    with pytest.raises(TypeError, match="must be an integer, got True"):
        call(True)


def _path_graph(n=6, weight=1.0):
    """A symmetric path graph as CSR."""
    import scipy.sparse as sp

    upper = sp.diags([np.full(n - 1, weight)], [1], shape=(n, n))
    return sp.csr_matrix(upper + upper.T)


def test_check_graph_accepts_round_off_asymmetry_and_refuses_a_real_one():
    from spectral_ssl._validation import check_graph

    G = _path_graph().tolil()
    G[0, 1] = 1.0 + 1e-13  # below SYMMETRY_RTOL = 1e-10 of the weight: the tolerance path
    given = G.tocsr()
    out = check_graph(given)
    # accepted as (G + G.T) / 2, exactly symmetric, the graph the losses and the solvers share;
    # the caller's matrix is left as it was
    assert out[0, 1] == out[1, 0] == (1.0 + 1e-13 + 1.0) / 2
    assert out is not given and given[0, 1] == 1.0 + 1e-13 and given[1, 0] == 1.0
    assert (out != out.T).nnz == 0 and out.nnz == given.nnz
    exact = _path_graph()
    assert check_graph(exact).nnz == exact.nnz and (check_graph(exact) != exact).nnz == 0
    G[0, 1] = 1.0 + 1e-8
    with pytest.raises(ValueError, match=r"G is not symmetric \(max \|G - G\.T\| = 1e-08; "
                                         r"G\[0, 1\] = 1\.00000001 but G\[1, 0\] = 1\.0\)"):
        check_graph(G.tocsr())


def test_check_graph_drops_explicit_zeros_and_refuses_non_finite_or_negative_weights():
    import scipy.sparse as sp

    from spectral_ssl._validation import check_graph

    G = _path_graph()
    G.data[[0, 1]] = 0.0  # the pair (0, 1) stored as explicit zeros
    out = check_graph(G)
    assert out.nnz == G.nnz - 2 and out[0, 1] == 0 and out[1, 2] == 1.0
    for bad in (np.inf, -np.inf, np.nan):
        H = _path_graph()
        H.data[:] = bad
        with pytest.raises(ValueError, match=r"G contains NaN or inf; relation weights must be finite"):
            check_graph(H)
    H = _path_graph()
    H.data[[0, 1]] = -2.5
    with pytest.raises(ValueError, match=r"G has negative weights \(min -2\.5\)"):
        check_graph(H)
    with pytest.raises(ValueError, match=r"G is empty \(no positive pairs\)"):
        check_graph(sp.csr_matrix((np.zeros(2), ([0, 1], [1, 0])), shape=(3, 3)))


def test_masked_arrays_are_refused_rather_than_read_with_their_hidden_values():
    from spectral_ssl import forms, graphs
    from spectral_ssl._validation import check_features, check_graph

    values = np.random.default_rng(7).standard_normal((20, 3))
    X = np.ma.masked_array(values, mask=np.zeros(values.shape, bool))
    X.mask[3, 1] = True
    message = (r"X is a masked array, whose mask would be ignored \(the hidden values used\); fill "
               r"the masked entries \(X\.filled\(value\)\) or drop those samples first\.")
    with pytest.raises(TypeError, match=message):
        check_features(X)
    G = graphs.knn(values, 3)
    with pytest.raises(TypeError, match=message):
        forms.feature_reductions(X, G)
    with pytest.raises(TypeError, match=r"G is a masked array, whose mask would be ignored \(the "
                                        r"hidden weights used\); fill the masked entries"):
        check_graph(np.ma.masked_array(G.toarray()))


def test_a_graph_whose_degrees_overflow_is_refused_with_the_fix():
    # finite weights of 1e308 gave an infinite spectral contrastive loss marked exact (and
    # "Infinity" in the CLI's JSON), and raw errors from the other methods
    from spectral_ssl._validation import LARGEST_VOLUME, check_graph

    path = sp.diags([1.0, 1.0], [-1, 1], shape=(3, 3), format="csr")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning on the way
        with pytest.raises(ValueError, match=r"^G has weights whose sum overflows float64 \(the degrees "
                                             r"and the volume would be infinite\)\. Rescale it, e\.g\. "
                                             r"G / G\.max\(\)"):
            check_graph(path * 1e308)
        assert check_graph(path * (LARGEST_VOLUME / 4)).sum() == pytest.approx(LARGEST_VOLUME)


def test_solve_suggests_a_spelling_for_every_mistyped_keyword():
    # with two unknown keywords only the alphabetically first got a "did you mean" ('foo')
    G = graphs.from_groups(np.repeat(np.arange(5), 2))
    with pytest.raises(TypeError, match=r"unexpected keyword arguments 'foo', 'invarance':.* For 'invarance', "
                                        r"did you mean 'invariance'\?$"):
        solve("vicreg", G, 2, invarance=1.0, foo=2)
    with pytest.raises(TypeError, match=r"For 'invarance', did you mean 'invariance'\? For 'varience', did "
                                        r"you mean 'variance'\?$"):
        solve("vicreg", G, 2, invarance=1.0, varience=2.0)
