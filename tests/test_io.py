"""Tests of spectral_ssl.io: every format round-trips, every malformed file is refused by name."""

import os
import re
import warnings

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp

from spectral_ssl import io

# A small weighted graph written out by hand: edges 0-1 (2.0), 1-2 (0.5), 2-3 (1.0), 0-3 (3.0).
EDGES = [(0, 1, 2.0), (1, 2, 0.5), (2, 3, 1.0), (0, 3, 3.0)]
DENSE = np.zeros((4, 4))
for _i, _j, _w in EDGES:
    DENSE[_i, _j] = DENSE[_j, _i] = _w
FEATURES = np.array([[0.5, -1.0, 2.0], [1.25, 0.0, -3.5], [2.0, 4.0, 0.125], [-7.0, 1e-3, 6.0]])


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def csv_lines(rows):
    return "".join(",".join(str(v) for v in row) + "\n" for row in rows)


# --------------------------------------------------------------------------- features


def test_features_npy_round_trip(tmp_path):
    np.save(tmp_path / "X.npy", FEATURES.astype(np.float32))
    X = io.load_features(tmp_path / "X.npy")
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X, FEATURES.astype(np.float32).astype(np.float64))


@pytest.mark.parametrize("header", ["", "a,b,c\n"])
def test_features_csv_round_trip_with_and_without_header(tmp_path, header):
    path = write(tmp_path / "X.csv", header + csv_lines(FEATURES.tolist()))
    X = io.load_features(path)
    assert X.shape == (4, 3)
    np.testing.assert_array_equal(X, FEATURES)


def test_features_csv_with_byte_order_mark_keeps_first_row(tmp_path):
    # Spreadsheet programs prepend a UTF-8 BOM; the first data line must not become a header.
    path = tmp_path / "X.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_lines(FEATURES.tolist()).encode())
    np.testing.assert_array_equal(io.load_features(path), FEATURES)


def test_features_accepts_str_path_and_uppercase_extension(tmp_path):
    np.save(tmp_path / "X.npy", FEATURES)
    os.rename(tmp_path / "X.npy", tmp_path / "X.NPY")
    np.testing.assert_array_equal(io.load_features(str(tmp_path / "X.NPY")), FEATURES)


# --------------------------------------------------------------------------- labels


def test_labels_npy_round_trip(tmp_path):
    np.save(tmp_path / "y.npy", np.array([3, 1, 1, 2]))
    np.testing.assert_array_equal(io.load_labels(tmp_path / "y.npy"), [3, 1, 1, 2])


@pytest.mark.parametrize("name", ["y.csv", "y.txt"])
def test_labels_text_integers_with_header(tmp_path, name):
    path = write(tmp_path / name, "label\n3\n1\n1.0\n2\n")
    y = io.load_labels(path, n_samples=4)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, [3, 1, 1, 2])


def test_labels_text_fractional_numbers_stay_float(tmp_path):
    y = io.load_labels(write(tmp_path / "y.txt", "0.5\n2\n"))
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [0.5, 2.0])


def test_labels_text_names(tmp_path):
    y = io.load_labels(write(tmp_path / "y.csv", "cat\ndog\n\ncat\n"))
    assert y.tolist() == ["cat", "dog", "cat"]


def test_labelled_csv_with_label_column(tmp_path):
    path = write(tmp_path / "data.csv", "f1,Label,f2\n1,0,2\n3,1,4.5\n-1,0,0\n")
    X, y = io.load_labelled_data(path)
    np.testing.assert_array_equal(X, [[1.0, 2.0], [3.0, 4.5], [-1.0, 0.0]])
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, [0, 1, 0])


def test_labelled_data_with_separate_label_file(tmp_path):
    np.save(tmp_path / "X.npy", FEATURES)
    write(tmp_path / "y.txt", "a\nb\na\nb\n")
    X, y = io.load_labelled_data(tmp_path / "X.npy", tmp_path / "y.txt")
    np.testing.assert_array_equal(X, FEATURES)
    assert y.tolist() == ["a", "b", "a", "b"]


