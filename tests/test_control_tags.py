"""The generic control tags and their option tags: which configs parse, what a user is told when
one does not, and which results fit them.

Configs use a tiny ``<Doc>`` object tag registered by a test plugin, so these tests need no
modality plugin. Result shapes are the ones Label Studio's labeling frontend writes.
"""

from __future__ import annotations

import pytest

from labelcore.errors import ConfigError
from labelcore.hookspecs import hookimpl
from labelcore.results import validate_results
from labelcore.specs import TagSpec
from labelcore.tag_models import LabelsControlAttributes, ObjectAttributes, labels_value
from labelcore.testing import ConfigChecker, plugin_manager


class DocPlugin:
    """An object tag showing a document (``<Doc name value>``), and a control labelling spans of it
    with ``<Label>`` children, standing in for the text plugin."""

    @staticmethod
    @hookimpl
    def register_tags():
        return [
            TagSpec(name="Doc", kind="object", attributes=ObjectAttributes, data_type="text"),
            TagSpec(name="Spans", kind="control", attributes=LabelsControlAttributes, children=("Label",),
                    requires_children=True, targets=("Doc",), result_type="spans",
                    value_model=labels_value("spans", start=(int, ...), end=(int, ...)), labels_key="spans"),
        ]


@pytest.fixture(scope="module")
def checker():
    return ConfigChecker(plugin_manager(DocPlugin))


def errors_of(checker, xml: str) -> list[tuple[int | None, str]]:
    """What the user is told about a config that cannot be used: (line, message) per problem."""
    with pytest.raises(ConfigError) as caught:
        checker.parse(xml)
    return [(issue.line, str(issue)) for issue in caught.value.issues]


def problems(results, parsed, data=None) -> list[str]:
    return [issue.message for issue in validate_results(results, parsed, data)]


def item(from_name: str, type_: str, value: dict, to_name: str = "doc", **extra) -> dict:
    return {"id": f"{from_name}-1", "from_name": from_name, "to_name": to_name, "type": type_, "value": value,
            **extra}


def view(*body: str) -> str:
    """A config: one <Doc name="doc"> and the given lines."""
    return "\n".join(['<View>', '  <Doc name="doc" value="$text"/>', *body, '</View>'])


# =========================================================================== valid configs

VALID_CONFIGS = {
    "choices with aliases, hints, hotkeys and a layout": view(
        '  <Choices name="sentiment" toName="doc" choice="single-radio" layout="inline" required="true">',
        '    <Choice value="Positive" alias="pos" hint="Happy" hotkey="1" selected="true"/>',
        '    <Choice value="Negative" alias="neg" html="&lt;b&gt;No&lt;/b&gt;" style="color: red"/>',
        '  </Choices>'),
    "choices wrapped in layout tags": view(
        '  <Choices name="topics" toName="doc" choice="multiple" showInline="true">',
        '    <View style="display: flex">',
        '      <Header value="Pick any"/><Choice value="Sports"/><Choice value="News"/>',
        '    </View>',
        '  </Choices>'),
    "dynamic, nested choices from task data": view(
        '  <Choices name="results" toName="doc" value="$options" allowNested="true" selection="checkbox"/>'),
    "per-region choices shown when a region is selected": view(
        '  <Spans name="span" toName="doc"><Label value="Person"/></Spans>',
        '  <Choices name="mood" toName="doc" perRegion="true" visibleWhen="region-selected" whenTagName="span">',
        '    <Choice value="Calm"/>',
        '  </Choices>'),
    "a three-level taxonomy": view(
        '  <Taxonomy name="media" toName="doc" leafsOnly="true" maxUsages="2" showFullPath="true" pathSeparator=" > ">',
        '    <Choice value="Online">',
        '      <Choice value="Paywall"><Choice value="NY Times"/></Choice>',
        '      <Choice value="Free"/>',
        '    </Choice>',
        '    <Choice value="Offline"/>',
        '  </Taxonomy>'),
    "a taxonomy loaded from a URL": view(
        '  <Taxonomy name="t" toName="doc" apiUrl="https://example.com/taxonomy.json" placeholder="Search"/>'),
    "a taxonomy taken from task data, open to annotators' labels": view(
        '  <Taxonomy name="t" toName="doc" value="$tree" allowAddLabels="true"/>'),
    "a transcription text area with shortcuts": view(
        '  <TextArea name="transcript" toName="doc" rows="4" editable="true" maxSubmissions="1" transcription="true"',
        '            placeholder="Type" displayMode="region-list" skipDuplicates="true" showSubmitButton="false">',
        '    <Shortcut value="[silence]" alias="Silence" hotkey="ctrl+1" background="#ff0000"/>',
        '  </TextArea>'),
    "a text area without toName, as in Label Studio's docs": view('  <TextArea name="notes"/>'),
    "a ten-heart rating": view('  <Rating name="stars" toName="doc" maxRating="10" icon="heart" size="large"/>'),
    "a number slider": view('  <Number name="count" toName="doc" min="0" max="10" step="0.5" slider="true"/>'),
    "dates, times, months and years": view(
        '  <DateTime name="day" toName="doc" only="date" min="2020-01-01" max="2025-12-31"/>',
        '  <DateTime name="at" toName="doc" only="time"/>',
        '  <DateTime name="month" toName="doc" only="month,year" min="2000" max="current"/>',
        '  <DateTime name="when" toName="doc" format="%d.%m.%Y %H:%M"/>'),
    "a pairwise comparison": view(
        '  <Doc name="other" value="$other"/>',
        '  <Pairwise name="pw" toName="doc,other" selectionStyle="background: green"/>'),
    "a ranker over a list": view(
        '  <List name="answers" value="$items" title="All results"/>',
        '  <Ranker name="rank" toName="answers"/>'),
    "a ranker sorting into buckets": view(
        '  <List name="answers" value="$items"/>',
        '  <Ranker name="rank" toName="answers" collapsible="false">',
        '    <Bucket name="relevant" title="Relevant" default="true"/>',
        '    <Bucket name="biased" title="Biased"/>',
        '  </Ranker>'),
    "unnamed relations": view(
        '  <Relations choice="single">',
        '    <Relation value="founded_by" background="orange" hotkey="r"/>',
        '    <Relation value="works_for"/>',
        '  </Relations>'),
    "labels of a plugin control": view(
        '  <Spans name="span" toName="doc">',
        '    <Label value="Person" alias="PER" background="#ff0000" hotkey="p" category="1" granularity="word"/>',
        '  </Spans>'),
}


