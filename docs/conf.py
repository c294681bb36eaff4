"""Sphinx configuration of the spectral_ssl documentation.

Build (from the repository root, with the ``docs`` extra installed)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Three kinds of pages are generated at build time and are not under version control:

* ``docs/notebooks/*.ipynb``: copies of ``notebooks/*.ipynb``, executed by myst-nb
  (set ``SPECTRAL_SSL_DOCS_EXECUTE=off`` for a quick build that skips execution). When
  ``SPECTRAL_SSL_EXECUTED_NOTEBOOKS`` names a folder holding an executed copy of every notebook
  (``tests/test_notebooks.py`` writes them there when the variable is set), those copies are
  rendered as they are and the notebooks are not run a second time (CI runs each notebook once);
* ``docs/reliability/bad_inputs.md``: the bad-input catalogue, written by
  ``docs/generate_catalogue.py`` from the cases of ``tests/bad_input_cases.py``;
* ``docs/api/generated/``: one API page per module (autosummary);
* ``docs/auto_examples/``: the example gallery, written by sphinx-gallery from the scripts of
  ``examples/``, each executed with its figures.
"""

import importlib.util
import os
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the checkout these pages belong to, even when another copy is installed.
sys.path.insert(0, str(ROOT))

import spectral_ssl  # noqa: E402

# -- Project -----------------------------------------------------------------------------------

project = "spectral_ssl"
author = "the spectral_ssl developers"
copyright = "the spectral_ssl developers; BSD-3-Clause"
release = spectral_ssl.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_nb",
    "sphinx_gallery.gen_gallery",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
]

templates_path = ["_templates"]
# sphinx-gallery also writes a notebook and a script per example: its .rst page is the source.
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "auto_examples/*.json"]
# A wide content column: four-panel figures and long code output need the width of the page.
html_theme = "pydata_sphinx_theme"
html_title = f"spectral_ssl {release}"
html_static_path = ["_static"]
html_css_files = ["wide.css"]
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
}
# Notebook and example pages get the width of both columns' worth: no section navigation on the left
# (the top bar and the "On this page" list remain).
html_sidebars = {"index": [], "notebooks/*": [], "auto_examples/*": []}

# -- MyST (Markdown) and myst-nb (notebooks) ---------------------------------------------------

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

NOTEBOOK_SOURCE = ROOT / "notebooks"
NOTEBOOK_COPIES = DOCS / "notebooks"


# The gallery scripts and notebooks executed at build time print no progress lines into the pages.
os.environ.setdefault("SPECTRAL_SSL_PROGRESS", "0")


def _executed_notebooks():
    """The folder of already-executed notebooks, if it holds one for every notebook source."""
    folder = os.environ.get("SPECTRAL_SSL_EXECUTED_NOTEBOOKS")
    if not folder:
        return None
    names = {path.name for path in NOTEBOOK_SOURCE.glob("*.ipynb")}
    missing = sorted(name for name in names if not (Path(folder) / name).is_file())
    if missing:
        # A notebook that failed its test has no executed copy: run them all here instead, so the
        # build reports the failure too.
        print(f"spectral_ssl docs: no executed copy of {missing} in {folder}; executing the notebooks.")
        return None
    return Path(folder)


EXECUTED_NOTEBOOKS = _executed_notebooks()
# "force": run every notebook on every build, so a notebook that no longer runs fails the build;
# "off" when the executed copies of the notebook tests are rendered instead.
nb_execution_mode = "off" if EXECUTED_NOTEBOOKS else os.environ.get("SPECTRAL_SSL_DOCS_EXECUTE", "force")
nb_execution_timeout = 600  # seconds per cell; the notebooks take seconds, this only stops a hung kernel
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
# Markdown outputs (the derivations' formulas and tables) are MyST, with dollarmath: rendered, not raw.
nb_render_markdown_format = "myst"

# -- Example gallery (sphinx-gallery) ----------------------------------------------------------


