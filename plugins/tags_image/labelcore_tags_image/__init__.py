"""labelcore plugin: Label Studio's image tags (Image, RectangleLabels, PolygonLabels, ...)."""

from labelcore import hookimpl

from labelcore_tags_image.tags import IMAGE_TAGS, image_source_issues
from labelcore_tags_image.templates_gallery import IMAGE_TEMPLATES


@hookimpl
def register_tags():
    return IMAGE_TAGS


@hookimpl
def check_config(config):
    return image_source_issues(config)


@hookimpl
def register_config_templates():
    return IMAGE_TEMPLATES
