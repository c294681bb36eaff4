"""The layering rules of CONTRIBUTING.md and DESIGN.md, checked on every module of the package.

Every top-level module or package is placed in one layer (``LAYERS``). A module imports
only from the layers below its own, plus the same-layer arrows named in CONTRIBUTING.md
(``SAME_LAYER``: a module's own helper modules, ``graphs``/``linalg`` -> ``kernels``,
``methods`` -> ``spectral``, ``experiments`` -> ``certify``/``moments``, the layer 0
modules among themselves, the front ends among themselves); it never imports an
underscore name of another module, and has at most 500 lines. Packages are scanned
recursively (``experiments/claims/`` included).
"""

import ast
import pathlib

import pytest

import spectral_ssl

PACKAGE = pathlib.Path(spectral_ssl.__file__).parent
FOUNDATIONS = {"exceptions", "memory", "_validation", "_graph_input", "_relations", "_optimize", "_threads",
               "_progress", "_display", "_figure", "_files", "_readers", "_surfacing", "_tables",
               "_settings_cli", "_csv_tables"}

#: layer -> its top-level modules and packages (CONTRIBUTING.md's "Layout and import direction")
LAYERS = {
    0: FOUNDATIONS,
    1: {"kernels", "_augment", "graphs", "linalg", "losses", "forms"},
    2: {"methods", "spectral", "reference", "views"},
    3: {"certify", "_certificate", "moments", "scale", "practice", "experiments", "symbolic"},
    4: {"plotting", "plotting_claims", "_panels", "report", "estimators", "_estimator_base", "io", "cli",
        "_cli_report", "_cli_verify", "_cli_diagnose", "_cli_types", "_solve_output", "__init__", "__main__"},
}
LAYER_OF = {module: layer for layer, modules in LAYERS.items() for module in modules}

#: the arrows allowed inside a layer (layers 0 and 4 allow any, acyclic)
SAME_LAYER = {
    "graphs": {"kernels", "_augment"},
    "linalg": {"kernels"},
    "losses": {"kernels"},
    "methods": {"spectral"},
    "certify": {"_certificate"},
    "scale": {"moments"},
    "experiments": {"certify", "_certificate", "moments"},
}

#: top-level module or package -> the top-level package modules it may import
ALLOWED = {
    top: ({name for name, layer in LAYER_OF.items() if layer < LAYER_OF[top]}
          | (LAYERS[LAYER_OF[top]] if LAYER_OF[top] in (0, 4) else set())
          | SAME_LAYER.get(top, set())
          | ({"__version__"} if LAYER_OF[top] == 4 else set())) - {top}
    for top in LAYER_OF
}


def _tops():
    """Every top-level module and package of spectral_ssl."""
    return sorted({path.stem for path in PACKAGE.glob("*.py")}
                  | {path.parent.name for path in PACKAGE.glob("*/__init__.py")})


def _files(top):
    path = PACKAGE / top
    return sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]


def _imports(source, depth, top=None):
    """(target top-level module, imported names, module path) of every import out of the module's own package.

    ``depth``: 0 for ``spectral_ssl/x.py``, 1 for ``spectral_ssl/pkg/x.py``; ``top``: the
    module's own top-level package (absolute ``spectral_ssl.<top>...`` imports from inside it
    stay inside the package). Relative imports and absolute ``from spectral_ssl... import``
    are both resolved; the module path is the dotted path below ``spectral_ssl`` as a list.
    """
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        names = [alias.name for alias in node.names]
        if node.level:
            up = node.level - 1
            if up < depth:
                continue  # inside the same package
            if up > depth:
                raise AssertionError("relative import above the package")
            parts = node.module.split(".") if node.module else []
        elif node.module == "spectral_ssl" or (node.module or "").startswith("spectral_ssl."):
            parts = node.module.split(".")[1:]
            if depth and parts and parts[0] == top:
                continue  # inside the same package, spelled absolutely
        else:
            continue
        if parts:
            yield parts[0], names, parts
        else:
            for name in names:
                yield name, [], [name]