@pytest.mark.parametrize("name", ["target", "TARGET", "labels", "y", "Class", "label"])
def test_labelled_csv_accepts_every_label_column_name(tmp_path, name):
    path = write(tmp_path / "data.csv", f"f1,{name},f2\n1,0,2\n3,1,4.5\n-1,0,0\n")
    X, y = io.load_labelled_data(path)
    np.testing.assert_array_equal(X, [[1.0, 2.0], [3.0, 4.5], [-1.0, 0.0]])
    np.testing.assert_array_equal(y, [0, 1, 0])


def test_labelled_csv_with_two_label_columns_is_refused_naming_both(tmp_path):
    path = write(tmp_path / "data.csv", "x,y,label\n1,2,0\n3,4,1\n")
    with pytest.raises(ValueError, match=r"exactly one column named 'label' .*found 2: 'y' and 'label'; "
                                         r"keep one, or rename the others"):
        io.load_labelled_data(path)


@pytest.mark.parametrize("name", ["label", "Target", "y", "CLASS", "labels"])
def test_label_column_left_among_features_with_separate_labels_is_refused(tmp_path, name):
    # The case: the probe scored 1.000 because the label was also a feature.
    path = write(tmp_path / "X.csv", f"f1,{name},f2\n1,0,2\n3,1,4\n5,0,6\n")
    write(tmp_path / "y.txt", "0\n1\n0\n")
    message = (f"--data: '{re.escape(os.fspath(path))}' has a column named '{name}' among the features "
               f"while the labels come from --labels; a label used as a feature makes the probe "
               f"trivially accurate. Remove that column")
    with pytest.raises(ValueError, match="^" + message):
        io.load_labelled_data(path, tmp_path / "y.txt")


