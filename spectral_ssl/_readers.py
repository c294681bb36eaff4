"""Bounded readers of binary and Matrix Market files: sizes are checked before reading.

A file's header says how much it holds. Each reader parses the header alone
(``.npy``: :mod:`numpy.lib.format`; ``.npz``: the zip directory's declared
uncompressed size of each member, then each member's ``.npy`` header;
``.mtx``: the banner and the size line), refuses a declared size beyond the
memory budget (:mod:`spectral_ssl.memory`) or beyond what the file can hold,
and only then reads, never more than declared. Nothing is ever unpickled.
"""

import math
import os
import zipfile

import numpy as np

from . import memory
from ._files import open_input

#: Element kinds of numeric arrays: booleans, signed and unsigned integers, floats.
NUMERIC_KINDS = "biuf"

_MAGIC = b"\x93NUMPY"


def starts_as_npy(path):
    """Whether the file ``path`` starts with the magic string of the ``.npy`` format (False if unreadable)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(_MAGIC)) == _MAGIC
    except OSError:
        return False


def _header(stream, argument, name):
    """(shape, fortran_order, dtype) of the ``.npy`` data that ``stream`` starts with."""
    prefix = stream.read(len(_MAGIC))
    if prefix != _MAGIC:
        raise ValueError(f"{argument}: {name!r} is not a .npy file (no NumPy header); save the array "
                         f"with numpy.save, or give a text file a .csv extension.")
    version = tuple(stream.read(2))
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0,
               (3, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        raise ValueError(f"{argument}: cannot read {name!r} as a numeric .npy array (unknown format "
                         f"version {version}); save it with numpy.save.")
    try:
        shape, fortran, dtype = readers[version](stream)
    except (ValueError, UnicodeDecodeError, SyntaxError, TypeError) as error:
        # numpy's own words, unless they show a parser's internals ("<ast.BinOp object at 0x...>")
        why = "its dictionary holds an expression, not plain values" if "<ast." in str(error) else error
        raise ValueError(f"{argument}: cannot read {name!r} as a numeric .npy array (its header is "
                         f"damaged: {why}); save it again with numpy.save.") from None
    if any(int(n) < 0 for n in shape):  # numpy's reader lets (-1, 4) through
        raise ValueError(f"{argument}: cannot read {name!r} as a numeric .npy array (its header is "
                         f"damaged: shape {tuple(shape)} has a negative length); save it again with "
                         f"numpy.save.")
    return shape, fortran, dtype


def _read_exact(stream, nbytes):
    """``nbytes`` bytes of ``stream`` in a writable buffer, or fewer if it ends first."""
    buffer = bytearray(nbytes)
    view = memoryview(buffer)
    filled = 0
    while filled < nbytes:
        got = stream.readinto(view[filled:])
        if not got:
            break
        filled += got
    return buffer, filled


def read_npy_stream(stream, available, argument, name, *, kinds=NUMERIC_KINDS, what="numeric"):
    """The array of a ``.npy`` stream holding ``available`` bytes, its declared size checked first."""
    start = stream.tell() if stream.seekable() else 0
    shape, fortran, dtype = _header(stream, argument, name)
    if dtype.hasobject:
        raise ValueError(f"{argument}: cannot read {name!r} as a {what} .npy array (Object arrays "
                         f"cannot be loaded when allow_pickle=False); save a {what} array with "
                         f"numpy.save.")
    if dtype.kind not in kinds or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"{argument}: {name!r} holds an array of dtype {dtype}; give a {what} array "
                         f"(numpy.save of an array of numbers).")
    count = math.prod(int(n) for n in shape)
    nbytes = count * dtype.itemsize
    header_bytes = (stream.tell() - start) if stream.seekable() else 0
    memory.check(nbytes + 8.0 * count, call=f"reading {argument} {name!r}",
                 need=f"an array of shape {tuple(shape)} ({dtype}) as its header declares, and its "
                      f"float64 copy",
                 alternative="check the file (a header may claim far more than the file holds); "
                             "save a large graph sparse with scipy.sparse.save_npz")
    if available is not None and nbytes > available - header_bytes:
        raise ValueError(f"{argument}: cannot read {name!r} as a numeric .npy array (its header "
                         f"declares shape {tuple(shape)} of {dtype}, {nbytes} bytes, but the file "
                         f"holds {max(available - header_bytes, 0)}: truncated or damaged); save it "
                         f"again with numpy.save.")
    buffer, filled = _read_exact(stream, nbytes)
    if filled < nbytes:
        raise ValueError(f"{argument}: cannot read {name!r} as a numeric .npy array (the data ends "
                         f"after {filled} of {nbytes} bytes: truncated or damaged); save it again "
                         f"with numpy.save.")
    array = np.frombuffer(buffer, dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran else "C")


def read_npy(path, argument, **options):
    """The array of a ``.npy`` file (see :func:`read_npy_stream`)."""
    handle, size = open_input(path, argument)
    with handle:
        return read_npy_stream(handle, size, argument, os.fspath(path), **options)


#: The members scipy.sparse.save_npz writes for each format, besides ``format`` and ``shape``.
SPARSE_MEMBERS = {"csr": ("data", "indices", "indptr"), "csc": ("data", "indices", "indptr"),
                  "bsr": ("data", "indices", "indptr"), "coo": ("data", "row", "col"),
                  "dia": ("data", "offsets")}


def _npz_error(argument, name, reason):
    return ValueError(f"{argument}: cannot read {name!r} as a scipy.sparse .npz ({reason}); write it "
                      f"with scipy.sparse.save_npz.")


def read_sparse_npz(path, argument):
    """``(format, shape, arrays)`` of a ``scipy.sparse.save_npz`` file, every member size-checked."""
    name = os.fspath(path)
    handle, _ = open_input(path, argument)
    with handle:
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise _npz_error(argument, name, error) from None
        with archive:
            members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
            declared = sum(info.file_size for info in members.values())
            memory.check(2.0 * declared, call=f"reading {argument} {name!r}",
                         need=f"the {declared} bytes its zip directory declares, and their copies",
                         alternative="check the file (a small .npz may inflate to gigabytes)")
            if "format" not in members or "shape" not in members:
                found = ", ".join(sorted(members)[:6]) or "nothing"
                raise _npz_error(argument, name, f"no 'format' and 'shape' entries: it holds {found}")

            def member(key, kinds, what):
                if key not in members:
                    raise _npz_error(argument, name, f"the entry {key!r} is missing")
                info = members[key]
                try:
                    with archive.open(info) as stream:
                        return read_npy_stream(stream, info.file_size, argument, f"{name}:{key}",
                                               kinds=kinds, what=what)
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError,
                        OSError) as error:
                    raise _npz_error(argument, name, f"entry {key!r}: {error}") from None

            fmt = member("format", "SU", "text")
            fmt = fmt.item().decode("ascii", "replace") if fmt.dtype.kind == "S" else str(fmt.item())
            if fmt not in SPARSE_MEMBERS:
                raise _npz_error(argument, name, f"unknown sparse format {fmt!r}")
            shape = member("shape", "iu", "integer")
            arrays = {}
            for key in SPARSE_MEMBERS[fmt]:
                if fmt == "coo" and key in ("row", "col") and "coords" in members:
                    coords = member("coords", "iu", "integer")
                    arrays["row"], arrays["col"] = (coords[0], coords[1]) if coords.ndim == 2 \
                        and coords.shape[0] == 2 else (coords, coords[:0])
                    continue
                arrays[key] = member(key, NUMERIC_KINDS, "numeric")
    return fmt, shape, arrays


_MTX_FIELDS = ("real", "integer", "pattern", "double", "complex")
_MTX_SYMMETRIES = ("general", "symmetric", "skew-symmetric", "hermitian")


def _mtx_error(argument, name, reason):
    return ValueError(f"{argument}: cannot read {name!r} as Matrix Market ({reason}); write it with "
                      f"scipy.io.mmwrite.")


def check_mtx_header(handle, size, argument, name):
    """Parse the banner and size line of a Matrix Market file; refuse sizes beyond the budget.

    Returns ``(n_rows, n_cols, n_entries)`` as declared (``n_entries`` counts
    both triangles of a symmetric file).
    """
    banner = handle.readline(1024).decode("ascii", "replace").split()
    if len(banner) != 5 or banner[0].lower() != "%%matrixmarket" or banner[1].lower() != "matrix":
        raise _mtx_error(argument, name, "the first line must be '%%MatrixMarket matrix coordinate "
                                         "real general' or similar")
    layout, field, symmetry = (word.lower() for word in banner[2:])
    if layout not in ("coordinate", "array") or field not in _MTX_FIELDS \
            or symmetry not in _MTX_SYMMETRIES:
        raise _mtx_error(argument, name, f"unknown header {' '.join(banner[2:])!r}")
    line = b"%"
    while line.startswith(b"%") or not line.strip():
        line = handle.readline(4096)
        if not line:
            raise _mtx_error(argument, name, "no size line after the header")
    words = line.split()
    expected = 3 if layout == "coordinate" else 2
    if len(words) != expected or not all(word.isdigit() for word in words):
        raise _mtx_error(argument, name, f"the size line must hold {expected} non-negative integers, "
                                         f"got {line.decode('ascii', 'replace').strip()[:80]!r}")
    n_rows, n_cols = int(words[0]), int(words[1])
    if layout == "coordinate":
        stored = int(words[2])
        entries = stored * (2 if symmetry != "general" else 1)
    else:  # a dense array stores one triangle of a symmetric matrix, column by column
        entries = n_rows * n_cols
        n = min(n_rows, n_cols)
        stored = (entries if symmetry == "general" else
                  n * (n - 1) // 2 if symmetry == "skew-symmetric" else n * (n + 1) // 2)
    bytes_needed = 8.0 * 4 * (max(n_rows, n_cols) + 1) + 40.0 * entries
    if layout == "array":
        bytes_needed += 16.0 * n_rows * n_cols
    memory.check(bytes_needed, call=f"reading {argument} {name!r}",
                 need=f"a {n_rows} x {n_cols} matrix with {entries} entries as its size line declares",
                 alternative="check the file (a header may claim far more than the file holds)")
    remaining = size - handle.tell()
    smallest_line = 4 if layout == "coordinate" else 2  # "1 1\n" (pattern), "0\n"
    if stored * smallest_line > remaining:
        raise _mtx_error(argument, name, f"its size line declares {stored} entries but only "
                                         f"{remaining} bytes follow: truncated or damaged")
    return n_rows, n_cols, entries


def read_mtx(path, argument):
    """A sparse matrix (or dense array) from a Matrix Market file whose header is checked first."""
    import scipy.io

    name = os.fspath(path)
    handle, size = open_input(path, argument)
    with handle:
        check_mtx_header(handle, size, argument, name)
        handle.seek(0)
        try:
            return scipy.io.mmread(handle)
        except (ValueError, OSError, IndexError, TypeError, OverflowError) as error:
            raise _mtx_error(argument, name, error) from None
