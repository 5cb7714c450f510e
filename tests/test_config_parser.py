"""Configs come from users: the XML parser refuses entity tricks and oversized input."""

from __future__ import annotations

import signal

import pytest

from labelcore.config.parser import parse_xml
from labelcore.errors import ConfigError

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<View><Header value="&lol9;"/><Text name="t" value="$text">&lol9;</Text></View>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE View [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<View><Text name="t" value="&secret;"/></View>"""


@pytest.fixture
def deadline():
    """Fail instead of hanging if a payload were ever expanded."""
    def expired(*_):
        raise TimeoutError("parsing took longer than 5 s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def message_of(xml) -> tuple[int | None, str]:
    with pytest.raises(ConfigError) as caught:
        parse_xml(xml)
    issue = caught.value.issues[0]
    return issue.line, issue.message


def test_a_billion_laughs_payload_is_refused_without_expanding_it(deadline):
    assert message_of(BILLION_LAUGHS) == (
        2, "<!DOCTYPE> declarations are not allowed in a labeling config (entities are never expanded)")


def test_an_external_entity_is_refused_before_any_file_is_read(deadline):
    line, message = message_of(EXTERNAL_ENTITY)

    assert line == 2 and message.startswith("<!DOCTYPE> declarations are not allowed")


def test_an_entity_declaration_without_doctype_is_refused():
    assert message_of('<View>\n<!ENTITY x "y">\n</View>')[0] == 2


def test_an_undefined_entity_reference_is_a_syntax_error_with_its_line():
    line, message = message_of('<View>\n  <Text name="t" value="&nbsp;"/>\n</View>')

    assert line == 2 and message.startswith("invalid XML: Entity 'nbsp' not defined")


def test_broken_xml_names_the_line():
    line, message = message_of("<View>\n  <Text name='t' value='$t'>\n</View>")

    assert line == 3
    assert message.startswith("invalid XML: ")


def test_oversized_configs_are_refused_before_parsing():
    with pytest.raises(ConfigError) as caught:
        parse_xml("<View>" + " " * 2000 + "</View>", max_bytes=1000)

    assert str(caught.value) == "config is 2013 bytes; the limit is 1000 bytes"


def test_an_empty_config_is_refused():
    assert message_of("   ") == (None, "config is empty; it must be a <View> element")


def test_comments_and_processing_instructions_are_dropped():
    root = parse_xml('<?xml version="1.0"?>\n<View><!-- a note --><?php echo 1; ?><Header value="x"/></View>')

    assert [child.tag for child in root] == ["Header"]
