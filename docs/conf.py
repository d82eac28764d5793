"""Sphinx configuration: `make docs` builds docs/_build/html; warnings are errors (tests/test_docs.py)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "docs")]

from markdown_docstrings import markdown_docstring  # noqa: E402

import motornet  # noqa: E402

project = "motornet-repro"
author = "motornet-repro contributors"
release = version = motornet.__version__
copyright = "2026, motornet-repro contributors (MIT licence)"

# sphinx-mathjax-offline: MathJax ships with the site, so that the equations render without a network
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.viewcode", "sphinx.ext.mathjax", "sphinx-mathjax-offline"]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # tutorials are stored with their outputs; tests/test_tutorials.py runs them
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute"]
suppress_warnings = ["mystnb.unknown_mime_type"]

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "description"
autodoc_mock_imports = []
default_role = "code"  # docstrings write `x` for code, as Markdown does

html_theme = "furo"
html_title = f"motornet-repro {release}"
html_static_path = []


def setup(app):
    app.connect("autodoc-process-docstring", markdown_docstring)
