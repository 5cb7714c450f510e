"""Label Studio's template gallery: the NLP, conversational and structured-data configs that use
only core and text tags parse with this plugin alone.

The configs come from `label_studio/annotation_templates/<group>/<name>/config.yml` of
label-studio 1.23.2 (comments dropped, the longest community ones shortened), so this suite needs
neither the wheel nor other plugins; core's `tests/test_label_studio_gallery.py` runs the whole
gallery against every installed plugin.
"""

from __future__ import annotations

import pytest

from labelcore.results import validate_results

GALLERY = {
    "natural-language-processing/named-entity-recognition": """<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="red"/>
    <Label value="ORG" background="darkorange"/>
    <Label value="LOC" background="orange"/>
    <Label value="MISC" background="green"/>
  </Labels>

  <Text name="text" value="$text"/>
</View>""",
    "natural-language-processing/question-answering": """<View>
  <Header value="Please read the passage" />
  <Text name="text" value="$text" granularity="word"/>
  <Header value="Select a text span answering the following question:"/>
  <Text name="question" value="$question"/>

  <Labels name="answer" toName="text">
    <Label value="Answer" maxUsage="1" background="red"/>
  </Labels>

</View>""",
    "natural-language-processing/relation-extraction": """<View>
   <Relations>
    <Relation value="org:founded_by"/>
    <Relation value="org:founded"/>
  </Relations>
  <Labels name="label" toName="text">
    <Label value="Organization" background="orange"/>
    <Label value="Person" background="green"/>
    <Label value="Datetime" background="blue"/>
  </Labels>

  <Text name="text" value="$text"/>
</View>""",
    "natural-language-processing/taxonomy": """<View>
  <Text name="text" value="$text"/>
  <Taxonomy name="taxonomy" toName="text">
    <Choice value="Archaea" />
    <Choice value="Bacteria" />
    <Choice value="Eukarya">
      <Choice value="Human" />
      <Choice value="Oppossum" />
      <Choice value="Extraterrestial" />
    </Choice>
  </Taxonomy>
</View>""",
    "natural-language-processing/text-summarization": """<View>
  <Header value="Please read the text" />
  <Text name="text" value="$text" />

  <Header value="Provide one sentence summary" />
  <TextArea name="answer" toName="text"
            showSubmitButton="true" maxSubmissions="1" editable="true"
            required="true" />
</View>""",
    "natural-language-processing/machine-translation": """<View>
  <View style="display: grid; grid-template: auto/1fr 1fr; column-gap: 1em">
    <Header value="Read the sentence in English" />
    <Header value="Provide translation in Spanish" />

  <Text name="english" value="$english" />

  <TextArea name="spanish" toName="english" transcription="true"
            showSubmitButton="true" maxSubmissions="1" editable="true"
            required="true"/>
  </View>
</View>""",
    "natural-language-processing/text-classification": """<View>
  <Text name="text" value="$text"/>
  <View style="box-shadow: 2px 2px 5px #999;
               padding: 20px; margin-top: 2em;
               border-radius: 5px;">
    <Header value="Choose text sentiment"/>
    <Choices name="sentiment" toName="text"
             choice="single" showInLine="true">
      <Choice value="Positive"/>
      <Choice value="Negative"/>
      <Choice value="Neutral"/>
    </Choices>
  </View>
</View>""",
    "conversational-ai/coreference-resolution-and-entity-linking": """<View>
  <Labels name="label" toName="text">
    <Label value="Noun" background="red"/>
    <Label value="Pronoun" background="darkorange"/>
  </Labels>

  <Text name="text" value="$corefText"/>
</View>""",
    "conversational-ai/intent-classification-and-slot-filling": """<View>
  <ParagraphLabels name="entity_slot" toName="dialogue">
    <Label value="Person" />
    <Label value="Organization" />
    <Label value="Location" />
    <Label value="Datetime" />
    <Label value="Quantity" />
  </ParagraphLabels>
  <Paragraphs name="dialogue" value="$humanMachineDialogue" layout="dialogue" />
    <Choices name="intent" toName="dialogue"
         choice="single" showInLine="true">
        <Choice value="Greeting"/>
        <Choice value="Customer request"/>
        <Choice value="Small talk"/>
    </Choices>
</View>""",
    "conversational-ai/response-selection": """<View>
  <Paragraphs name="prg" value="$humanMachineDialogue" layout="dialogue" />
  <Header value="Choose response" />
  <View style="display: flex;">
    <View>
    <Text name="resp1" value="$respone" />
    <Text name="resp2" value="$resptwo" />
    <Text name="resp3" value="$respthree" />
    </View>
    <View style="padding: 50px;">
    <Choices name="resp" toName="prg" required="true">
      <Choice value="One" />
      <Choice value="Two" />
      <Choice value="Three" />
    </Choices>
    </View>
  </View>
</View>""",
    "structured-data-parsing/html-entity-recognition": """<View>
  <HyperTextLabels name="ner" toName="text">
    <Label value="Title" background="green"/>
    <Label value="Author" background="blue"/>
    <Label value="Body" background="yellow"/>
  </HyperTextLabels>

  <View style="border: 1px solid #CCC;
               border-radius: 10px;
               padding: 5px">
    <HyperText name="text" value="$html"/>
  </View>
</View>""",
    "structured-data-parsing/tabular-data": """<View>
    <Header value="Table with {key: value} pairs"/>
    <Table name="table" value="$item"/>
    <Choices name="choice" toName="table">
        <Choice value="Correct"/>
        <Choice value="Incorrect"/>
    </Choices>
</View>""",
    "community-contributions/ner-tagging-invoices-bio-format": """<View style="display: flex; align-items: flex-start; gap: 1em;">
  <View style="min-width: 250px; padding: 0.5em; background: #f7f7f7; border-radius: 4px;">
    <Header value="NER Tags" />
    <Labels name="ner" toName="text" showInline="false">
      <Label value="B-NIF"    background="#FF5733" />
      <Label value="B-FORN"   background="#33FF57" />
      <Label value="I-NIF"    background="#FF5733" />
      <Label value="I-FORN"   background="#33FF57" />
      <Label value="O"        background="#aaa"    />
    </Labels>
  </View>
  <View style="flex: 1; max-height: 80vh; overflow-y: auto;">
    <Text
      name="text"
      value="$ocr"
      granularity="word"
    />
  </View>
</View>""",
    "community-contributions/two-level-sentiment-analysis-of-x-twitter-posts": """<View>
  <Style>
    .htx-text{padding:0; background: transparent; border:none;}
  </Style>
  <View style="border: 1px solid #e1e8ed; border-radius: 8px; padding: 10px;">
    <View style="display: flex; align-items: center; gap: 10px;">
      <Header name="username" value="John Doe" />
      <Text name="handle" value="@johndoe" style="color:gray;" />
      <Text name="timestamp" value="· 2 hrs ago" style="color:gray;" />
    </View>
    <View style="margin-top: 8px;">
      <Text name="tweet" value="$tweet" />
    </View>
    <View style="display: flex; justify-content: space-between; font-size: 12px;">
      <Text name="comments" value="💬 10" />
      <Text name="likes" value="❤️ 7" />
    </View>
  </View>

  <Choices name="sentiment" toName="tweet" choice="single">
    <Choice value="Positive" hint="Click on it if it says something nice or good" />
    <Choice value="Neutral" hint="Click on it if overall it doesn't express any sentiment" />
    <Choice value="Negative" hint="Click on if it says something bad or unpleasant" />
  </Choices>

  <Choices name="other-props" toName="tweet"
           choice="multiple" showInLine="true"
           visibleWhen="choice-selected"
           whenTagName="sentiment">
    <View style="width:100%">
      <Header value="Other properties of the post" />
    </View>
    <Choice value="Descriptive" />
    <Choice value="Emotional" hint="Click on it if it shows moderate to strong sentiment" />
  </Choices>
</View>""",
}


