"""Labeling configs with the text tags: what is accepted, how attributes are typed, and the exact
error (with its line) for what is not."""

from __future__ import annotations

import pytest

# --------------------------------------------------------------------------- accepted


def test_text_with_every_attribute(checker):
    parsed = checker.parse("""<View>
  <Text name="text" value="$text" valueType="text" saveTextResult="yes" selectionEnabled="false"
        highlightColor="#ff0000" showLabels="true" encoding="base64unicode" granularity="word"/>
</View>""")

    text = parsed.objects["text"]
    assert text.spec.data_type == "text"
    assert text.values.model_dump(exclude_unset=True) == {
        "name": "text", "value": "$text", "valueType": "text", "saveTextResult": "yes", "selectionEnabled": False,
        "highlightColor": "#ff0000", "showLabels": True, "encoding": "base64unicode", "granularity": "word"}
    assert parsed.warnings == []


def test_text_defaults_follow_label_studio(checker):
    text = checker.parse('<View><Text name="text" value="$text"/></View>').objects["text"].values

    assert (text.valueType, text.saveTextResult, text.encoding, text.granularity) == ("text", "none", "none", "symbol")
    assert text.selectionEnabled is True
    assert text.showLabels is None  # follows the annotator's editor setting


def test_hypertext_with_every_attribute(checker):
    parsed = checker.parse("""<View>
  <HyperText name="page" value="$html" valueType="url" inline="true" saveTextResult="no" clickableLinks="true"
             selectionEnabled="true" highlightColor="#00ff00" showLabels="false" encoding="none"
             granularity="sentence"/>
</View>""")

    page = parsed.objects["page"]
    assert page.spec.data_type == "html"
    assert (page.values.inline, page.values.clickableLinks, page.values.valueType) == (True, True, "url")
    assert parsed.warnings == []


def test_paragraphs_with_every_attribute(checker):
    parsed = checker.parse("""<View>
  <Paragraphs name="chat" value="$dialogue" valueType="json" audioUrl="$audio" sync="player" showPlayer="true"
              saveTextResult="no" layout="dialogue" nameKey="speaker" textKey="utterance" contextScroll="true"
              highlightColor="#0000ff" showLabels="true"/>
</View>""")

    chat = parsed.objects["chat"]
    assert chat.spec.data_type == "json"
    assert (chat.values.nameKey, chat.values.textKey, chat.values.layout) == ("speaker", "utterance", "dialogue")
    assert parsed.data_keys == ["dialogue"]  # the audio is optional: a task without it still shows the text
    assert parsed.all_data_keys == ["dialogue", "audio"]
    assert parsed.warnings == []


def test_paragraphs_defaults_follow_label_studio(checker):
    chat = checker.parse('<View><Paragraphs name="chat" value="$dialogue"/></View>').objects["chat"].values

    assert (chat.valueType, chat.layout, chat.nameKey, chat.textKey, chat.saveTextResult) == (
        "json", "none", "author", "text", "yes")
    assert (chat.showPlayer, chat.contextScroll) == (False, False)


def test_attributes_match_case_insensitively_as_in_label_studio(checker):
    chat = checker.parse('<View><Paragraphs name="chat" value="$d" savetextresult="no" CONTEXTSCROLL="true"/>'
                         '</View>').objects["chat"]

    assert (chat.values.saveTextResult, chat.values.contextScroll) == ("no", True)
    assert chat.normalized_attrs() == {"name": "chat", "value": "$d", "saveTextResult": "no", "contextScroll": "true"}


def test_paragraphs_granularity_is_ignored_by_label_studio_so_it_is_a_warning(checker):
    # the conversational-analysis template sets it, but Label Studio's Paragraphs has no such attribute
    parsed = checker.parse("""<View>
  <Paragraphs name="chat" value="$dialogue" granularity="paragraph"/>
</View>""")

    assert [str(issue) for issue in parsed.warnings] == [
        "line 2: <Paragraphs> unknown attribute 'granularity' (ignored)"]


@pytest.mark.parametrize("value_type", ["json", "csv", "csv|separator=;", "csv|url|headless", "json|url"])
def test_table_value_types(checker, value_type):
    parsed = checker.parse(f'<View><Table name="facts" value="$facts" valueType="{value_type}"/></View>')

    assert parsed.objects["facts"].values.valueType == value_type


def test_labels_with_every_attribute(checker):
    parsed = checker.parse("""<View>
  <Labels name="ner" toName="text" choice="multiple" maxUsages="3" showInline="false" opacity="0.4"
          fillColor="#ff0000" strokeColor="#00ff00" strokeWidth="2" fillOpacity="0.5" allowEmpty="true"
          required="true" perRegion="false" hotkey="n">
    <Label value="PER" alias="P" hotkey="1" background="red" granularity="word" maxUsages="2"/>
    <Label value="ORG" selected="true" showAlias="true" hint="organisations"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>""")

    assert parsed.labels("ner") == ["PER", "P", "ORG"]
    assert parsed.controls["ner"].values.allowEmpty is True
    assert parsed.warnings == []


def test_labels_may_take_their_options_from_task_data(checker):
    parsed = checker.parse("""<View>
  <Labels name="ner" toName="text" value="$entity_types"/>
  <Text name="text" value="$text"/>
</View>""")

    assert parsed.is_dynamic("ner")
    assert parsed.summary()["controls"][0]["labels"] == "dynamic from $entity_types"


def test_labels_may_label_a_hypertext_or_paragraphs_too(checker):
    # <Labels> has no fixed target: Label Studio also uses it with Image, Audio, TimeSeries...
    parsed = checker.parse("""<View>
  <Labels name="html_ner" toName="page"><Label value="Title"/></Labels>
  <HyperText name="page" value="$html"/>
</View>""")

    assert parsed.controls["html_ner"].to_names == ["page"]