@pytest.mark.parametrize("xml", VALID_CONFIGS.values(), ids=VALID_CONFIGS.keys())
def test_valid_configs_parse_without_errors_or_warnings(checker, xml):
    parsed = checker.parse(xml)

    assert parsed.objects
    assert parsed.warnings == []


def test_each_control_writes_its_lowercase_tag_name_as_result_type(checker):
    controls = ("Choices", "Taxonomy", "TextArea", "Rating", "Number", "DateTime", "Pairwise", "Ranker")

    assert [checker.registry.tags[name].result_type for name in controls] == [name.lower() for name in controls]


def test_option_tags_are_children_of_their_control_and_list_is_an_object(checker):
    tags = checker.registry.tags

    assert {name: tags[name].kind for name in ("Label", "Choice", "Bucket", "Relation", "Shortcut")} == dict.fromkeys(
        ("Label", "Choice", "Bucket", "Relation", "Shortcut"), "child")
    assert (tags["List"].kind, tags["List"].data_type) == ("object", "json")
    assert tags["Ranker"].targets == ("List",)
    assert tags["Relations"].result_type is None


def test_attributes_are_typed_and_defaulted_as_label_studio_documents(checker):
    parsed = checker.parse(view(
        '  <Choices name="c" toName="doc"><Choice value="A"/></Choices>',
        '  <Taxonomy name="t" toName="doc"><Choice value="A"/></Taxonomy>',
        '  <TextArea name="ta" toName="doc" maxSubmissions="3"/>',
        '  <Rating name="r" toName="doc"/>',
        '  <Number name="n" toName="doc" min="-1.5"/>',
        '  <Relations><Relation value="rel"/></Relations>'))

    controls = {name: node.values for name, node in parsed.controls.items()}
    assert (controls["c"].choice, controls["c"].allowNested, controls["c"].perRegion) == ("single", False, False)
    assert (controls["t"].leafsOnly, controls["t"].pathSeparator, controls["t"].allowAddLabels) == (False, " / ", None)
    assert (controls["ta"].maxSubmissions, controls["ta"].rows, controls["ta"].displayMode) == (3, 1, "tag")
    assert (controls["r"].maxRating, controls["r"].icon, controls["r"].size) == (5, "star", "medium")
    assert (controls["n"].min, controls["n"].max, controls["n"].step) == (-1.5, None, None)
    assert parsed.options("Relations")[0].values.value == "rel"


def test_relations_without_a_name_provide_the_relation_labels(checker):
    parsed = checker.parse(VALID_CONFIGS["unnamed relations"])

    assert parsed.labels("Relations") == ["founded_by", "works_for"]
    assert "Relations" not in parsed.controls


