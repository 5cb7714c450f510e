"""Label Studio's own template gallery judges the config engine.

Every config shipped in the `label-studio` 1.23.2 wheel (`label_studio/annotation_templates`) is
read straight from the wheel. A config whose tags are all provided by the installed plugins must
validate; one that uses a tag nobody provides must be rejected naming that tag. `./dev test`
downloads the wheel into .cache/wheels (or set LABELCORE_LS_WHEEL).
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from lxml import etree

from labelcore.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
WHEEL = Path(os.environ.get("LABELCORE_LS_WHEEL", ROOT / ".cache/wheels/label_studio-1.23.2-py3-none-any.whl"))
PREFIX = "label_studio/annotation_templates/"


def _gallery() -> list[tuple[str, str]]:
    if not WHEEL.exists():
        return []
    configs = []
    with zipfile.ZipFile(WHEEL) as wheel:
        for name in sorted(wheel.namelist()):
            if not name.startswith(PREFIX):
                continue
            if name.endswith("/config.yml"):
                configs.append((name[len(PREFIX):], yaml.safe_load(wheel.read(name))["config"]))
            elif name.endswith("/config.xml"):
                configs.append((name[len(PREFIX):], wheel.read(name).decode("utf-8")))
    return configs


GALLERY = _gallery()


def _tags(xml: str) -> set[str]:
    root = etree.fromstring(xml.encode(), etree.XMLParser(remove_comments=True))
    return {element.tag for element in root.iter() if isinstance(element.tag, str)}


def _sample_data(xml: str) -> dict | None:
    """Some templates carry an example task in a trailing `<!-- {"data": ...} -->` comment."""
    match = re.search(r"<!--\s*(\{.*\})\s*-->\s*$", xml, re.S)
    if not match:
        return None
    try:
        sample = json.loads(match.group(1))
    except json.JSONDecodeError:
        return None
    return sample.get("data") if isinstance(sample, dict) else None


def test_the_gallery_is_there_and_complete():
    assert WHEEL.exists(), f"{WHEEL} is missing: run ./dev test (it downloads label-studio==1.23.2 without deps)"
    assert len(GALLERY) == 102


@pytest.mark.parametrize("path,xml", GALLERY, ids=[path for path, _ in GALLERY])
def test_gallery_config(installed, path, xml):
    missing = sorted(tag for tag in _tags(xml) if installed.registry.tag(tag) is None)
    if not missing:
        parsed = installed.parse(xml)
        assert parsed.objects
        sample = _sample_data(xml)
        if sample is not None:
            assert parsed.missing_data_keys(sample) == []
        return
    with pytest.raises(ConfigError) as caught:
        installed.parse(xml)
    reported = {issue.tag for issue in caught.value.issues if issue.message.startswith("unknown tag")}
    assert reported == set(missing)


def test_only_audio_video_timeseries_chat_and_pdf_tags_are_left_to_other_plugins(installed):
    """Core, tags_image and tags_text provide every other tag the gallery uses."""
    used = set().union(*(_tags(xml) for _, xml in GALLERY))

    missing = {tag for tag in used if installed.registry.tag(tag) is None}

    assert missing == {"Audio", "Channel", "Chat", "OcrLabels", "Pdf", "TimeSeries", "TimeSeriesLabels",
                       "TimelineLabels", "Video", "VideoRectangle"}