def notebook_figure_scraper(block, block_vars, gallery_conf):
    """Collect the figures an example block built with spectral_ssl.plotting (no pyplot involved).

    sphinx-gallery's own scraper only sees pyplot's figures; spectral_ssl's plotting functions build
    ``matplotlib.figure.Figure`` objects directly. Every figure bound to a name of the example, or
    shown by the block's last expression, that was not saved yet is written to the next image path.
    """
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    seen = gallery_conf.setdefault("_spectral_ssl_saved", set())
    candidates = list(block_vars["example_globals"].values())
    last = block_vars["example_globals"].get("___")
    if last is not None:
        candidates.append(last)
    paths = []
    for value in candidates:
        if isinstance(value, Figure) and id(value) not in seen and value.axes:
            seen.add(id(value))
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=110, bbox_inches="tight")
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])


# sphinx_gallery_conf holds a function (the scraper above), which Sphinx cannot pickle into its
# environment cache; the only consequence is that a change of this dict triggers a full rebuild.
suppress_warnings = ["config.cache"]

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": str(DOCS / "auto_examples"),
    "filename_pattern": r"/plot_",
    "image_scrapers": ("matplotlib", notebook_figure_scraper),
    "capture_repr": ("_repr_html_", "__repr__"),
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "plot_gallery": os.environ.get("SPECTRAL_SSL_DOCS_EXECUTE", "force") != "off",
}

# -- API reference: autodoc + autosummary + numpydoc -------------------------------------------

autosummary_generate = True
autosummary_imported_members = False
# Each module page documents what the module defines: a name re-exported by a package (for
# example ``spectral_ssl.experiments.linear_probe``) is documented once, in its own module.
autosummary_ignore_module_all = True
autodoc_member_order = "bysource"
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()

# -- Generated pages ---------------------------------------------------------------------------


def copy_notebooks():
    """Copy ``notebooks/*.ipynb`` into ``docs/notebooks/`` (the source dir of their pages).

    The executed copies of ``SPECTRAL_SSL_EXECUTED_NOTEBOOKS`` are copied instead when there is one
    for every notebook.

    Unchanged files are left alone, so an incremental build does not re-read them, and copies
    whose original was removed are deleted, so the glob in ``notebooks.md`` sees exactly the
    notebooks of the repository.
    """
    NOTEBOOK_COPIES.mkdir(exist_ok=True)
    sources = {path.name: path for path in sorted(NOTEBOOK_SOURCE.glob("*.ipynb"))}
    if EXECUTED_NOTEBOOKS is not None:
        sources = {name: EXECUTED_NOTEBOOKS / name for name in sources}
    if not sources:
        raise RuntimeError(f"no notebooks found in {NOTEBOOK_SOURCE}; the documentation renders them.")
    for stale in NOTEBOOK_COPIES.glob("*.ipynb"):
        if stale.name not in sources:
            stale.unlink()
    for name, source in sources.items():
        target = NOTEBOOK_COPIES / name
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copy2(source, target)


CATALOGUE_GENERATOR = DOCS / "generate_catalogue.py"
CATALOGUE_PAGE = DOCS / "reliability" / "bad_inputs.md"


def write_bad_input_catalogue():
    """Run ``docs/generate_catalogue.py`` to write the bad-input page (it calls the library)."""
    if not CATALOGUE_GENERATOR.exists():
        raise RuntimeError(
            f"{CATALOGUE_GENERATOR} is missing: it writes {CATALOGUE_PAGE.relative_to(DOCS)}, "
            "the bad-input catalogue that reliability.md includes. Restore the file (it must define "
            "write_catalogue(path)) or remove the page from the table of contents."
        )
    spec = importlib.util.spec_from_file_location("spectral_ssl_docs_catalogue", CATALOGUE_GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_catalogue(CATALOGUE_PAGE)


def _skip_generated_sklearn_methods(app, what, name, obj, skip, options):
    """Leave out the ``set_*_request`` methods scikit-learn adds to every estimator class.

    They are generated by scikit-learn's metadata routing (not written in spectral_ssl) and their
    docstrings refer to scikit-learn's own glossary, which this site does not have.
    """
    if what == "class" and name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def _generate_pages(app):
    copy_notebooks()
    write_bad_input_catalogue()


def setup(app):
    # builder-inited runs before Sphinx lists the source files, so the pages written here are read.
    app.connect("builder-inited", _generate_pages)
    app.connect("autodoc-skip-member", _skip_generated_sklearn_methods)
    return {"parallel_read_safe": True}
