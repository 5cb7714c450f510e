"""The dataset's description files: ``classes.txt``, ``notes.json`` (Label Studio's) and ``data.yaml``.

``classes.txt`` has one name per line, line N being class id N (Darknet and Ultralytics read it
that way). Label Studio writes it in its categories' order, which differs from the ids when labels
carry ``category`` attributes; here line N is always id N. A gap in the ids (``category="1"`` with
no 0) is filled with ``unused_<id>``, since Ultralytics needs the names 0..nc-1.

``data.yaml`` is written by hand, not with a YAML library: every name is a double-quoted scalar
with escapes for anything YAML would not read back verbatim. ``path`` is empty so Ultralytics
takes the folder holding the file as the dataset root (``path: .`` would mean the working
directory); train and val both point at ``images`` because the export has no split.
"""

from __future__ import annotations

import json
from datetime import datetime

from labelcore_export_yolo.schema import ClassNumbers


def placeholder(number: int) -> str:
    return f"unused_{number}"


def indexed_names(classes: ClassNumbers) -> list[str]:
    return [name if name is not None else placeholder(number) for number, name in enumerate(classes.names())]


def classes_txt(classes: ClassNumbers) -> str:
    # a line break inside a label would shift every later line
    return "".join(" ".join(name.splitlines()) + "\n" for name in indexed_names(classes))


def notes_json(classes: ClassNumbers, extra_info: dict[str, object] | None = None) -> str:
    categories = [{"id": number, "name": name} for number, name in enumerate(classes.names()) if name is not None]
    info: dict[str, object] = {"year": datetime.now().year, "version": "1.0", "contributor": "labelcore"}
    info.update(extra_info or {})
    return json.dumps({"categories": categories, "info": info}, indent=2, ensure_ascii=False) + "\n"


def _verbatim(code: int) -> bool:
    """Whether a character may stand as itself in a double-quoted scalar: YAML's printable set,
    minus the quote, the backslash, the BOM and the characters YAML 1.1 reads as line breaks."""
    if code in (0x22, 0x5C, 0x2028, 0x2029, 0xFEFF):
        return False
    return 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


def yaml_string(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that any YAML 1.1/1.2 reader reads back unchanged."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif _verbatim(code):
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def data_yaml(classes: ClassNumbers, obb: bool = False) -> str:
    names = indexed_names(classes)
    train = "yolo obb train data=data.yaml" if obb else \
        "yolo detect train data=data.yaml (yolo segment train when the labels are polygons)"
    lines = [
        "# Ultralytics YOLO dataset exported by labelcore: images in images/, labels in labels/.",
        f"# Train with: {train}",
        'path: ""  # empty: the folder holding this file',
        "train: images",
        "val: images",
        f"nc: {len(names)}",
        "names:" if names else "names: {}",
    ]
    lines.extend(f"  {number}: {yaml_string(name)}" for number, name in enumerate(names))
    return "\n".join(lines) + "\n"
