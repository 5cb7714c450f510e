"""TagSpecs of the plugin: attribute models (and, for controls, result value models)."""

from __future__ import annotations

from pydantic import Field

from labelcore import TagSpec
from labelcore.tag_models import ObjectAttributes


class ExampleAttributes(ObjectAttributes):
    """``<Example name="..." value="$field" fontSize="14"/>``; ``name`` and ``value`` come from
    ObjectAttributes. Field names are Label Studio's attribute spelling."""

    fontSize: int = Field(default=14, ge=6, le=72)


EXAMPLE_TAGS = [
    # An ES module that renders the tag goes in labelcore_example/static/ and is named here with
    # module="example.js"; it is then served at /plugins/labelcore-example/static/example.js.
    TagSpec(name="Example", kind="object", attributes=ExampleAttributes, data_type="text",
            description="Shows a text field of the task (value=$field) in a chosen font size."),
]