def test_features_csv_without_label_names_and_separate_labels_is_read(tmp_path):
    path = write(tmp_path / "X.csv", "f1,f2\n1,2\n3,4\n")
    write(tmp_path / "y.txt", "target\n0\n1\n")  # 'target' as the header of a label file
    X, y = io.load_labelled_data(path, tmp_path / "y.txt")
    np.testing.assert_array_equal(X, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(y, [0, 1])


@pytest.mark.parametrize("header", ["label", "Labels", "target", "y", "class"])
def test_label_file_header_names(tmp_path, header):
    y = io.load_labels(write(tmp_path / "y.csv", f"{header}\n2\n0\n"), n_samples=2)
    np.testing.assert_array_equal(y, [2, 0])


def test_csv_cells_are_parsed_by_the_csv_module(tmp_path):
    # Quoted numbers and quoted names with commas, CRLF line endings, a blank line.
    path = write(tmp_path / "data.csv", '"f,1","label","f2"\r\n"1.5",cat,2\r\n\r\n3,"dog, big",-4\r\n')
    X, y = io.load_labelled_data(path)
    np.testing.assert_array_equal(X, [[1.5, 2.0], [3.0, -4.0]])
    assert y.tolist() == ["cat", "dog, big"]
    labels = io.load_labels(write(tmp_path / "y.csv", '"a, b"\nc\n'))
    assert labels.tolist() == ["a, b", "c"]


def test_row_of_empty_cells_is_refused_not_dropped(tmp_path):
    with pytest.raises(ValueError, match=r"data row 2 has the non-numeric value ''"):
        io.load_features(write(tmp_path / "X.csv", "1,2\n,\n3,4\n"))


def test_unterminated_quote_is_a_clear_error(tmp_path):
    # The quote runs to the end of the file: one cell on row 2, so the widths differ.
    path = write(tmp_path / "X.csv", '1,2\n"3,4\n5,6\n')
    with pytest.raises(ValueError, match=r"X: rows of '.*X\.csv' have different numbers of columns "
                                         r"\(\[1, 2\]\)"):
        io.load_features(path)


# --------------------------------------------------------------------------- graphs


def assert_graph(G, expected):
    assert sp.issparse(G) and G.format == "csr" and G.dtype == np.float64
    np.testing.assert_array_equal(G.toarray(), expected)


def test_graph_npz_round_trip_stays_sparse(tmp_path):
    sp.save_npz(tmp_path / "G.npz", sp.csr_matrix(DENSE))
    assert_graph(io.load_graph(tmp_path / "G.npz"), DENSE)


def test_graph_npz_coo_format(tmp_path):
    sp.save_npz(tmp_path / "G.npz", sp.coo_matrix(DENSE))
    assert_graph(io.load_graph(tmp_path / "G.npz"), DENSE)


def test_graph_mtx_round_trip(tmp_path):
    scipy.io.mmwrite(tmp_path / "G.mtx", sp.coo_matrix(DENSE))
    assert_graph(io.load_graph(tmp_path / "G.mtx"), DENSE)


def test_graph_mtx_symmetric_storage(tmp_path):
    scipy.io.mmwrite(tmp_path / "G.mtx", sp.coo_matrix(DENSE), symmetry="symmetric")
    assert_graph(io.load_graph(tmp_path / "G.mtx"), DENSE)


@pytest.mark.parametrize("symmetry", [None, "symmetric"])
def test_graph_mtx_dense_array_layout(tmp_path, symmetry):
    # scipy.io.mmwrite of a dense symmetric array stores one triangle, n(n+1)/2 values: it was
    # refused as "truncated or damaged" (the check expected n^2 values)
    scipy.io.mmwrite(tmp_path / "G.mtx", DENSE, symmetry=symmetry)
    banner = (tmp_path / "G.mtx").read_text().splitlines()[0]
    assert banner.split()[2:] == ["array", "real", symmetry or "symmetric"]  # mmwrite detects it
    assert_graph(io.load_graph(tmp_path / "G.mtx"), DENSE)
    # a file cut short is still refused
    lines = (tmp_path / "G.mtx").read_text().splitlines()
    (tmp_path / "cut.mtx").write_text("\n".join(lines[:-4]) + "\n")
    with pytest.raises(ValueError, match=r"declares 10 entries but only \d+ bytes follow: truncated"):
        io.load_graph(tmp_path / "cut.mtx")


def test_graph_dense_npy_round_trip(tmp_path):
    np.save(tmp_path / "G.npy", DENSE)
    assert_graph(io.load_graph(tmp_path / "G.npy", n_samples=4), DENSE)


def test_graph_edge_list_each_edge_once(tmp_path):
    path = write(tmp_path / "G.csv", "i,j,weight\n" + csv_lines(EDGES))
    assert_graph(io.load_graph(path), DENSE)


def test_graph_edge_list_both_directions(tmp_path):
    both = EDGES + [(j, i, w) for i, j, w in EDGES]
    assert_graph(io.load_graph(write(tmp_path / "G.csv", csv_lines(both))), DENSE)


def test_graph_edge_list_without_weights_and_isolated_samples(tmp_path):
    # 6 samples, only 0-1 and 1-2 related: samples 3..5 stay isolated rows of zeros.
    G = io.load_graph(write(tmp_path / "G.csv", "0,1\n1,2\n"), n_samples=6)
    expected = np.zeros((6, 6))
    expected[0, 1] = expected[1, 0] = expected[1, 2] = expected[2, 1] = 1.0
    assert_graph(G, expected)


def test_graph_edge_list_size_is_largest_index_plus_one(tmp_path):
    assert io.load_graph(write(tmp_path / "G.csv", "0,4\n")).shape == (5, 5)


# --------------------------------------------------------------------------- errors: files


@pytest.mark.parametrize("loader, argument", [
    (io.load_features, "X"), (io.load_labels, "labels"), (io.load_graph, "G")])
def test_missing_file(tmp_path, loader, argument):
    suffix = ".npy"
    path = tmp_path / f"absent{suffix}"
    with pytest.raises(FileNotFoundError, match=re.escape(f"{argument}: file {str(path)!r} does not exist.")):
        loader(path)


def test_directory_instead_of_file(tmp_path):
    (tmp_path / "X.npy").mkdir()
    with pytest.raises(ValueError, match=r"--X: '.*X\.npy' is a folder; give the path of a file\."):
        io.load_features(tmp_path / "X.npy", argument="--X")


@pytest.mark.parametrize("loader, name, expected", [
    (io.load_features, "X.txt", ".npy, .csv"),
    (io.load_labels, "y.json", ".npy, .csv, .txt"),
    (io.load_graph, "G.mat", ".npz, .mtx, .npy, .csv"),
    (io.load_graph, "G", ".npz, .mtx, .npy, .csv"),
])
def test_bad_extension(tmp_path, loader, name, expected):
    path = write(tmp_path / name, "1\n")
    suffix = os.path.splitext(name)[1] or "(none)"
    with pytest.raises(ValueError, match=re.escape(f"has extension {suffix!r}; expected one of {expected}.")):
        loader(path)


def test_pickled_object_npy_is_refused(tmp_path):
    np.save(tmp_path / "X.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"X: cannot read '.*X\.npy' as a numeric \.npy array "
                                         r"\(Object arrays cannot be loaded when allow_pickle=False\)"):
        io.load_features(tmp_path / "X.npy")


def test_text_saved_as_npy_is_not_called_pickled(tmp_path):
    write(tmp_path / "X.npy", "1,2\n3,4\n")
    with pytest.raises(ValueError, match=r"X: '.*X\.npy' is not a \.npy file \(no NumPy header\); "
                                         r"save the array with numpy\.save"):
        io.load_features(tmp_path / "X.npy")


def test_truncated_npy(tmp_path):
    np.save(tmp_path / "X.npy", FEATURES)
    data = (tmp_path / "X.npy").read_bytes()
    (tmp_path / "X.npy").write_bytes(data[:-8])
    with pytest.raises(ValueError, match=r"X: cannot read '.*X\.npy' as a numeric \.npy array"):
        io.load_features(tmp_path / "X.npy")


def test_binary_csv(tmp_path):
    (tmp_path / "X.csv").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ValueError, match=r"X: '.*X\.csv' is not a UTF-8 text file"):
        io.load_features(tmp_path / "X.csv")


