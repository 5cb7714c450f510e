"""Hardened XML parsing of labeling configs.

Configs come from users, so the parser never expands entities, reads DTDs or touches the
network, and documents with a DOCTYPE or ENTITY declaration are refused before lxml sees them
(a billion-laughs payload costs a substring search, nothing more).
"""

from __future__ import annotations

import re

from lxml import etree

from labelcore.errors import ConfigError
from labelcore.specs import ConfigIssue

MAX_CONFIG_BYTES = 5 * 1024 * 1024

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def _fail(message: str, line: int | None = None) -> ConfigError:
    return ConfigError([ConfigIssue(message=message, line=line)])


def parse_xml(xml: str | bytes, max_bytes: int = MAX_CONFIG_BYTES) -> etree._Element:
    """Parse config text into an lxml element tree, or raise ConfigError with the line at fault."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(data) > max_bytes:
        raise _fail(f"config is {len(data)} bytes; the limit is {max_bytes} bytes")
    if not data.strip():
        raise _fail("config is empty; it must be a <View> element")
    declaration = _DECLARATION.search(data)
    if declaration:
        line = data.count(b"\n", 0, declaration.start()) + 1
        kind = declaration.group(1).decode().upper()
        raise _fail(f"<!{kind}> declarations are not allowed in a labeling config (entities are never expanded)", line)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        message = exc.msg or str(exc)
        # lxml appends "(<string>, line N)" to some messages; the line is reported separately
        message = re.sub(r",? \(<string>, line \d+\)$", "", message)
        raise _fail(f"invalid XML: {message}", line) from None
    for element in root.iter():
        if isinstance(element, etree._Entity):
            raise _fail(f"entity reference &{element.name}; is not allowed", element.sourceline)
    return root
