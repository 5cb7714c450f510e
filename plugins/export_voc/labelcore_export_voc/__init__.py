"""labelcore plugin: the VOC and VOC_WITH_IMAGES (Pascal VOC XML) export formats (see ``voc.py``).

Hookimpls only.
"""

from labelcore import hookimpl

from labelcore_export_voc.voc import EXPORTERS


@hookimpl
def register_exporters():
    return EXPORTERS
