"""Sphinx configuration of simcomm's API reference (built by ``make docs``, part of ``make test``).

The reference is generated from the docstrings (autodoc; autosummary writes one page per module).
It is built with ``-W``: a docstring Sphinx cannot read is a failed build, not a warning.
"""

from simcomm import __version__

project = "simcomm"
author = "simcomm"
release = __version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "sphinx.ext.napoleon"]  # napoleon: "Args:"
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True,
                           "ignore-module-all": True}  # each name where it is defined, not where re-exported
autodoc_typehints = "description"  # the hints next to each parameter, not in a long signature
autodoc_member_order = "bysource"
default_role = "code"  # `x` in a docstring is code, as the docstrings mean it
html_theme = "alabaster"
html_title = f"simcomm {__version__}: API reference"
exclude_patterns = ["_build"]
templates_path = ["_templates"]


def setup(app):
    """Apply napoleon ("Args:" sections) to functions and classes only: on a constant's ``#:``
    comment it would read "metric -> (unit, what it is): ..." as a type to cross-reference."""
    from sphinx.ext.napoleon import _process_docstring

    listeners = app.events.listeners["autodoc-process-docstring"]
    for listener in [x for x in listeners if x.handler is _process_docstring]:
        app.disconnect(listener.id)

    def google_sections(app, what, name, obj, options, lines):
        if what not in ("data", "attribute", "property"):
            _process_docstring(app, what, name, obj, options, lines)

    app.connect("autodoc-process-docstring", google_sections)
