"""labelcore plugin: Label Studio's text tags (Text, HyperText, Paragraphs, Table, Labels, ...)."""

from labelcore import hookimpl

from labelcore_tags_text.tags import TEXT_TAGS
from labelcore_tags_text.templates_gallery import TEXT_TEMPLATES


@hookimpl
def register_tags():
    return TEXT_TAGS


@hookimpl
def register_config_templates():
    return TEXT_TEMPLATES
