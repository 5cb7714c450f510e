"""labelcore plugin: Label Studio's image tags (Image, RectangleLabels, PolygonLabels, ...)."""

from labelcore import hookimpl

from labelcore_tags_image.tags import IMAGE_TAGS


@hookimpl
def register_tags():
    return IMAGE_TAGS
