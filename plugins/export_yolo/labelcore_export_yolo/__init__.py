"""labelcore plugin: the YOLO export formats (YOLO, YOLO_OBB and their *_WITH_IMAGES variants).

Hookimpls only; the exporters are built in ``exporters.py`` from the sibling modules.
"""

from labelcore import hookimpl

from labelcore_export_yolo.exporters import EXPORTERS


@hookimpl
def register_exporters():
    return EXPORTERS