@pytest.mark.parametrize("path", GALLERY)
def test_gallery_config_parses_with_core_and_text_tags_only(checker, path):
    parsed = checker.parse(GALLERY[path])

    assert parsed.objects
    assert all(node.tag in ("Text", "HyperText", "Paragraphs", "Table") for node in parsed.objects.values())


def test_gallery_attributes_label_studio_ignores_are_warnings_not_errors(checker):
    # question-answering writes maxUsage (the attribute is maxUsages); the tweet template styles <Text>
    qa = checker.parse(GALLERY["natural-language-processing/question-answering"])
    tweet = checker.parse(GALLERY["community-contributions/two-level-sentiment-analysis-of-x-twitter-posts"])

    assert [str(issue) for issue in qa.warnings] == ["line 8: <Label> unknown attribute 'maxUsage' (ignored)"]
    assert [str(issue) for issue in tweet.warnings] == [
        "line 8: <Text> unknown attribute 'style' (ignored)",
        "line 9: <Text> unknown attribute 'style' (ignored)",
    ]


def test_literal_text_values_need_no_task_data(checker):
    parsed = checker.parse(GALLERY["community-contributions/two-level-sentiment-analysis-of-x-twitter-posts"])

    assert parsed.data_keys == ["tweet"]


PASSAGE = (
    "The boundary of the region from which no escape is possible is called the event horizon. Although the event "
    "horizon has an enormous effect on the fate and circumstances of an object crossing it, according to general "
    "relativity it has no locally detectable features.[4] In many ways, a black hole acts like an ideal black body, "
    "as it reflects no light.[5][6] Moreover, quantum field theory in curved spacetime predicts that event horizons "
    "emit Hawking radiation, with the same spectrum as a black body of a temperature inversely proportional to its "
    "mass. This temperature is on the order of billionths of a kelvin for black holes of stellar mass, making it "
    "essentially impossible to observe directly."
)