def test_a_taxonomy_lists_every_level_among_its_labels(checker):
    parsed = checker.parse(VALID_CONFIGS["a three-level taxonomy"])

    assert parsed.labels("media") == ["Online", "Paywall", "NY Times", "Free", "Offline"]


def test_configs_taken_from_label_studio_templates_parse(checker):
    # the shapes of the gallery's Taxonomy, LLM ranker and pairwise templates, on <Doc>
    checker.parse(view(
        '  <Taxonomy name="taxonomy" toName="doc">',
        '    <Choice value="Archaea"/><Choice value="Bacteria"/>',
        '    <Choice value="Eukarya"><Choice value="Human"/><Choice value="Oppossum"/></Choice>',
        '  </Taxonomy>',
        '  <View><List name="answers" value="$items" title="All Results"/>',
        '    <Ranker name="rank" toName="answers">',
        '      <Bucket name="relevant_results" title="Relevant Results"/>',
        '      <Bucket name="biased_results" title="Biased Results"/>',
        '    </Ranker></View>',
        '  <Doc name="doc2" value="$other"/><Pairwise name="pw" toName="doc,doc2"/>',
        '  <Rating name="likert_scale" maxRating="7"/>'))


# =========================================================================== invalid configs

INVALID_CONFIGS = {
    "choices without options": (view(
        '  <Choices name="c" toName="doc"/>'),
        [(3, "line 3: <Choices> <Choices name='c'> has no <Choice> children; add at least one, or set "
             "value=\"$field\" to take them from task data")]),
    "an unknown choice mode": (view(
        '  <Choices name="c" toName="doc" choice="any"><Choice value="A"/></Choices>'),
        [(3, "line 3: <Choices> attribute choice='any': Input should be 'single', 'single-radio' or 'multiple'")]),
    "a choice without a value": (view(
        '  <Choices name="c" toName="doc">',
        '    <Choice alias="A"/>',
        '  </Choices>'),
        [(4, "line 4: <Choice> missing required attribute 'value'")]),
    "a choice outside its control": (view(
        '  <Choice value="A"/>'),
        [(3, "line 3: <Choice> <Choice> must be inside <Choice>, <Choices>, <Taxonomy>, not in the layout")]),
    "a taxonomy with nothing to show": (view(
        '  <Taxonomy name="t" toName="doc"/>'),
        [(3, "line 3: <Taxonomy> <Taxonomy name='t'> has no <Choice> children; add at least one, set apiUrl to "
             "load the taxonomy, or set value=\"$field\" to take it from task data")]),
    "a taxonomy allowing no selection": (view(
        '  <Taxonomy name="t" toName="doc" maxUsages="0"><Choice value="A"/></Taxonomy>'),
        [(3, "line 3: <Taxonomy> attribute maxUsages='0': Input should be greater than or equal to 1")]),
    "a text area with a bad display mode and no rows": (view(
        '  <TextArea name="ta" toName="doc" displayMode="popup" rows="0"/>'),
        [(3, "line 3: <TextArea> attribute displayMode='popup': Input should be 'tag' or 'region-list'"),
         (3, "line 3: <TextArea> attribute rows='0': Input should be greater than or equal to 1")]),
    "a shortcut outside a text area": (view(
        '  <Choices name="c" toName="doc">',
        '    <Choice value="A"/>',
        '    <Shortcut value="A"/>',
        '  </Choices>'),
        [(5, "line 5: <Shortcut> <Shortcut> must be inside <TextArea>, not in <Choices>")]),
    "a shortcut without a value": (view(
        '  <TextArea name="ta" toName="doc"><Shortcut alias="x"/></TextArea>'),
        [(3, "line 3: <Shortcut> missing required attribute 'value'")]),
    "a rating with no stars and a made-up icon": (view(
        '  <Rating name="r" toName="doc" maxRating="0" icon="moon"/>'),
        [(3, "line 3: <Rating> attribute maxRating='0': Input should be greater than or equal to 1"),
         (3, "line 3: <Rating> attribute icon='moon': Input should be 'star', 'heart', 'fire' or 'smile'")]),
    "a number with a zero step": (view(
        '  <Number name="n" toName="doc" step="0" min="low"/>'),
        [(3, "line 3: <Number> attribute min='low': Input should be a valid number, unable to parse string as a "
             "number"),
         (3, "line 3: <Number> attribute step='0': Input should be greater than 0")]),
    "a number whose min is above its max": (view(
        '  <Number name="n" toName="doc" min="10" max="1"/>'),
        [(3, "line 3: <Number> min='10' is greater than max='1'")]),
    "a date/time part Label Studio does not know": (view(
        '  <DateTime name="d" toName="doc" only="date,week"/>'),
        [(3, "line 3: <DateTime> attribute only='date,week': Value error, 'week' is not one of date, time, month, "
             "year")]),
    "a pairwise comparison of one object": (view(
        '  <Pairwise name="pw" toName="doc"/>'),
        [(3, "line 3: <Pairwise> toName='doc' of <Pairwise name='pw'> must name two different object tags, left "
             "and right, separated by a comma")]),
    "a pairwise comparison of an object with itself": (view(
        '  <Pairwise name="pw" toName="doc,doc"/>'),
        [(3, "line 3: <Pairwise> toName='doc,doc' of <Pairwise name='pw'> must name two different object tags, "
             "left and right, separated by a comma")]),
    "a pairwise comparison without toName": (view(
        '  <Pairwise name="pw"/>'),
        [(3, "line 3: <Pairwise> missing required attribute 'toName'")]),
    "a ranker pointed at something other than a list": (view(
        '  <Ranker name="rank" toName="doc"/>'),
        [(3, "line 3: <Ranker> toName='doc' of <Ranker name='rank'> refers to <Doc>, but <Ranker> works with "
             "<List>")]),
    "two buckets with one name": (view(
        '  <List name="answers" value="$items"/>',
        '  <Ranker name="rank" toName="answers">',
        '    <Bucket name="good"/>',
        '    <Bucket name="good" title="Also good"/>',
        '  </Ranker>'),
        [(6, "line 6: <Bucket> bucket name 'good' is already used on line 5 in <Ranker name='rank'>; bucket names "
             "key the result and must be unique")]),
    "a bucket without a name": (view(
        '  <List name="answers" value="$items"/>',
        '  <Ranker name="rank" toName="answers"><Bucket title="Good"/></Ranker>'),
        [(4, "line 4: <Bucket> missing required attribute 'name'")]),
    "a bucket outside a ranker": (view(
        '  <Bucket name="good"/>'),
        [(3, "line 3: <Bucket> <Bucket> must be inside <Ranker>, not in the layout")]),
    "a list without task data": (view(
        '  <List name="answers"/>',
        '  <Ranker name="rank" toName="answers"/>'),
        [(3, "line 3: <List> missing required attribute 'value'")]),
    "a relation outside relations, and one without a value": (view(
        '  <Relation value="owns"/>',
        '  <Relations choice="some"><Relation background="red"/></Relations>'),
        [(3, "line 3: <Relation> <Relation> must be inside <Relations>, not in the layout"),
         (4, "line 4: <Relations> attribute choice='some': Input should be 'single' or 'multiple'"),
         (4, "line 4: <Relation> missing required attribute 'value'")]),
    "a label inside choices": (view(
        '  <Choices name="c" toName="doc"><Label value="A"/></Choices>'),
        [(3, "line 3: <Label> <Label> must be inside <Spans>, not in <Choices>")]),
}


