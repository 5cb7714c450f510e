"""The gallery templates this plugin contributes parse with core and this plugin alone, and their
sample data is a task they can show."""

from __future__ import annotations

import pytest

from labelcore.services.validation import task_problems
from labelcore_tags_image.templates_gallery import IMAGE_TEMPLATES


def test_the_templates_are_offered_in_the_gallery(checker):
    assert {spec.id for spec in IMAGE_TEMPLATES} <= set(checker.registry.config_templates)
    assert {"object-detection-bounding-boxes", "semantic-segmentation-polygons", "keypoint-labeling",
            "optical-character-recognition", "image-classification"} <= {spec.id for spec in IMAGE_TEMPLATES}


@pytest.mark.parametrize("template", IMAGE_TEMPLATES, ids=lambda spec: spec.id)
def test_each_template_parses_and_its_sample_is_a_valid_task(checker, template):
    config = checker.parse(template.config)

    assert config.objects, "a template shows something"
    assert list(task_problems({"data": template.sample_data}, config, checker.registry, None)) == []
