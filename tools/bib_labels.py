"""Sphinx extension: bibliography labels are the BibTeX keys.

With author-year citations the labels are never shown, but sphinxcontrib-bibtex still
builds alpha labels ("Bis95") and warns when two works share one (two 1995 papers by
Bishop). The keys are unique by construction, so they make unique labels.
"""

from pybtex.plugin import register_plugin
from pybtex.style.formatting.alpha import Style as AlphaStyle
from pybtex.style.labels import BaseLabelStyle


class KeyLabelStyle(BaseLabelStyle):
    """Each entry's label is its key."""

    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield entry.key


class KeyLabelAlphaStyle(AlphaStyle):
    """The default alpha style (entries sorted by author, year, title), keys as labels."""

    default_label_style = KeyLabelStyle


def setup(app):
    register_plugin("pybtex.style.labels", "bibkey", KeyLabelStyle)
    register_plugin("pybtex.style.formatting", "alpha_bibkey", KeyLabelAlphaStyle)
    return {"parallel_read_safe": True}
