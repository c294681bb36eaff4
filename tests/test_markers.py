"""Every test that needs an optional dependency is marked, so that CI's second stage runs it.

The README's suite skips such a test (``pytest.importorskip``) where the dependency is absent;
``.ci/run`` then installs the extras and runs ``-m "slow or extra or crosscheck"``: an unmarked
test would be skipped in the first stage and deselected in the second, never run at all.
"""

import ast
import pathlib

import pytest

TESTS = pathlib.Path(__file__).parent
RUN_WITH_THE_EXTRAS = {"extra", "crosscheck", "slow"}


def _attribute_names(node):
    return {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def unmarked_optional_tests(source):
    """``[(test name, modules)]`` of the tests in ``source`` that importorskip without a mark."""
    tree = ast.parse(source)
    module_marks = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets):
            module_marks |= _attribute_names(node.value)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test")):
            continue
        modules = [call.args[0].value for call in ast.walk(node)
                   if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "importorskip"
                   and call.args and isinstance(call.args[0], ast.Constant)]
        marks = module_marks.union(*(_attribute_names(d) for d in node.decorator_list))
        if modules and not marks & RUN_WITH_THE_EXTRAS:
            found.append((node.name, modules))
    return found


def test_the_scan_finds_an_unmarked_test_and_accepts_marked_ones():
    source = ("import pytest\n"
              "def test_a():\n    pytest.importorskip('tqdm')\n"
              "@pytest.mark.extra\ndef test_b():\n    pytest.importorskip('tqdm')\n"
              "def test_c():\n    pass\n")
    assert unmarked_optional_tests(source) == [("test_a", ["tqdm"])]
    assert unmarked_optional_tests("import pytest\npytestmark = pytest.mark.crosscheck\n"
                                   "def test_a():\n    pytest.importorskip('torch')\n") == []


@pytest.mark.parametrize("path", sorted(TESTS.glob("test_*.py")), ids=lambda p: p.name)
def test_every_test_of_an_optional_dependency_is_run_by_the_second_ci_stage(path):
    assert unmarked_optional_tests(path.read_text()) == []
