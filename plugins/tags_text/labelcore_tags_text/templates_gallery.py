"""Natural-language templates for the project-creation gallery (Label Studio's gallery configs)."""

from __future__ import annotations

from labelcore import ConfigTemplateSpec

GROUP = "Natural Language Processing"
NEWS = ("Apple opened a new office in Berlin on Monday, and Tim Cook said the team would grow to "
        "300 people by 2026.")

TEXT_TEMPLATES = [
    ConfigTemplateSpec(
        id="text-classification", group=GROUP, title="Text classification",
        description="Classify a text into one of a few classes (sentiment here).",
        config="""<View>
  <Text name="text" value="$text"/>
  <View style="box-shadow: 2px 2px 5px #999; padding: 20px; margin-top: 2em; border-radius: 5px;">
    <Header value="Choose text sentiment"/>
    <Choices name="sentiment" toName="text" choice="single" showInLine="true">
      <Choice value="Positive"/>
      <Choice value="Negative"/>
      <Choice value="Neutral"/>
    </Choices>
  </View>
</View>""",
        sample_data={"text": "The grinder is quiet, fast and the coffee tastes better than ever."},
    ),
    ConfigTemplateSpec(
        id="named-entity-recognition", group=GROUP, title="Named entity recognition",
        description="Mark people, organisations and places in a text.",
        config="""<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="red"/>
    <Label value="ORG" background="darkorange"/>
    <Label value="LOC" background="orange"/>
    <Label value="MISC" background="green"/>
  </Labels>

  <Text name="text" value="$text"/>
</View>""",
        sample_data={"text": NEWS},
    ),
    ConfigTemplateSpec(
        id="relation-extraction", group=GROUP, title="Relation extraction",
        description="Mark entities, then link them with typed relations.",
        config="""<View>
  <Relations>
    <Relation value="org:founded_by"/>
    <Relation value="org:founded"/>
    <Relation value="per:employee_of"/>
  </Relations>
  <Labels name="label" toName="text">
    <Label value="Organization" background="orange"/>
    <Label value="Person" background="green"/>
    <Label value="Datetime" background="blue"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>""",
        sample_data={"text": NEWS},
    ),
    ConfigTemplateSpec(
        id="question-answering", group=GROUP, title="Question answering",
        description="Select the span of a passage that answers a question.",
        config="""<View>
  <Header value="Please read the passage"/>
  <Text name="text" value="$text" granularity="word"/>
  <Header value="Select a text span answering the following question:"/>
  <Text name="question" value="$question"/>
  <Labels name="answer" toName="text">
    <Label value="Answer" maxUsage="1" background="red"/>
  </Labels>
</View>""",
        sample_data={"text": NEWS, "question": "Where did Apple open a new office?"},
    ),
    ConfigTemplateSpec(
        id="intent-classification", group=GROUP, title="Dialogue intent classification",
        description="Label the intent of each line of a conversation.",
        config="""<View>
  <Paragraphs name="dialogue" value="$dialogue" layout="dialogue"/>
  <ParagraphLabels name="intent" toName="dialogue">
    <Label value="Greeting" background="#74c0fc"/>
    <Label value="Request" background="#ffa94d"/>
    <Label value="Answer" background="#8ce99a"/>
  </ParagraphLabels>
</View>""",
        sample_data={"dialogue": [
            {"author": "Alice", "text": "Hi! Is the new labeling project ready?"},
            {"author": "Bob", "text": "Almost: the images are imported, the config is next."},
            {"author": "Alice", "text": "Great, send me the link when it is."},
        ]},
    ),
]
