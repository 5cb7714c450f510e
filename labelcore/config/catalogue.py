"""Which distribution provides each tag of Label Studio's config language.

Used only to word the error for a tag no installed plugin provides: "<Audio> is provided by
labelcore-tags-audio, which is not installed" tells the user what to ``pip install``.
"""

from __future__ import annotations

_PROVIDERS: dict[str, tuple[str, ...]] = {
    "labelcore": (
        "View", "Header", "Style", "Filter", "Collapse", "Panel", "Repeater", "Choices", "Choice",
        "Taxonomy", "TextArea", "Rating", "Number", "DateTime", "Pairwise", "Ranker", "Bucket", "List",
        "Relations", "Relation", "Shortcut", "Label",
    ),
    "labelcore-tags-image": (
        "Image", "RectangleLabels", "Rectangle", "PolygonLabels", "Polygon", "EllipseLabels", "Ellipse",
        "KeyPointLabels", "KeyPoint", "BrushLabels", "Brush", "MagicWand",
    ),
    "labelcore-tags-text": (
        "Text", "HyperText", "Paragraphs", "Table", "Labels", "HyperTextLabels", "ParagraphLabels",
    ),
    "labelcore-tags-audio": ("Audio", "AudioPlus"),
    "labelcore-tags-video": ("Video", "VideoRectangle", "TimelineLabels"),
    "labelcore-tags-timeseries": ("TimeSeries", "TimeSeriesLabels", "Channel", "MultiChannel"),
}

KNOWN_PROVIDERS: dict[str, str] = {
    tag.lower(): dist for dist, tags in _PROVIDERS.items() for tag in tags
}

#: Label Studio tags that no labelcore distribution provides yet.
LABEL_STUDIO_ONLY = frozenset(
    name.lower() for name in ("Chat", "Pdf", "OcrLabels", "Markdown", "Vector", "VectorLabels", "BitmaskLabels",
                               "Bitmask", "ReactCode", "Custom", "Ranking", "RichText")
)


def provider_hint(tag: str) -> str:
    """A sentence saying where an unknown tag would come from."""
    dist = KNOWN_PROVIDERS.get(tag.lower())
    if dist:
        return f"it is provided by the {dist} distribution, which is not installed (pip install {dist})"
    if tag.lower() in LABEL_STUDIO_ONLY:
        return "it is a Label Studio tag that no labelcore plugin provides yet"
    return "no known plugin provides it"