#: Text files that a loader must refuse: (loader, file name, content, keyword
#: arguments, exception, message pattern), one row per mistake.
TEXT_FILE_ERRORS = [
    pytest.param(io.load_features, "X.csv", "\n\n", {}, ValueError,
                 r"X: '.*X\.csv' is empty\.",
                 id="empty_csv"),
    pytest.param(io.load_features, "X.csv", "1,2,3\n4,5\n", {}, ValueError,
                 r"rows of '.*X\.csv' have different numbers of columns \(\[2, 3\]\); every row "
                 r"needs the same number",
                 id="ragged_csv"),
    pytest.param(io.load_features, "X.csv", "1,x\n3,4\n", {}, ValueError,
                 r"line 1 of '.*X\.csv' mixes numbers and text \('x'\)",
                 id="first_line_mixing_numbers_and_text_is_not_a_header"),
    pytest.param(io.load_features, "X.csv", "1,2\n3,nan\n", {}, ValueError,
                 r"X \(.*X\.csv\) contains NaN or inf; remove or impute",
                 id="nan_feature"),
    pytest.param(io.load_labels, "y.txt", "1\n2\n3\n", {"n_samples": 4}, ValueError,
                 r"labels: '.*y\.txt' has 3 labels but the features have 4 samples; give one label "
                 r"per sample",
                 id="labels_count_mismatch"),
    pytest.param(io.load_labels, "y.csv", "1,2\n3,4\n", {}, ValueError,
                 r"must hold one label per line with no commas",
                 id="labels_with_commas"),
    pytest.param(io.load_labels, "y.txt", "label\n", {}, ValueError,
                 r"has a header but no labels\.",
                 id="labels_header_only"),
    pytest.param(io.load_labelled_data, "d.csv", "a,b\n1,2\n", {}, ValueError,
                 r"--data: '.*d\.csv' needs a header line with exactly one column named 'label'",
                 id="labelled_csv_without_label_column"),
    pytest.param(io.load_labelled_data, "d.csv", "f1,label\n", {}, ValueError,
                 r"--data: '.*d\.csv' has a header but no data rows\.",
                 id="labelled_csv_header_only"),
    pytest.param(io.load_labelled_data, "d.csv", "f1,label,f2\n1,0,2\n3,1\n", {}, ValueError,
                 r"some rows of '.*d\.csv' do not have 3 values like the header",
                 id="labelled_csv_ragged"),
    pytest.param(io.load_labelled_data, "d.csv", "f1,label\n1,a\nq,b\n", {}, ValueError,
                 r"data row 2 has the non-numeric value 'q'",
                 id="labelled_csv_non_numeric_feature"),
    pytest.param(io.load_labelled_data, "d.csv", "f1,label\n1,0\n2,nan\n", {}, ValueError,
                 r"contains NaN or inf labels",
                 id="labelled_csv_nan_label"),
    pytest.param(io.load_graph, "G.csv", "0,1\n1,0\n1,2\n", {}, ValueError,
                 r"lists some edges in both directions and others in one.*\(1,2 is listed without "
                 r"2,1\); list every edge once",
                 id="edge_list_mixed_directions"),
    pytest.param(io.load_graph, "G.csv", "0,1,2\n1,0,3\n", {}, ValueError,
                 r"\(0,1 has weight 2 and 1,0 weight 3\)",
                 id="edge_list_both_directions_with_different_weights"),
    pytest.param(io.load_graph, "G.csv", "0,1\n1,2\n0,1\n", {}, ValueError,
                 r"G: '.*G\.csv' lists the edge 0,1 2 times; list each edge once",
                 id="edge_list_duplicate_edge"),
    pytest.param(io.load_graph, "G.csv", "0,1\n2,2\n", {}, ValueError,
                 r"lists the self-loop 2,2; a relation graph has a zero diagonal",
                 id="edge_list_self_loop"),
    pytest.param(io.load_graph, "G.csv", "0,1\n3,7\n", {"argument": "--graph", "n_samples": 5},
                 ValueError,
                 r"--graph: '.*G\.csv' names sample 7 but there are only 5 samples \(indices "
                 r"0\.\.4\)",
                 id="edge_list_index_beyond_n_samples"),
    pytest.param(io.load_graph, "G.csv", "0,1,1,1\n", {}, ValueError,
                 r"has 4 columns; a CSV graph is an edge list with columns i,j or i,j,weight",
                 id="edge_list_wrong_number_of_columns"),
    pytest.param(io.load_graph, "G.csv", "0,1,0\n", {}, ValueError,
                 r"G \(.*G\.csv\) is empty \(no positive pairs\)",
                 id="edge_list_all_zero_weights"),
    pytest.param(io.load_graph, "G.mtx", "not a matrix\n", {}, ValueError,
                 r"G: cannot read '.*G\.mtx' as Matrix Market .*write it with scipy\.io\.mmwrite\.",
                 id="graph_mtx_garbage"),
    pytest.param(io.load_labelled_data, "d.csv", "label\n0\n1\n", {}, ValueError,
                 r"has only the 'label' column; add the feature columns\.",
                 id="labelled_csv_with_only_the_label_column"),
]


