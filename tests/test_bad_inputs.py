"""Every case of the bad-input catalogue raises the documented error with a message naming the argument.

The cases are data in ``bad_input_cases.py``; ``docs/generate_catalogue.py``
publishes the same calls with their real messages (tested at the end).
"""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


cases = _load("bad_input_cases", ROOT / "tests" / "bad_input_cases.py")
CASES = cases.CASES


@pytest.fixture(scope="module")
def catalogue():
    return _load("generate_catalogue", ROOT / "docs" / "generate_catalogue.py")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case_raises_the_documented_error_naming_the_argument(case):
    # The name as a whole word (so "X" is not found inside "X_right", nor "G" in "Gram").
    names_argument = rf"(?<![\w-]){re.escape(case.argument)}(?![\w-])"
    assert case.mistake and case.call
    if case.area == "CLI":
        result = case.run()
        assert result.code == case.expected, result.stderr
        assert re.search(case.match, result.message), result.message
        assert re.search(names_argument, result.message), result.message
        assert result.stderr.count("error:") == 1  # one error line, no traceback
        assert "Traceback" not in result.stderr
        return
    with pytest.raises(case.expected) as info:
        case.run()
    assert type(info.value) is case.expected  # exactly this class, not a subclass
    message = cases.error_message(info.value)
    assert re.search(case.match, message), message
    assert re.search(names_argument, message), message


def test_catalogue_is_large_and_covers_every_area_and_kind():
    assert len(CASES) >= 280
    areas = [case.area for case in CASES]
    assert set(areas) == set(cases.AREAS)
    assert min(areas.count(area) for area in cases.AREAS) >= 8
    kinds = [case.kind for case in CASES]
    file_kinds = sys.modules["bad_file_cases"].KINDS
    assert set(kinds) == {"common mistake", *file_kinds}
    assert sum(kind in file_kinds for kind in kinds) >= 200  # untrusted files, arrays, paths, sizes
    assert min(kinds.count(kind) for kind in file_kinds) >= 20
    assert len({case.id for case in CASES}) == len(CASES)
    assert len({case.call for case in CASES}) == len(CASES)


def test_cli_result_message_is_the_last_error_line():
    result = cases.CliResult(2, "usage: spectral-ssl solve [-h]\nspectral-ssl solve: error: x\n\n")
    assert result.message == "spectral-ssl solve: error: x"
    assert cases.CliResult(0, "").message == ""


def test_error_message_appends_the_explicit_cause():
    try:
        try:
            raise ValueError("inner reason")
        except ValueError as inner:
            raise AttributeError("outer") from inner
    except AttributeError as error:
        assert cases.error_message(error) == "outer (caused by ValueError: inner reason)"


# --------------------------------------------------------------------------- the published catalogue


def _table_rows(page):
    lines = page.splitlines()
    start = lines.index("| --- | --- | --- | --- | --- |")
    return [line for line in lines[start + 1:] if line.startswith("| ")]


def test_write_catalogue_has_one_row_per_case_with_the_real_messages(tmp_path, catalogue):
    path = tmp_path / "sub" / "bad_inputs.md"
    assert catalogue.write_catalogue(path) == len(CASES)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("(bad-inputs)=\n# Bad inputs and their error messages\n\n")
    rows = _table_rows(page)
    assert len(rows) == len(CASES)
    # Each case was just run by the generator; its message cell must be the documented one.
    for case, row in zip(CASES, rows):
        expected_kind = f"exit {case.expected}" if case.area == "CLI" else case.expected.__name__
        start = (f"| {catalogue.text_cell(case.area)} | {catalogue.text_cell(case.kind)} | "
                 f"{catalogue.code_cell(case.call)} | {catalogue.code_cell(expected_kind)} | `")
        assert row.startswith(start) and row.endswith("` |"), row
        message = row[len(start):-3].replace("\\|", "|")
        assert re.search(case.match, message), message
    assert page.count("\n- ") == len({case.kind for case in CASES})  # the counts per kind
    # spot checks against text written here, not by the generator
    assert ("| function | common mistake | `graphs.check(-G)` | `ValueError` | `G has negative weights (min -1); relation "
            "weights must be >= 0.` |") in page
    assert ("| function | common mistake | `graphs.check(np.triu(G))` | `ValueError` | `G is not symmetric "
            "(max \\|G - G.T\\| = 1; G[0, 1] = 1.0 but G[1, 0] = 0); symmetrise it") in page
    assert "`exit 2` | `spectral-ssl solve: error: argument --temperature: applies to --method simclr" in page


@pytest.mark.extra
def test_catalogue_renders_each_message_verbatim(tmp_path, catalogue):
    markdown_it = pytest.importorskip("markdown_it")
    path = tmp_path / "bad_inputs.md"
    catalogue.write_catalogue(path)
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(path.read_text(encoding="utf-8"))
    cells = [token for token in tokens if token.type == "inline" and token.map is not None]
    rendered = []
    for token in cells:
        text = "".join(child.content for child in token.children if child.type in ("text", "code_inline"))
        rendered.append(text)
    header = rendered.index("Area")
    body = rendered[header + 5:]
    assert len(body) == 5 * len(CASES)
    for number, case in enumerate(CASES):
        area, case_kind, call, kind, message = body[5 * number: 5 * number + 5]
        assert (area, case_kind, call) == (case.area, case.kind, " ".join(case.call.split()))
        assert kind == (f"exit {case.expected}" if case.area == "CLI" else case.expected.__name__)
        assert message == " ".join(cases.run_case(case).message.split())


@pytest.mark.extra
def test_escaping_of_pipes_backticks_and_markup(catalogue):
    markdown_it = pytest.importorskip("markdown_it")
    nasty = ["a | b", "x `y` z", "``double`` and `single`", "`edge`", r"back\slash \| pipe", "*not* _em_ <b>",
             "$x$ {role} [link](url) &amp; #1 ~s~"]
    page = "| T | C |\n| --- | --- |\n" + "".join(
        f"| {catalogue.text_cell(text)} | {catalogue.code_cell(text)} |\n" for text in nasty)
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(page)
    cells = [token for token in tokens if token.type == "inline"][2:]
    assert len(cells) == 2 * len(nasty)
    for number, text in enumerate(nasty):
        plain, code = cells[2 * number], cells[2 * number + 1]
        assert [child.type for child in plain.children] == ["text"] * len(plain.children)
        assert "".join(child.content for child in plain.children) == text
        assert [child.type for child in code.children] == ["code_inline"]
        assert code.children[0].content == text


@pytest.mark.slow
def test_command_line(tmp_path, catalogue):
    import os
    import subprocess

    out = tmp_path / "page.md"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, str(ROOT / "docs" / "generate_catalogue.py"), str(out)],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote {len(CASES)} cases to {out}\n"
    assert len(_table_rows(out.read_text(encoding="utf-8"))) == len(CASES)
    assert catalogue.main([]) == 2
