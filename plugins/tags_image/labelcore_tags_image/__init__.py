"""labelcore plugin: Label Studio's image tags (Image, RectangleLabels, PolygonLabels, ...)."""

from labelcore import hookimpl

from labelcore_tags_image.tags import IMAGE_TAGS, image_source_issues


@hookimpl
def register_tags():
    return IMAGE_TAGS


@hookimpl
def check_config(config):
    return image_source_issues(config)