def test_the_relation_extraction_config_offers_its_relation_labels(checker):
    parsed = checker.parse(GALLERY["natural-language-processing/relation-extraction"])

    assert parsed.labels("Relations") == ["org:founded_by", "org:founded"]


def test_the_question_answering_sample_annotation_is_valid(checker):
    # the annotation Label Studio ships in the template's sample task
    parsed = checker.parse(GALLERY["natural-language-processing/question-answering"])
    answer = {
        "value": {"start": 423, "end": 553, "labels": ["Answer"],
                  "text": "event horizons emit Hawking radiation, with the same spectrum as a black body of a "
                          "temperature inversely proportional to its mass."},
        "id": "b0wKkdnnRc", "from_name": "answer", "to_name": "text", "type": "labels",
    }

    assert validate_results([answer], parsed, {"text": PASSAGE, "question": "How could black holes be detected?"}) == []


def test_conversational_analysis_fails_only_for_want_of_the_audio_plugin(config_errors):
    # audio-speech-processing/conversational-analysis: <Paragraphs> synced with an <Audio>
    errors = config_errors("""<View>
    <Audio name="audio" value="$audio"
           hotkey="space" sync="text"/>
    <Header value="Transcript"/>
    <Paragraphs audioUrl="$audio"
                sync="audio"
                name="text"
                value="$text"
                layout="dialogue"
                textKey="text"
                nameKey="author"
                granularity="paragraph"
                contextscroll="true" />
     <View style="position: sticky">
      <Header value="Sentiment Labels"/>
      <ParagraphLabels name="label" toName="text">
        <Label value="Positive1" background="#00ff00"/>
        <Label value="Negative" background="#ff0000"/>
      </ParagraphLabels>
    </View>
</View>""")

    # reported at the line where the <Audio> start tag begins
    assert len(errors) == 1
    assert errors[0].startswith("line 2: <Audio> unknown tag <Audio>: it is provided by the labelcore-tags-audio "
                                "distribution, which is not installed (pip install labelcore-tags-audio)")