@pytest.mark.parametrize("xml,expected", INVALID_CONFIGS.values(), ids=INVALID_CONFIGS.keys())
def test_invalid_configs_name_the_problem_and_its_line(checker, xml, expected):
    assert errors_of(checker, xml) == expected


def test_choices_inside_a_taxonomy_url_are_ignored_with_a_warning(checker):
    parsed = checker.parse(view(
        '  <Taxonomy name="t" toName="doc" apiUrl="https://example.com/t.json" allowAddLabels="true">',
        '    <Choice value="A"/>',
        '  </Taxonomy>'))

    assert [str(warning) for warning in parsed.warnings] == [
        "line 3: <Taxonomy> <Choice> children are ignored: apiUrl loads the taxonomy",
        "line 3: <Taxonomy> allowAddLabels has no effect with apiUrl: the taxonomy is managed at its source",
    ]


# =========================================================================== Choices results


@pytest.fixture(scope="module")
def choices(checker):
    return checker.parse(view(
        '  <Choices name="sentiment" toName="doc">',
        '    <Choice value="Positive" alias="pos"/><Choice value="Negative"/>',
        '  </Choices>',
        '  <Choices name="topics" toName="doc" choice="multiple">',
        '    <Choice value="Sports"/><Choice value="News"/>',
        '  </Choices>',
        '  <Choices name="dynamic" toName="doc" value="$options"/>',
        '  <Choices name="nested" toName="doc" value="$tree" allowNested="true"/>'))


def test_a_choice_may_be_written_by_value_or_alias(choices):
    assert problems([item("sentiment", "choices", {"choices": ["pos"]}),
                     item("topics", "choices", {"choices": ["Sports", "News"]})], choices) == []
    assert problems([item("sentiment", "choices", {"choices": ["Negative"]})], choices) == []


