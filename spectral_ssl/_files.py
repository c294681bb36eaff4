"""Opening the user's files safely, and writing outputs that never destroy anything.

Inputs: only regular files are opened (a FIFO would block forever, a device
such as ``/dev/zero`` never ends), through a non-blocking open that is checked
again after opening, so a path swapped for a FIFO in between cannot hang.

Outputs: an output path is checked before anything is computed (extension,
folder, permissions, not a symbolic link, FIFO or device, not one of the
inputs, not an existing file unless the caller allows replacing it). Files are
written to hidden temporary files in the destination folder and moved into
place only when every output of the command has been written, so an
interrupted or failed run leaves the previous files untouched. A report folder
is built in a temporary folder and swapped with the old one in one step.
"""

import contextlib
import ctypes
import errno
import fnmatch
import os
import shutil
import stat
import tempfile
from pathlib import Path

from ._validation import argument_error

#: Hidden files and folders a write in progress uses; removed when it ends or fails.
PARTIAL_PREFIX = ".spectral-ssl-partial-"

#: The list of the files a replaced folder was written with (one name per line): a folder
#: is replaced only when it holds this list and nothing else than the files it names.
MANIFEST = ".spectral-ssl-files"


# --------------------------------------------------------------------------- inputs


def _kind(mode):
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _not_a_file(argument, name, mode):
    if stat.S_ISDIR(mode):
        return ValueError(f"{argument}: {name!r} is a folder; give the path of a file.")
    return ValueError(f"{argument}: {name!r} is {_kind(mode)}, not a file: reading it could block "
                      f"or never end. Give the path of a regular file.")


def open_input(path, argument):
    """Open ``path`` for binary reading if it is a regular file; return ``(handle, size)``.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` for a
    folder, FIFO, device or socket, each naming ``argument``.
    """
    name = os.fspath(path)
    try:
        mode = os.stat(name).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{argument}: file {name!r} does not exist.") from None
    except OSError as error:
        raise ValueError(f"{argument}: cannot read {name!r} ({error.strerror}).") from None
    if not stat.S_ISREG(mode):
        raise _not_a_file(argument, name, mode)
    try:
        descriptor = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise ValueError(f"{argument}: cannot read {name!r} ({error.strerror}).") from None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):  # swapped after the first look
        os.close(descriptor)
        raise _not_a_file(argument, name, info.st_mode)
    return os.fdopen(descriptor, "rb"), info.st_size


# --------------------------------------------------------------------------- output files


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output_file(path, *, option, suffix, force=False, inputs=(), others=()):
    """Refuse an output path that cannot or must not be written; return it as ``str``.

    Parameters
    ----------
    path : str or os.PathLike
    option : str
        The option the path was given for (``"--out"``), named in every message.
    suffix : str
        Required extension, compared without regard to case (``".npy"``).
    force : bool
        Allow replacing an existing regular file (never an input, a link, a FIFO or a device).
    inputs : iterable of (option, path)
        Files the command reads: the output may never be one of them.
    others : iterable of (option, path)
        Other outputs of the same command: the paths must differ.
    """
    path = os.fspath(path)
    if not path.lower().endswith(suffix):
        raise ValueError(f"{option}: {path!r} must end in {suffix}; for example {option} result{suffix}.")
    folder = os.path.dirname(path) or "."
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise ValueError(f"{option}: cannot use {path!r} ({error.strerror}).") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise ValueError(f"{option}: {path!r} is a symbolic link (to {os.readlink(path)!r}); "
                             f"writing through it would write elsewhere. Remove the link or give "
                             f"another name.")
        if stat.S_ISDIR(info.st_mode):
            raise ValueError(f"{option}: {path!r} is a folder; give a file name ending in {suffix}.")
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{option}: {path!r} is {_kind(info.st_mode)}; give the name of a "
                             f"regular file ending in {suffix}.")
        for input_option, input_path in inputs:
            if input_path is not None and _same_file(path, input_path):
                raise ValueError(f"{option}: {path!r} is the input file of {input_option}; "
                                 f"writing it would destroy the input. Give another name.")
        if not force:
            raise ValueError(f"{option}: {path!r} already exists; give a new name, or add --force "
                             f"to replace it.")
    for other_option, other in others:
        if other is not None and os.path.abspath(other) == os.path.abspath(path):
            raise ValueError(f"{option}: {path!r} is also given to {other_option}; give two names.")
    if not os.path.isdir(folder):
        raise ValueError(f"{option}: folder {folder!r} does not exist; create it first or write "
                         f"elsewhere.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{option}: cannot write in folder {folder!r} (no permission); write "
                         f"elsewhere.")
    return path


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _place_new(temporary, path):
    """Move ``temporary`` to ``path`` unless ``path`` exists (``FileExistsError``)."""
    try:
        os.link(temporary, path)  # atomic, and fails if the path exists
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then move
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, "File exists", temporary, None, path) from None
        os.replace(temporary, path)
        return
    os.unlink(temporary)


