"""labelcore plugin: an example ``<Example>`` object tag.

Hookimpls only; the specs they return are built in sibling modules (``tags.py``), which tests
import directly.
"""

from labelcore import hookimpl

from labelcore_example.tags import EXAMPLE_TAGS


@hookimpl
def register_tags():
    return EXAMPLE_TAGS