def test_a_choice_must_be_an_option_of_the_control(choices):
    assert problems([item("sentiment", "choices", {"choices": ["Neutral"]})], choices) == [
        "choices 'Neutral' is not an option of <Choices name='sentiment'>"]


def test_a_single_choice_control_takes_one_choice(choices):
    assert problems([item("sentiment", "choices", {"choices": ["pos", "Negative"]})], choices) == [
        "2 choices selected, but <Choices name='sentiment'> has choice='single' and allows one"]


def test_choices_must_list_at_least_one_string(choices):
    assert problems([item("sentiment", "choices", {"choices": []})], choices) == [
        "value.choices: List should have at least 1 item after validation, not 0"]
    assert problems([item("sentiment", "choices", {"choices": "pos"})], choices) == [
        "value.choices: Input should be a valid list"]


def test_per_region_choices_carry_the_region_geometry(choices):
    region = item("sentiment", "choices", {"choices": ["pos"], "start": 0, "end": 4, "text": "Good"})

    assert problems([region], choices) == []


def test_dynamic_choices_are_checked_against_the_task_when_it_is_known(choices):
    data = {"options": [{"value": "Yes"}, {"value": "No", "html": "<b>No</b>"}]}
    result = [item("dynamic", "choices", {"choices": ["Maybe"]})]

    assert problems(result, choices) == []
    assert problems(result, choices, data) == ["choices 'Maybe' is not an option of <Choices name='dynamic'>"]
    assert problems([item("dynamic", "choices", {"choices": ["No"]})], choices, data) == []


def test_nested_choices_are_saved_as_paths(choices):
    data = {"tree": [{"value": "result1", "children": [{"value": "result11"}]}, {"value": "result2"}]}

    assert problems([item("nested", "choices", {"choices": [["result1", "result11"], ["result2"]]})],
                    choices, data) == []
    assert problems([item("nested", "choices", {"choices": [["result2", "result11"]]})], choices, data) == [
        "choices path ['result2', 'result11'] is not an option of <Choices name='nested'>: 'result11' is not a "
        "choice under 'result2'"]
    assert problems([item("nested", "choices", {"choices": ["result2"]})], choices, data) == [
        "choices entry 'result2' must be a path (a list of choice values) because <Choices name='nested'> sets "
        "allowNested"]
    assert problems([item("sentiment", "choices", {"choices": [["pos"]]})], choices) == [
        "choices entry ['pos'] is a path, but <Choices name='sentiment'> does not set allowNested"]


# =========================================================================== Taxonomy results

TAXONOMY = view(
    '  <Taxonomy name="media" toName="doc" maxUsages="2">',
    '    <Choice value="Online">',
    '      <Choice value="Paywall" alias="paid"><Choice value="NY Times"/></Choice>',
    '      <Choice value="Free"/>',
    '    </Choice>',
    '    <Choice value="Offline"/>',
    '  </Taxonomy>')


def taxonomy(*paths, name="media"):
    return item(name, "taxonomy", {"taxonomy": [list(path) for path in paths]})


@pytest.fixture(scope="module")
def media(checker):
    return checker.parse(TAXONOMY)


def test_taxonomy_paths_run_from_the_top_level_by_value_or_alias(media):
    assert problems([taxonomy(["Online", "paid", "NY Times"], ["Offline"])], media) == []
    assert problems([taxonomy(["Online", "Paywall"])], media) == []


def test_a_taxonomy_path_must_exist_in_the_tree(media):
    assert problems([taxonomy(["Online", "Radio"])], media) == [
        "taxonomy path ['Online', 'Radio'] is not in <Taxonomy name='media'>: 'Radio' is not a choice under 'Online'"]
    assert problems([taxonomy(["NY Times"])], media) == [
        "taxonomy path ['NY Times'] is not in <Taxonomy name='media'>: 'NY Times' is not a choice at the top level"]


def test_a_taxonomy_value_is_a_list_of_paths(media):
    assert problems([item("media", "taxonomy", {"taxonomy": ["Online"]})], media) == [
        "value.taxonomy.0: Input should be a valid list"]
    assert problems([taxonomy([])], media) == [
        "value.taxonomy.0: List should have at least 1 item after validation, not 0"]


def test_max_usages_limits_how_many_paths_are_selected(media):
    assert problems([taxonomy(["Offline"], ["Online"], ["Online", "Free"])], media) == [
        "3 taxonomy paths selected, but maxUsages=2 of <Taxonomy name='media'> allows 2"]


