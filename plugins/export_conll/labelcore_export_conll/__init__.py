"""labelcore plugin: the CONLL2003 export format (BIO-tagged tokens of labelled text spans).

Hookimpls only; the exporter is built in ``exporter.py`` from the sibling modules.
"""

from labelcore import hookimpl

from labelcore_export_conll.exporter import EXPORTERS


@hookimpl
def register_exporters():
    return EXPORTERS
