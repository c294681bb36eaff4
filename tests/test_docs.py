"""The documentation site covers the package: fast checks that need no Sphinx build.

The full build (``python -m sphinx -W --keep-going -b html docs OUT``) runs in ``.ci/run``; these
tests catch the omissions a build would not report: a new module missing from the API reference,
a notebook the site would not show, a theory page outside the table of contents, a reference in
the Markdown pages to an object that does not exist.
"""

import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path

import pytest

import spectral_ssl

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _load_conf():
    spec = importlib.util.spec_from_file_location("spectral_ssl_docs_conf", DOCS / "conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _public_modules():
    names = []
    for info in pkgutil.walk_packages(spectral_ssl.__path__, "spectral_ssl."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue  # private modules and __main__
        names.append(info.name)
    return names


def _api_entries():
    text = (DOCS / "api" / "index.rst").read_text(encoding="utf-8")
    return set(re.findall(r"^   (spectral_ssl(?:\.\w+)*)\s*$", text, flags=re.MULTILINE))


def test_every_public_module_has_an_api_page():
    modules = _public_modules()
    assert len(modules) >= 25  # graphs, linalg, losses, ..., symbolic.*, experiments.*
    missing = sorted(set(modules) - _api_entries())
    assert missing == [], f"add these modules to docs/api/index.rst: {missing}"


def test_api_pages_name_only_existing_modules():
    for name in sorted(_api_entries()):
        importlib.import_module(name)


def test_result_classes_are_documented():
    text = (DOCS / "api" / "results.rst").read_text(encoding="utf-8")
    for name in ("Representation", "LinearRepresentation", "KernelRepresentation"):
        assert f".. autoclass:: {name}" in text


def test_every_notebook_is_copied_into_the_site(tmp_path, monkeypatch):
    conf = _load_conf()
    monkeypatch.setattr(conf, "NOTEBOOK_COPIES", tmp_path / "notebooks")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "removed_long_ago.ipynb").write_text("{}", encoding="utf-8")
    conf.copy_notebooks()
    expected = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
    assert "derivations.ipynb" in expected
    assert sorted(path.name for path in (tmp_path / "notebooks").glob("*.ipynb")) == expected
    for name in expected:
        assert (tmp_path / "notebooks" / name).read_bytes() == (ROOT / "notebooks" / name).read_bytes()
    # The notebooks page lists the copies by glob, so a new notebook needs no edit of the docs.
    page = (DOCS / "notebooks.md").read_text(encoding="utf-8")
    assert re.search(r"```\{toctree\}\n:glob:\n(?:.*\n)*?notebooks/\*\n```", page)
    assert conf.nb_execution_raise_on_error is True


def test_the_catalogue_generator_is_where_conf_expects_it():
    conf = _load_conf()
    assert conf.CATALOGUE_GENERATOR.exists()
    assert "def write_catalogue(path" in conf.CATALOGUE_GENERATOR.read_text(encoding="utf-8")
    assert conf.CATALOGUE_PAGE.relative_to(DOCS).as_posix() == "reliability/bad_inputs.md"
    assert "reliability/bad_inputs" in (DOCS / "reliability.md").read_text(encoding="utf-8")


def test_every_theory_page_is_in_the_theory_toctree():
    index = (DOCS / "theory.md").read_text(encoding="utf-8")
    pages = sorted(path.stem for path in (DOCS / "theory").glob("*.md"))
    assert len(pages) >= 8
    for page in pages:
        assert f"\ntheory/{page}\n" in index, f"docs/theory/{page}.md is not in docs/theory.md's toctree"


def _markdown_pages():
    generated = {DOCS / "reliability" / "bad_inputs.md"}
    return [path for path in sorted(DOCS.rglob("*.md"))
            if "_build" not in path.parts and path not in generated]


def _resolve(dotted):
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(dotted)


@pytest.mark.parametrize("page", _markdown_pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_markdown_cross_references_name_existing_objects(page):
    # Sphinx renders a reference to a missing object as plain text without a warning.
    text = page.read_text(encoding="utf-8")
    for role, target in re.findall(r"\{(mod|func|class|meth|data|attr)\}`~?([\w.]+)`", text):
        assert target.startswith("spectral_ssl"), f"{page.name}: {{{role}}}`{target}` is not fully qualified"
        _resolve(target)


def test_getting_started_example_runs():
    text = (DOCS / "getting_started.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    namespace = {}
    exec(compile(block, str(DOCS / "getting_started.md"), "exec"), namespace)  # its asserts run here
    assert namespace["rep"].rank == 5 and namespace["collapsed"].rank == 3
    assert namespace["simplex"].rank == 3


def test_performance_page_states_the_solver_thresholds_of_the_code():
    # The "Choosing the eigensolver" table must follow the constants `auto` reads.
    from spectral_ssl import linalg

    text = (DOCS / "performance.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (up to [\d ]+|[\d ]+ to [\d ]+|above [\d ]+)(, with(?:out)? pyamg)? \| (\w+)",
                      text, re.M)
    bounds = {solver + extra: [int(n.replace(" ", "")) for n in re.findall(r"\d[\d ]*\d|\d", size)]
              for size, extra, solver in rows}
    assert bounds == {
        "dense": [linalg.DENSE_MAX_SAMPLES],
        "ARPACK": [linalg.DENSE_MAX_SAMPLES + 1, linalg.ARPACK_MAX_SAMPLES],
        "LOBPCG, with pyamg": [linalg.ARPACK_MAX_SAMPLES],
        "ARPACK, without pyamg": [linalg.ARPACK_MAX_SAMPLES],
    }, rows
    # the fill guard of the README install
    assert f"more than {linalg.ARPACK_MAX_FILL:g} times the entries" in text
    assert f"default {linalg.LOBPCG_RTOL:.0e}" in text  # "default 1e-10"
    # the measured tables are included from the committed benchmark results
    assert "{include} ../benchmarks/results/results.md" in text
    assert (ROOT / "benchmarks" / "results" / "results.md").is_file()


# --------------------------------------------------------------------------- layout, rendering, gallery


def _extras():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {name: [re.split(r"[<>=\[ ]", req)[0] for req in reqs]
            for name, reqs in project["optional-dependencies"].items()}


def test_site_uses_a_wide_theme_and_renders_markdown_outputs_as_myst():
    conf = _load_conf()
    assert conf.html_theme == "pydata_sphinx_theme" and "pydata-sphinx-theme" in _extras()["docs"]
    css = (DOCS / "_static" / "wide.css").read_text(encoding="utf-8")
    assert "wide.css" in conf.html_css_files and "max-width: 100%" in css
    # the derivations' formulas ($$ blocks) and summary table are Markdown outputs: MyST renders them
    assert conf.nb_render_markdown_format == "myst" and "dollarmath" in conf.myst_enable_extensions
    # notebooks are stored without outputs and executed at build, unless told otherwise
    assert conf.nb_execution_mode == "force" or "SPECTRAL_SSL_DOCS_EXECUTE" in __import__("os").environ


def test_notebooks_extra_installs_jupyter():
    extras = _extras()
    assert {"notebook", "ipykernel", "nbclient"} <= set(extras["notebooks"])
    assert {"sphinx", "myst-nb", "sphinx-gallery"} <= set(extras["docs"])


EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))


def test_gallery_has_examples_with_titles_and_is_linked_from_the_index():
    conf = _load_conf()
    assert Path(conf.sphinx_gallery_conf["examples_dirs"]) == ROOT / "examples"
    assert (ROOT / "examples" / "README.rst").is_file() and len(EXAMPLES) >= 6
    for path in EXAMPLES:
        docstring = path.read_text(encoding="utf-8").split('"""')[1].strip().splitlines()
        assert len(docstring) > 3 and set(docstring[1]) == {"="} and len(docstring[1]) >= len(docstring[0])
    assert "auto_examples/index" in (DOCS / "index.md").read_text(encoding="utf-8")


@pytest.mark.extra
def test_gallery_scraper_saves_the_pyplot_free_figures(tmp_path):
    pytest.importorskip("sphinx_gallery")
    from matplotlib.figure import Figure

    conf = _load_conf()
    fig = Figure()
    fig.subplots().plot([0, 1], [1, 0])
    paths = iter(tmp_path / f"image_{k}.png" for k in range(5))
    gallery_conf = {"src_dir": str(tmp_path)}
    block_vars = {"example_globals": {"fig": fig, "empty": Figure(), "n": 3}, "image_path_iterator": paths}
    rst = conf.notebook_figure_scraper(None, block_vars, gallery_conf)
    assert (tmp_path / "image_0.png").stat().st_size > 1000 and not (tmp_path / "image_1.png").exists()
    assert "image_0.png" in rst
    assert conf.notebook_figure_scraper(None, block_vars, gallery_conf) == ""  # saved once only
