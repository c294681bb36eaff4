"""The layering rules of DESIGN.md, checked on the modules of layers 0 to 3 that follow them already.

Each listed module may import only the package modules of its ``ALLOWED`` set, never an
underscore name of another module, and has at most 500 lines. (Modules with known
exceptions, listed in DESIGN.md, are added here when they comply.)
"""

import ast
import pathlib

import pytest

import spectral_ssl

PACKAGE = pathlib.Path(spectral_ssl.__file__).parent
FOUNDATIONS = {"exceptions", "memory", "_validation", "_graph_input", "_relations", "_optimize", "_threads",
               "_progress", "_display", "_figure", "_files", "_readers"}

#: top-level module or package -> the top-level package modules it may import
ALLOWED = {
    "kernels": FOUNDATIONS,
    "_augment": FOUNDATIONS,
    "graphs": FOUNDATIONS | {"kernels", "_augment"},
    "linalg": FOUNDATIONS | {"kernels"},
    "losses": FOUNDATIONS,
    "forms": FOUNDATIONS,
    "spectral": FOUNDATIONS | {"linalg", "kernels"},
    "_certificate": FOUNDATIONS,
    "certify": FOUNDATIONS | {"linalg", "methods", "_certificate"},
    "methods": FOUNDATIONS | {"linalg", "losses", "kernels", "spectral", "graphs", "forms"},
    "moments": FOUNDATIONS | {"forms", "linalg", "methods"},
    "scale": FOUNDATIONS | {"moments"},
    "reference": FOUNDATIONS | {"losses", "linalg"},
    "views": FOUNDATIONS | {"graphs", "linalg"},
    "practice": FOUNDATIONS | {"linalg", "losses", "kernels", "spectral", "graphs", "methods", "reference",
                               "views"},
    "experiments": FOUNDATIONS | {"linalg", "losses", "kernels", "spectral", "graphs", "methods", "certify",
                                  "_certificate", "moments"},
    "report": FOUNDATIONS | {"__version__", "experiments", "plotting", "plotting_claims", "_panels", "methods",
                             "certify", "_certificate", "linalg", "graphs"},
    "_estimator_base": FOUNDATIONS | {"methods", "graphs", "linalg", "kernels", "certify", "_certificate",
                                      "_surfacing"},
    "estimators": FOUNDATIONS | {"methods", "graphs", "linalg", "kernels", "certify", "_estimator_base"},
}


def _files(top):
    path = PACKAGE / top
    return sorted(path.glob("*.py")) if path.is_dir() else [path.with_suffix(".py")]


def _imports(source, depth):
    """(target top-level module, imported names) of every import out of the module's own package.

    ``depth``: 0 for ``spectral_ssl/x.py``, 1 for ``spectral_ssl/pkg/x.py``.
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level:
            up = node.level - 1
            if up < depth:
                continue  # inside the same package
            if up > depth:
                raise AssertionError("relative import above the package")
            names = [alias.name for alias in node.names]
            if node.module:
                yield node.module.split(".")[0], names
            else:
                for name in names:
                    yield name, []


def _violations(top, path):
    depth = len(path.relative_to(PACKAGE).parts) - 1
    for target, names in _imports(path.read_text(), depth):
        if target not in ALLOWED[top]:
            yield f"{path.name} imports {target}, not below its layer"
        private = [name for name in names if name.startswith("_")]
        if private:
            yield f"{path.name} imports the private names {private} of {target}"


@pytest.mark.parametrize("top", sorted(ALLOWED))
def test_imports_point_down_and_name_no_private_names(top):
    problems = [problem for path in _files(top) for problem in _violations(top, path)]
    assert problems == []


@pytest.mark.parametrize("top", sorted(ALLOWED))
def test_modules_are_at_most_500_lines(top):
    for path in _files(top):
        assert len(path.read_text().splitlines()) <= 500, path


def test_the_checker_sees_upward_imports_and_private_names():
    source = "from .. import methods\nfrom ..losses import _check_flag\nfrom ._basis import sign_flip\n"
    assert list(_imports(source, 1)) == [("methods", []), ("losses", ["_check_flag"])]
    assert list(_imports("from . import memory, graphs\n", 0)) == [("memory", []), ("graphs", [])]