@pytest.mark.parametrize("loader, name, content, kwargs, error, pattern", TEXT_FILE_ERRORS)
def test_text_file_errors(tmp_path, loader, name, content, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        loader(write(tmp_path / name, content), **kwargs)



def test_header_only_csv(tmp_path):
    with pytest.raises(ValueError, match=r"X: '.*X\.csv' has a header but no data rows\."):
        io.load_features(write(tmp_path / "X.csv", "a,b\n"))


# --------------------------------------------------------------------------- errors: features


@pytest.mark.parametrize("header", ["", "a,b\n"])
def test_non_numeric_cell(tmp_path, header):
    # Data rows are counted after the header, if any.
    with pytest.raises(ValueError, match=r"X: '.*X\.csv' data row 3 has the non-numeric value 'x'; "
                                         r"features must be numbers\."):
        io.load_features(write(tmp_path / "X.csv", header + "1,2\n3,4\n5,x\n"))


def test_one_dimensional_features(tmp_path):
    np.save(tmp_path / "X.npy", np.arange(4.0))
    with pytest.raises(ValueError, match=r"must be 2-D \(n_samples, n_features\), got 1-D"):
        io.load_features(tmp_path / "X.npy")


# --------------------------------------------------------------------------- errors: labels


def test_labels_two_dimensional_npy(tmp_path):
    np.save(tmp_path / "y.npy", np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"holds an array of shape \(3, 2\); labels must be 1-D"):
        io.load_labels(tmp_path / "y.npy")


@pytest.mark.parametrize("text", ["1\nnan\n", "1\ninf\n"])
def test_labels_not_finite(tmp_path, text):
    # inf used to be cast to a garbage integer before the check.
    with pytest.raises(ValueError, match=r"contains NaN or inf labels; give every sample a label\."):
        io.load_labels(write(tmp_path / "y.txt", text))


def test_labelled_npy_without_labels(tmp_path):
    np.save(tmp_path / "d.npy", FEATURES)
    with pytest.raises(ValueError, match=r"holds no labels; give them with --labels FILE"):
        io.load_labelled_data(tmp_path / "d.npy")


def test_labelled_separate_labels_count(tmp_path):
    np.save(tmp_path / "X.npy", FEATURES)
    with pytest.raises(ValueError, match=r"--labels: '.*y\.txt' has 2 labels but the features have 4"):
        io.load_labelled_data(tmp_path / "X.npy", write(tmp_path / "y.txt", "1\n2\n"))


# --------------------------------------------------------------------------- errors: graphs


@pytest.mark.parametrize("text", ["0,1\n-1,2\n", "0,1.5\n", "0,nan\n"])
def test_edge_list_bad_indices(tmp_path, text):
    with pytest.raises(ValueError, match=r"the first two columns of '.*G\.csv' must be non-negative "
                                         r"integer sample indices \(0-based\)"):
        io.load_graph(write(tmp_path / "G.csv", text))


@pytest.mark.parametrize("weight", ["inf", "nan", "-2"])
def test_edge_list_bad_weights(tmp_path, weight):
    with pytest.raises(ValueError, match=r"edge 1,2 of '.*G\.csv' has weight .*; weights must be "
                                         r"finite and >= 0\."):
        io.load_graph(write(tmp_path / "G.csv", f"0,1,1\n1,2,{weight}\n"))


@pytest.mark.parametrize("name", ["G.npz", "G.npy", "G.mtx"])
def test_graph_size_differs_from_n_samples(tmp_path, name):
    if name == "G.npz":
        sp.save_npz(tmp_path / name, sp.csr_matrix(DENSE))
    elif name == "G.npy":
        np.save(tmp_path / name, DENSE)
    else:
        scipy.io.mmwrite(tmp_path / name, sp.coo_matrix(DENSE))
    with pytest.raises(ValueError, match=rf"--graph: '.*{name}' relates 4 samples but the features "
                                         rf"have 6 rows; the graph and the features must describe"):
        io.load_graph(tmp_path / name, argument="--graph", n_samples=6)


def test_graph_npz_holding_plain_arrays(tmp_path):
    np.savez(tmp_path / "G.npz", a=DENSE)
    with pytest.raises(ValueError, match=r"G: cannot read '.*G\.npz' as a scipy\.sparse \.npz .*"
                                         r"write it with scipy\.sparse\.save_npz\."):
        io.load_graph(tmp_path / "G.npz")


def test_graph_npz_not_a_zip(tmp_path):
    (tmp_path / "G.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ValueError, match=r"G: cannot read '.*G\.npz' as a scipy\.sparse \.npz "
                                         r"\(File is not a zip file\)"):
        io.load_graph(tmp_path / "G.npz")


def test_graph_asymmetric_npy(tmp_path):
    A = DENSE.copy()
    A[0, 1] = 5.0
    np.save(tmp_path / "G.npy", A)
    with pytest.raises(ValueError, match=r"G \(.*G\.npy\) is not symmetric \(max \|G - G\.T\| = 3; "
                                         r"G\[0, 1\] = 5\.0 but G\[1, 0\] = 2\.0\); symmetrise it"):
        io.load_graph(tmp_path / "G.npy")


def test_graph_non_square_npy(tmp_path):
    np.save(tmp_path / "G.npy", np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"must be square \(n_samples, n_samples\), got shape \(3, 4\)"):
        io.load_graph(tmp_path / "G.npy")


def test_labels_npy_not_finite(tmp_path):
    np.save(tmp_path / "y.npy", np.array([0.0, np.inf]))
    with pytest.raises(ValueError, match=r"labels: '.*y\.npy' contains NaN or inf labels"):
        io.load_labels(tmp_path / "y.npy")


def test_large_integer_labels_are_read_exactly(tmp_path):
    # identifiers above 2^53 went through float64 and merged (3 classes read as 1); above the
    # int64 range they all became -2^63 after a cast warning
    ids = ["12345678901234567", "12345678901234568", "12345678901234569"] * 4
    (tmp_path / "ids.txt").write_text("\n".join(ids))
    labels = io.load_labels(tmp_path / "ids.txt")
    assert labels.dtype == np.int64 and labels.tolist() == [int(i) for i in ids]
    big = ["10000000000000000000", "20000000000000000000"] * 4
    (tmp_path / "big.txt").write_text("\n".join(big))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labels = io.load_labels(tmp_path / "big.txt")
    assert labels.tolist() == big and len(np.unique(labels)) == 2
    # written as floats beyond 2^53: kept as the text, not merged
    (tmp_path / "f.txt").write_text("\n".join(["1.2345678901234567e16", "1.2345678901234568e16"] * 2))
    assert len(np.unique(io.load_labels(tmp_path / "f.txt"))) == 2
    # ordinary whole floats still read as integers
    (tmp_path / "w.txt").write_text("1.0\n2\n1\n2.0\n")
    assert io.load_labels(tmp_path / "w.txt").tolist() == [1, 2, 1, 2]


def test_pandas_default_header_and_index_are_refused_not_read_as_data(tmp_path):
    # DataFrame(array).to_csv(path) writes the header "0,1,2" (read as a data row: 61 samples
    # for 60, every edge then pointing at the wrong row) and an unnamed index column (read as a
    # feature, which leaks the label on class-sorted data)
    (tmp_path / "names.csv").write_text("0,1,2\n1.5,2,3\n4,5,6\n")
    with pytest.raises(ValueError, match=r"^X: line 1 of '.*names\.csv' is '0,1,2', the column names pandas "
                                         r"writes .* to_csv\(path, index=False, header=False\)"):
        io.load_features(tmp_path / "names.csv")
    (tmp_path / "index.csv").write_text(",a,b,label\n0,1.5,2,0\n1,4,5,1\n2,4,6,1\n")
    with pytest.raises(ValueError, match=r"the first column of '.*index\.csv' has no name \(''\): pandas' "
                                         r"row index"):
        io.load_labelled_data(tmp_path / "index.csv")
    # an edge list's first edge 0,1 stays an edge
    (tmp_path / "G.csv").write_text("0,1\n1,2\n")
    assert io.load_graph(tmp_path / "G.csv").nnz == 4


def test_a_graph_npz_with_two_dimensional_weights_is_refused_naming_the_file(tmp_path):
    # scipy's "data, indices, and indptr should be 1-D" named neither the file nor the fix
    np.savez(tmp_path / "G.npz", format=np.array(b"csr"), shape=np.array((3, 3)), data=np.ones((2, 1)),
             indices=np.array([1, 0]), indptr=np.array([0, 1, 2, 2]))
    with pytest.raises(ValueError, match=r"^G \(.*G\.npz\) is a CSR matrix with an invalid structure: its data "
                                         r"\(the weights\) has shape \(2, 1\); it must be 1-D"):
        io.load_graph(tmp_path / "G.npz")