def _violations(top, path, source=None):
    """The layering problems of one module (``source`` replaces the file's text, for tests)."""
    depth = len(path.relative_to(PACKAGE).parts) - 1
    source = path.read_text() if source is None else source
    for target, names, parts in _imports(source, depth, top):
        if target not in ALLOWED[top]:
            yield f"{path.relative_to(PACKAGE)} imports {target}, not below its layer"
        private = [name for name in names if name.startswith("_")]
        if private:
            yield f"{path.relative_to(PACKAGE)} imports the private names {private} of {target}"
        # A private module inside another package (``..linalg._eigen``): import from the package.
        # Top-level private modules (``_validation``, ``_optimize``, ``_tables``...) are parts[0].
        inner = [part for part in parts[1:] if part.startswith("_") and not part.startswith("__")]
        if inner:
            yield (f"{path.relative_to(PACKAGE)} imports from the private module {'.'.join(parts)}; "
                   f"import from the package {target}")


@pytest.mark.parametrize("top", sorted(ALLOWED))
def test_imports_point_down_and_name_no_private_names(top):
    problems = [problem for path in _files(top) for problem in _violations(top, path)]
    assert problems == []


@pytest.mark.parametrize("top", sorted(ALLOWED))
def test_modules_are_at_most_500_lines(top):
    for path in _files(top):
        assert len(path.read_text().splitlines()) <= 500, path


def _private_names(path):
    """Underscore names imported from another module (inside a package too); submodules excepted."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level and node.module:
            base = path.parent
            for _ in range(node.level - 1):
                base = base.parent
            module = base.joinpath(*node.module.split("."))
            for alias in node.names:
                name = alias.name
                if name.startswith("_") and not name.startswith("__") and not (
                        (module / f"{name}.py").exists() or (module / name).is_dir()):
                    yield f"{path.relative_to(PACKAGE)} imports {name} from {node.module}"


def test_no_module_imports_an_underscore_name_even_inside_its_package():
    assert [problem for path in sorted(PACKAGE.rglob("*.py")) for problem in _private_names(path)] == []


def test_every_module_is_placed_in_a_layer():
    assert sorted(set(_tops()) - set(LAYER_OF)) == []


def test_the_scan_is_recursive():
    assert PACKAGE / "experiments" / "claims" / "rank.py" in _files("experiments")


def test_the_checker_sees_upward_imports_and_private_names():
    source = "from .. import methods\nfrom ..losses import _check_flag\nfrom ._basis import sign_flip\n"
    assert list(_imports(source, 1)) == [("methods", [], ["methods"]), ("losses", ["_check_flag"], ["losses"])]
    assert list(_imports("from . import memory, graphs\n", 0)) == [("memory", [], ["memory"]),
                                                                    ("graphs", [], ["graphs"])]


def test_the_checker_resolves_absolute_imports():
    source = ("from spectral_ssl.linalg import smallest_eigenpairs\nfrom spectral_ssl import kernels\n"
              "from spectral_ssl.methods._result import Representation\nimport numpy\nfrom numpy import linalg\n")
    assert list(_imports(source, 1, "methods")) == [("linalg", ["smallest_eigenpairs"], ["linalg"]),
                                                    ("kernels", [], ["kernels"])]
    assert list(_imports(source, 0, "graphs"))[2] == ("methods", ["Representation"], ["methods", "_result"])


def test_the_checker_flags_private_modules_of_another_package():
    path = PACKAGE / "methods" / "vicreg.py"
    bad = ("from ..linalg._eigen import laplacian_eigenpairs\n"
           "from spectral_ssl.losses._common import normalised_weights\n"
           "from ..experiments import claims\n")
    problems = list(_violations("methods", path, bad))
    assert any("private module linalg._eigen" in problem for problem in problems)
    assert any("private module losses._common" in problem for problem in problems)
    assert any("imports experiments, not below its layer" in problem for problem in problems)
    good = ("from .._validation import check_integer\nfrom .._optimize import multistart\n"
            "from ..linalg import smallest_eigenpairs\nfrom ._result import Representation\n")
    assert list(_violations("methods", path, good)) == []
    # a package's own __init__ importing its private modules stays allowed
    assert list(_violations("linalg", PACKAGE / "linalg" / "__init__.py", "from ._eigen import smallest_eigenpairs\n")) == []
