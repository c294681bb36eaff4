"""The methods name themselves in messages from the one map, ``methods.DISPLAY_NAMES`` (#18).

Every string the method modules build at run time (messages, progress lines, details; not
docstrings) is scanned for a display name written by hand; only ``methods/_names.py``, where
the map lives, may spell them.
"""

import ast
import pathlib
import re
import warnings

import numpy as np
import pytest

from spectral_ssl import graphs, methods
from spectral_ssl.exceptions import CollapseWarning
from spectral_ssl.methods import DISPLAY_NAMES, SHORT_DISPLAY_NAMES

METHODS_DIR = pathlib.Path(methods.__file__).parent
SPELLED = re.compile("|".join(re.escape(name) for name in DISPLAY_NAMES.values()))


def _runtime_strings(path):
    """(line, text) of every string constant of the module that is not a docstring."""
    tree = ast.parse(path.read_text())
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


@pytest.mark.parametrize("path", sorted(p for p in METHODS_DIR.glob("*.py") if p.name != "_names.py"),
                         ids=lambda p: p.name)
def test_method_modules_take_display_names_from_the_map(path):
    spelled = [f"{path.name}:{line}: {text!r}" for line, text in _runtime_strings(path) if SPELLED.search(text)]
    assert spelled == []


def test_the_map_is_the_one_the_package_exports():
    assert DISPLAY_NAMES == {"vicreg": "VICReg", "spectral_contrastive": "spectral contrastive",
                             "barlow_twins": "Barlow Twins", "simclr": "SimCLR"}
    assert SHORT_DISPLAY_NAMES["spectral_contrastive"] == "spectral contr."
    assert set(DISPLAY_NAMES) == set(methods.REGISTRY)


def test_messages_show_the_display_names():
    # the same words as before the map was used (messages are matched by users and tests)
    G = graphs.from_groups(np.repeat(np.arange(3), 2))
    with pytest.warns(CollapseWarning, match=r"^spectral contrastive \(nonparametric\): the optimum keeps"):
        methods.spectral_contrastive.optimal_representation(G, 4)
    isolated = graphs.from_groups([0, 0, 1, 1, 2])
    with pytest.raises(ValueError, match="Barlow Twins"):
        methods.barlow_twins.optimal_representation(isolated, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"zero off-diagonal weights: SimCLR's target"):
            methods.simclr.mds_target(G)
