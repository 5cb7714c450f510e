"""Builtin plugin: gallery templates that combine modalities (an image and a text together).

Single-modality templates come with the plugin that provides their tags (``tags_image``,
``tags_text``); the gallery shows a template only when its config parses with the installed
plugins, so these appear once both are installed.
"""

from __future__ import annotations

from labelcore.hookspecs import hookimpl
from labelcore.specs import ConfigTemplateSpec

GROUP = "Multi-modal"


@hookimpl(trylast=True)
def register_config_templates() -> list[ConfigTemplateSpec]:
    return [
        ConfigTemplateSpec(
            id="visual-question-answering", group=GROUP, title="Visual question answering",
            description="Answer a question about an image in free text.",
            config="""<View>
  <Image name="image" value="$image"/>
  <Header value="Question"/>
  <Text name="question" value="$question"/>
  <TextArea name="answer" toName="image" placeholder="Your answer" maxSubmissions="1" editable="true"/>
</View>""",
            sample_data={"image": "/ui/sample-image.png", "question": "How many shapes are in the picture?"},
        ),
        ConfigTemplateSpec(
            id="image-caption-match", group=GROUP, title="Does the caption match the image?",
            description="Judge whether a caption describes its image.",
            config="""<View>
  <Image name="image" value="$image"/>
  <Text name="caption" value="$caption"/>
  <Choices name="match" toName="caption" choice="single" showInline="true">
    <Choice value="Matches"/>
    <Choice value="Partly"/>
    <Choice value="Does not match"/>
  </Choices>
</View>""",
            sample_data={"image": "/ui/sample-image.png", "caption": "Two purple circles on a grey background."},
        ),
    ]