@contextlib.contextmanager
def staged_outputs(paths, *, force=False):
    """Write several files all or nothing.

    Yields one open binary handle per path (a hidden temporary file in the
    same folder); when the block ends without error every temporary file is
    moved to its path, otherwise every temporary file is removed and no path
    is touched. Without ``force`` a path created meanwhile by someone else is
    not replaced (``FileExistsError``).
    """
    staged = []
    try:
        for path in paths:
            folder = os.path.dirname(os.fspath(path)) or "."
            descriptor, temporary = tempfile.mkstemp(prefix=PARTIAL_PREFIX, dir=folder)
            staged.append((os.fdopen(descriptor, "wb"), temporary, os.fspath(path)))
        yield [handle for handle, _, _ in staged]
        mode = 0o666 & ~_umask()
        for handle, temporary, _ in staged:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            os.chmod(temporary, mode)
        placed = []
        try:
            for _, temporary, path in staged:
                if force:
                    os.replace(temporary, path)
                else:
                    _place_new(temporary, path)
                    placed.append(path)
        except OSError:
            for path in placed:  # created by this call: all or nothing
                with contextlib.suppress(OSError):
                    os.unlink(path)
            raise
    finally:
        for handle, temporary, _ in staged:
            handle.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


# --------------------------------------------------------------------------- output folders


def _refused(option, reason):
    """The error refusing the path given for ``option``: ``"<option>: <reason>"``, naming ``option``."""
    return argument_error(f"{option}: {reason}", argument=option, reason=reason)


def check_output_folder(path, *, option, allowed):
    """Refuse a folder that must not be replaced by a new report; return it as ``str``.

    The folder may be new, empty, or an earlier report: it holds :data:`MANIFEST`, written
    with it by :func:`replaced_folder`, and nothing but the files that list names, each
    matching one of the ``allowed`` patterns. Anything else (a file of the user's, even one
    named like a report's, a subfolder, a link) is refused, and so is the current folder
    or one that holds it.
    """
    path = os.fspath(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise _refused(option, f"cannot use {path!r} ({error.strerror}).") from None
    if info is None:
        ancestor = Path(os.path.abspath(path)).parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
            raise _refused(option, f"cannot create {path!r}: no permission to write in "
                           f"{str(ancestor)!r}; write elsewhere.")
        return path
    if stat.S_ISLNK(info.st_mode):
        raise _refused(option, f"{path!r} is a symbolic link (to {os.readlink(path)!r}); give "
                       f"the folder itself or a new name.")
    if not stat.S_ISDIR(info.st_mode):
        raise _refused(option, f"{path!r} exists and is {_kind(info.st_mode) if not stat.S_ISREG(info.st_mode) else 'a file'}, "
                       f"not a folder; give a new folder name.")
    here = os.path.abspath(os.getcwd())
    if os.path.commonpath([here, os.path.abspath(path)]) == os.path.abspath(path):
        raise _refused(option, f"{path!r} is the current folder or holds it; the folder is "
                       f"replaced as a whole, so give a new folder name.")
    entries = sorted(os.scandir(path), key=lambda e: e.name)
    listed = _manifest(path) if entries else set()
    for entry in entries:
        ours = (entry.name == MANIFEST or entry.name in listed) and entry.is_file(follow_symlinks=False) \
            and (entry.name == MANIFEST or any(fnmatch.fnmatchcase(entry.name, p) for p in allowed))
        if not ours:
            why = "" if listed else f" (the folder has no {MANIFEST}, the list an earlier report writes)"
            raise _refused(option, f"{path!r} holds {entry.name!r}, which is not a file of an "
                           f"earlier report{why}; the folder is replaced as a whole, so give a new "
                           f"or empty folder.")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _refused(option, f"cannot replace {path!r}: no permission to write in "
                       f"{parent!r}; write elsewhere.")
    return path


def _manifest(path):
    """The file names listed in the folder's :data:`MANIFEST` (empty when it has none)."""
    try:
        with open(os.path.join(path, MANIFEST), encoding="utf-8") as handle:
            return {line.rstrip("\n") for line in handle if line.strip()}
    except (OSError, UnicodeDecodeError):
        return set()


def _exchange(a, b):
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_cwd, exchange = -100, 2
    if function(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), b)


@contextlib.contextmanager
def replaced_folder(path, *, option, allowed):
    """Build a folder's new content in a temporary folder, then put it in place in one step.

    Yields the temporary folder (a ``Path``). On success it replaces ``path``:
    the old folder, stale files of earlier runs included, is gone and only the
    new files remain, with :data:`MANIFEST` listing them (what makes the folder
    replaceable by the next run). On failure or interruption ``path`` is left as it was.
    """
    path = os.path.abspath(check_output_folder(path, option=option, allowed=allowed))
    parent, name = os.path.split(path)
    os.makedirs(parent, exist_ok=True)
    prefix = f"{PARTIAL_PREFIX}{name}-"
    for stale in Path(parent).glob(f"{prefix}*"):  # left by a run that was killed
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
    staging = tempfile.mkdtemp(prefix=prefix, dir=parent)
    try:
        yield Path(staging)
        names = sorted(entry.name for entry in os.scandir(staging) if entry.name != MANIFEST)
        Path(staging, MANIFEST).write_text("".join(f"{name}\n" for name in names), encoding="utf-8")
        os.chmod(staging, 0o777 & ~_umask())
        if not os.path.lexists(path):
            os.rename(staging, path)
        elif _exchange(staging, path):
            pass  # staging now holds the old report, removed below
        else:  # no atomic swap here: move the old one aside, then the new one in
            aside = tempfile.mkdtemp(prefix=prefix, dir=parent)
            os.rename(path, os.path.join(aside, "old"))
            os.rename(staging, path)
            staging = aside
    finally:
        shutil.rmtree(staging, ignore_errors=True)