def test_leafs_only_refuses_a_path_ending_on_a_branch(checker):
    parsed = checker.parse(TAXONOMY.replace('maxUsages="2"', 'leafsOnly="true"'))

    assert problems([taxonomy(["Online", "Free"])], parsed) == []
    assert problems([taxonomy(["Online", "Paywall"])], parsed) == [
        "taxonomy path ['Online', 'Paywall'] ends at 'Paywall', which is not a leaf, but <Taxonomy name='media'> "
        "sets leafsOnly"]


@pytest.mark.parametrize("attributes", ['allowAddLabels="true"', 'legacy="true"'])
def test_annotators_may_add_labels_under_existing_paths_when_allowed(checker, attributes):
    parsed = checker.parse(TAXONOMY.replace('maxUsages="2"', attributes))

    assert problems([taxonomy(["Online", "Podcasts"], ["Radio"])], parsed) == []
    assert problems([taxonomy(["Radio", "BBC"])], parsed) == [
        "taxonomy path ['Radio', 'BBC'] is not in <Taxonomy name='media'>: 'Radio' is not a choice at the top level"]


def test_legacy_taxonomies_can_turn_added_labels_off(checker):
    parsed = checker.parse(TAXONOMY.replace('maxUsages="2"', 'legacy="true" allowAddLabels="false"'))

    assert problems([taxonomy(["Radio"])], parsed) == [
        "taxonomy path ['Radio'] is not in <Taxonomy name='media'>: 'Radio' is not a choice at the top level"]


def test_a_taxonomy_from_a_url_accepts_any_path(checker):
    parsed = checker.parse(VALID_CONFIGS["a taxonomy loaded from a URL"])

    assert problems([taxonomy(["Anything", "at all"], name="t")], parsed) == []


def test_a_taxonomy_from_task_data_is_checked_when_the_task_is_known(checker):
    parsed = checker.parse(view('  <Taxonomy name="t" toName="doc" value="$tree"/>'))
    data = {"tree": [{"value": "Animals", "children": [{"value": "Cats", "alias": "cat"}]}]}

    assert problems([taxonomy(["Animals", "cat"], name="t")], parsed, data) == []
    assert problems([taxonomy(["Plants"], name="t")], parsed) == []
    assert problems([taxonomy(["Plants"], name="t")], parsed, data) == [
        "taxonomy path ['Plants'] is not in <Taxonomy name='t'>: 'Plants' is not a choice at the top level"]


# =========================================================================== TextArea results


@pytest.fixture(scope="module")
def notes(checker):
    return checker.parse(view(
        '  <TextArea name="answer" toName="doc" maxSubmissions="2" skipDuplicates="true"/>',
        '  <TextArea name="notes"/>'))


def test_text_is_a_list_of_submissions(notes):
    assert problems([item("answer", "textarea", {"text": ["Paris", "Lyon"]})], notes) == []
    assert problems([item("notes", "textarea", {"text": ["anything"]}, to_name="doc")], notes) == []


def test_a_bare_string_is_accepted_as_label_studio_loads_it(notes):
    assert problems([item("answer", "textarea", {"text": "Paris"})], notes) == []


def test_max_submissions_and_skip_duplicates_are_enforced(notes):
    assert problems([item("answer", "textarea", {"text": ["Paris", "Lyon", "Nice"]})], notes) == [
        "3 texts submitted, but maxSubmissions=2 of <TextArea name='answer'> allows 2"]
    assert problems([item("answer", "textarea", {"text": ["Paris", "paris"]})], notes) == [
        "text 'paris' is repeated, but <TextArea name='answer'> sets skipDuplicates"]


def test_text_must_not_be_empty(notes):
    assert problems([item("answer", "textarea", {"text": []})], notes) == [
        "value.text.list[str]: List should have at least 1 item after validation, not 0",
        "value.text.str: Input should be a valid string"]


# =========================================================================== Rating and Number results


@pytest.fixture(scope="module")
def scores(checker):
    return checker.parse(view(
        '  <Rating name="stars" toName="doc"/>',
        '  <Rating name="ten" toName="doc" maxRating="10"/>',
        '  <Number name="count" toName="doc" min="1" max="10" step="3"/>',
        '  <Number name="ratio" toName="doc" step="0.1"/>',
        '  <Number name="free" toName="doc"/>'))


def test_a_rating_runs_from_one_to_max_rating(scores):
    assert problems([item("stars", "rating", {"rating": 5}), item("ten", "rating", {"rating": 10})], scores) == []
    assert problems([item("stars", "rating", {"rating": 6})], scores) == [
        "rating 6 is outside 1..5 (maxRating of <Rating name='stars'>)"]
    assert problems([item("ten", "rating", {"rating": 0})], scores) == [
        "rating 0 is outside 1..10 (maxRating of <Rating name='ten'>)"]