def test_one_config_with_every_text_tag(checker):
    parsed = checker.parse("""<View>
  <Labels name="ner" toName="text"><Label value="PER"/></Labels>
  <Text name="text" value="$text"/>
  <HyperTextLabels name="html_ner" toName="page"><Label value="Title"/></HyperTextLabels>
  <HyperText name="page" value="$html"/>
  <ParagraphLabels name="turns" toName="dialogue"><Label value="Question"/></ParagraphLabels>
  <Paragraphs name="dialogue" value="$dialogue" layout="dialogue"/>
  <Table name="facts" value="$facts"/>
</View>""")

    assert [(control["tag"], control["type"]) for control in parsed.summary()["controls"]] == [
        ("Labels", "labels"), ("HyperTextLabels", "hypertextlabels"), ("ParagraphLabels", "paragraphlabels")]
    assert parsed.data_keys == ["text", "html", "dialogue", "facts"]


# --------------------------------------------------------------------------- rejected


def test_to_name_must_name_a_tag(config_errors):
    assert config_errors("""<View>
  <Labels name="ner" toName="txt">
    <Label value="PER"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>""") == ["line 2: <Labels> toName='txt' of <Labels name='ner'> refers to no tag; known object tags: text"]


def test_paragraph_labels_only_label_paragraphs(config_errors):
    assert config_errors("""<View>
  <Text name="text" value="$text"/>
  <ParagraphLabels name="turns" toName="text">
    <Label value="Question"/>
  </ParagraphLabels>
</View>""") == ["line 3: <ParagraphLabels> toName='text' of <ParagraphLabels name='turns'> refers to <Text>, "
                "but <ParagraphLabels> works with <Paragraphs>"]


def test_hypertext_labels_only_label_hypertext(config_errors):
    assert config_errors("""<View>
  <Text name="text" value="$text"/>
  <HyperTextLabels name="html_ner" toName="text"><Label value="Title"/></HyperTextLabels>
</View>""") == ["line 3: <HyperTextLabels> toName='text' of <HyperTextLabels name='html_ner'> refers to <Text>, "
                "but <HyperTextLabels> works with <HyperText>"]


@pytest.mark.parametrize("tag", ["Labels", "HyperTextLabels", "ParagraphLabels"])
def test_a_labels_control_needs_label_children(config_errors, tag):
    target = {"Labels": "Text", "HyperTextLabels": "HyperText", "ParagraphLabels": "Paragraphs"}[tag]

    assert config_errors(f"""<View>
  <{tag} name="spans" toName="doc"/>
  <{target} name="doc" value="$doc"/>
</View>""") == [f"line 2: <{tag}> <{tag} name='spans'> has no <Label> children; add at least one, or set "
                "value=\"$field\" to take them from task data"]


@pytest.mark.parametrize("element,message", [
    ('<Text name="t" value="$t" granularity="letter"/>',
     "<Text> attribute granularity='letter': Input should be 'symbol', 'word', 'sentence' or 'paragraph'"),
    ('<Text name="t" value="$t" valueType="html"/>',
     "<Text> attribute valueType='html': Input should be 'text' or 'url'"),
    ('<Text name="t" value="$t" saveTextResult="true"/>',
     "<Text> attribute saveTextResult='true': Input should be 'none', 'no' or 'yes'"),
    ('<HyperText name="t" value="$t" encoding="base32"/>',
     "<HyperText> attribute encoding='base32': Input should be 'none', 'base64' or 'base64unicode'"),
    ('<HyperText name="t" value="$t" inline="sometimes"/>',
     "<HyperText> attribute inline='sometimes': Input should be a valid boolean, unable to interpret input"),
    ('<Paragraphs name="t" value="$t" layout="chat"/>',
     "<Paragraphs> attribute layout='chat': Input should be 'none' or 'dialogue'"),
    ('<Paragraphs name="t" value="$t" valueType="text"/>',
     "<Paragraphs> attribute valueType='text': Input should be 'json' or 'url'"),
    ('<Table name="t" value="$t" valueType="xml"/>',
     "<Table> attribute valueType='xml': String should match pattern '^(json|csv)(\\W.*)?$'"),
])
def test_bad_attribute_values_name_the_allowed_ones(config_errors, element, message):
    assert config_errors(f"<View>\n  {element}\n</View>") == [f"line 2: {message}"]


def test_bad_labels_attribute_values(config_errors):
    assert config_errors("""<View>
  <Text name="text" value="$text"/>
  <Labels name="ner" toName="text" choice="many" fillOpacity="2">
    <Label value="PER" granularity="letter"/>
  </Labels>
</View>""") == [
        "line 3: <Labels> attribute choice='many': Input should be 'single' or 'multiple'",
        "line 3: <Labels> attribute fillOpacity='2': Input should be less than or equal to 1",
        "line 4: <Label> attribute granularity='letter': Input should be 'symbol', 'word', 'sentence' or "
        "'paragraph'",
    ]


@pytest.mark.parametrize("tag", ["Text", "HyperText", "Paragraphs", "Table"])
def test_an_object_tag_needs_a_value(config_errors, tag):
    assert config_errors(f'<View>\n  <{tag} name="doc"/>\n</View>') == [
        f"line 2: <{tag}> missing required attribute 'value'"]


def test_a_label_belongs_inside_a_labels_control(config_errors):
    assert config_errors("""<View>
  <Text name="text" value="$text">
    <Label value="PER"/>
  </Text>
</View>""") == ["line 3: <Label> <Label> must be inside <HyperTextLabels>, <Labels>, <ParagraphLabels>, "
                "not in <Text>"]
