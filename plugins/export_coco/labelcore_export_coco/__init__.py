"""labelcore plugin: the COCO and COCO_WITH_IMAGES export formats (see ``coco.py``).

Hookimpls only; ``coco`` builds the specs, ``regions``/``shapes``/``masks``/``media`` read the
regions, which the Pascal VOC plugin reuses.
"""

from labelcore import hookimpl

from labelcore_export_coco.coco import EXPORTERS


@hookimpl
def register_exporters():
    return EXPORTERS