def test_a_rating_is_a_whole_number(scores):
    not_whole = ["value.rating: Input should be a valid integer"]

    assert problems([item("stars", "rating", {"rating": "4"})], scores) == not_whole
    assert problems([item("stars", "rating", {"rating": 3.5})], scores) == not_whole


def test_a_number_stays_within_min_max_and_on_step(scores):
    assert problems([item("count", "number", {"number": 7}), item("free", "number", {"number": -1e9})], scores) == []
    assert problems([item("count", "number", {"number": 0})], scores) == [
        "number 0 is less than min=1 of <Number name='count'>",
        "number 0 does not fit step=3 of <Number name='count'>; the nearest valid values are -2 and 1"]
    assert problems([item("count", "number", {"number": 12})], scores) == [
        "number 12 is greater than max=10 of <Number name='count'>",
        "number 12 does not fit step=3 of <Number name='count'>; the nearest valid values are 10 and 13"]


def test_decimal_steps_do_not_trip_over_float_rounding(scores):
    assert problems([item("ratio", "number", {"number": 0.3})], scores) == []
    assert problems([item("ratio", "number", {"number": 0.35})], scores) == [
        "number 0.35 does not fit step=0.1 of <Number name='ratio'>; the nearest valid values are 0.3 and 0.4"]


def test_a_number_is_a_json_number(scores):
    not_a_number = ["value.number: Input should be a valid number"]

    assert problems([item("free", "number", {"number": "7"})], scores) == not_a_number
    assert problems([item("free", "number", {"number": True})], scores) == not_a_number


# =========================================================================== DateTime results


@pytest.fixture(scope="module")
def dates(checker):
    return checker.parse(view(
        '  <DateTime name="when" toName="doc"/>',
        '  <DateTime name="day" toName="doc" only="date" min="2020-01-01" max="2025-12-31"/>',
        '  <DateTime name="at" toName="doc" only="time"/>',
        '  <DateTime name="month" toName="doc" only="month,year"/>',
        '  <DateTime name="year" toName="doc" only="year" min="2020" max="2022"/>',
        '  <DateTime name="local" toName="doc" only="date" format="%d.%m.%Y"/>',
        '  <DateTime name="odd" toName="doc" format="%e %B"/>'))


def when(name: str, text: str) -> dict:
    return item(name, "datetime", {"datetime": text})


@pytest.mark.parametrize("name,text", [
    ("when", "2024-05-01T13:45"),
    ("day", "2024-05-01"),
    ("at", "13:45"),
    ("at", "13:45:30"),
    ("month", "2024-05-01"),
    ("month", "2024-05"),
    ("year", "2021-01-01"),
    ("year", "2021"),
    ("local", "31.12.1999"),
    ("odd", "whatever Python cannot parse with a d3 directive"),
])
def test_datetimes_in_the_format_label_studio_writes_are_accepted(dates, name, text):
    assert problems([when(name, text)], dates) == []


@pytest.mark.parametrize("name,text,message", [
    ("when", "2024-05-01", "datetime '2024-05-01' does not match YYYY-MM-DDTHH:MM (date and time, as "
                           "<DateTime name='when'> has no only=)"),
    ("day", "2024-13-01", "datetime '2024-13-01' does not match YYYY-MM-DD (only='date' of <DateTime name='day'>)"),
    ("at", "1:45 pm", "datetime '1:45 pm' does not match HH:MM or HH:MM:SS (only='time' of <DateTime name='at'>)"),
    ("month", "May 2024", "datetime 'May 2024' does not match YYYY-MM-DD or YYYY-MM or YYYY (only='month,year' of "
                          "<DateTime name='month'>)"),
    ("local", "1999-12-31", "datetime '1999-12-31' does not match format='%d.%m.%Y' of <DateTime name='local'>"),
    ("day", "2019-12-31", "datetime '2019-12-31' is before min='2020-01-01' of <DateTime name='day'>"),
    ("day", "2026-01-01", "datetime '2026-01-01' is after max='2025-12-31' of <DateTime name='day'>"),
    ("year", "2023-01-01", "datetime '2023-01-01' is after max='2022' of <DateTime name='year'>"),
])
def test_datetimes_are_checked_against_only_format_min_and_max(dates, name, text, message):
    assert problems([when(name, text)], dates) == [message]


# =========================================================================== Pairwise results


@pytest.fixture(scope="module")
def pairwise(checker):
    return checker.parse(VALID_CONFIGS["a pairwise comparison"])


def test_a_pairwise_result_names_the_pairwise_itself_as_to_name(pairwise):
    assert problems([item("pw", "pairwise", {"selected": "left"}, to_name="pw")], pairwise) == []


def test_pairwise_selects_left_or_right(pairwise):
    assert problems([item("pw", "pairwise", {"selected": "right"}, to_name="doc,other")], pairwise) == []
    assert problems([item("pw", "pairwise", {"selected": "both"}, to_name="doc,other")], pairwise) == [
        "value.selected: Input should be 'left' or 'right'"]


# =========================================================================== Ranker results

ITEMS = {"items": [{"id": "mdn", "title": "Arrow functions"}, {"id": "wiki", "title": "Arrow (CS)"}, {"id": 7}]}


def ranked(ranker, name="rank") -> dict:
    return item(name, "ranker", {"ranker": ranker}, to_name="answers")


@pytest.fixture(scope="module")
def ranking(checker):
    return checker.parse(VALID_CONFIGS["a ranker over a list"])


@pytest.fixture(scope="module")
def buckets(checker):
    return checker.parse(view(
        '  <List name="answers" value="$items"/>',
        '  <Ranker name="rank" toName="answers"><Bucket name="best"/><Bucket name="ads"/></Ranker>'))


def test_a_ranker_saves_the_order_under_its_own_name(ranking):
    assert problems([ranked({"rank": ["wiki", "mdn", "7"]})], ranking, ITEMS) == []


def test_a_ranker_result_from_label_studio_before_buckets_is_a_bare_list(ranking):
    assert problems([ranked(["wiki", "mdn"])], ranking, ITEMS) == []


def test_a_ranker_without_buckets_does_not_key_by_the_list_name(ranking):
    assert problems([ranked({"answers": ["wiki"]})], ranking) == [
        "ranker key 'answers' must be 'rank': a Ranker without buckets saves its order under its own name"]


def test_ranked_ids_must_be_items_of_the_list_and_appear_once(ranking):
    assert problems([ranked({"rank": ["wiki", "blog", "wiki"]})], ranking, ITEMS) == [
        "item 'wiki' is ranked more than once",
        "item 'blog' is not an item of <List name='answers'>"]
    assert problems([ranked({"rank": ["blog"]})], ranking) == []


def test_ranked_ids_are_strings(ranking):
    assert problems([ranked({"rank": [7]})], ranking) == [
        "value.ranker.dict[str,list[str]].rank.0: Input should be a valid string",
        "value.ranker.list[str]: Input should be a valid list"]


def test_buckets_key_the_result_and_unsorted_items_stay_under_underscore(buckets):
    assert problems([ranked({"best": ["mdn"], "ads": ["wiki"], "_": ["7"]})], buckets, ITEMS) == []
    assert problems([ranked({"worst": ["mdn"]})], buckets) == [
        "ranker key 'worst' is not a <Bucket> of <Ranker name='rank'>"]
    assert problems([ranked(["mdn"])], buckets) == [
        "ranker must map <Bucket> names to item ids, because <Ranker name='rank'> has buckets"]


def test_with_a_default_bucket_there_is_no_unsorted_column(checker):
    parsed = checker.parse(VALID_CONFIGS["a ranker sorting into buckets"])

    assert problems([ranked({"relevant": ["mdn", "wiki"], "biased": ["7"]})], parsed, ITEMS) == []
    assert problems([ranked({"_": ["mdn"]})], parsed) == ["ranker key '_' is not a <Bucket> of <Ranker name='rank'>"]


# =========================================================================== Relations


@pytest.fixture(scope="module")
def relations(checker):
    return checker.parse(view(
        '  <Spans name="span" toName="doc"><Label value="Person"/><Label value="Org"/></Spans>',
        '  <Relations name="rel" choice="single"><Relation value="works_for"/><Relation value="knows"/></Relations>'))


def span(region_id: str) -> dict:
    return item("span", "spans", {"start": 0, "end": 4, "spans": ["Person"]}) | {"id": region_id}


def test_relation_labels_come_from_the_relation_tags(relations):
    relation = {"from_id": "a", "to_id": "b", "type": "relation", "direction": "right", "labels": ["works_for"]}

    assert problems([span("a"), span("b"), relation], relations) == []
    assert problems([span("a"), span("b"), relation | {"labels": ["hates"]}], relations) == [
        "relation label 'hates' is not a <Relation> of the config"]


def test_relations_write_no_result_of_their_own(relations):
    assert problems([item("rel", "relations", {"labels": ["knows"]})], relations) == [
        "<Relations> does not produce results"]


def test_single_choice_relations_carry_one_label(relations):
    relation = {"from_id": "a", "to_id": "b", "type": "relation", "labels": ["works_for", "knows"]}

    assert problems([span("a"), span("b"), relation], relations) != []
