"""Importing tasks: POST /api/projects/{id}/import with a JSON body or task files, and
POST /api/projects/{id}/import/predictions, as Label Studio and its SDK do them.

An import is all or nothing: one bad task and nothing is written, and the 400 says which task and
why. Annotations and predictions that come with the tasks are checked against the config, stored,
and counted on the tasks and the project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import httpx
import pytest

from labelcore.hookspecs import hookimpl
from labelcore.testing import LiveServer

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="positive"/>
    <Choice value="negative"/>
  </Choices>
</View>"""

POSITIVE = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}]
NEGATIVE = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["negative"]}}]

#: Label Studio's import response, key for key.
RESPONSE_KEYS = {"task_count", "annotation_count", "prediction_count", "duration", "file_upload_ids",
                 "could_be_tasks_list", "found_formats", "data_columns"}


def make_project(http: httpx.Client, config: str = CONFIG, **fields) -> dict:
    response = http.post("/api/projects", json={"title": f"Import {uuid.uuid4().hex[:8]}", "label_config": config,
                                                **fields})
    assert response.status_code == 201, response.text
    return response.json()


def project_state(http: httpx.Client, project: dict) -> dict:
    return http.get(f"/api/projects/{project['id']}").json()


def tasks_of(http: httpx.Client, project: dict) -> list[dict]:
    response = http.get("/api/tasks", params={"project": project["id"], "page_size": 1000, "fields": "all"})
    assert response.status_code == 200, response.text
    return sorted(response.json()["tasks"], key=lambda task: task["inner_id"])


def import_json(http: httpx.Client, project: dict, body, **params) -> httpx.Response:
    return http.post(f"/api/projects/{project['id']}/import", json=body, params=params)


def import_files(http: httpx.Client, project: dict, *files: tuple[str, str | bytes], **params) -> httpx.Response:
    return http.post(f"/api/projects/{project['id']}/import", params=params,
                     files=[(f"file{index}", (name, content)) for index, (name, content) in enumerate(files)])


def run_cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess:
    """``labelcore ARGS`` on the server's database, as an operator would run it beside the server."""
    env = {**os.environ, "LABELCORE_DATA_DIR": str(server.data_dir)}
    env.pop("LABELCORE_DATABASE_URL", None)
    if server.database_url:
        env["LABELCORE_DATABASE_URL"] = server.database_url
    return subprocess.run([sys.executable, "-m", "labelcore", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def make_user(server: LiveServer) -> dict:
    # through the CLI: it has committed when it exits, so the server sees the user at once
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    done = run_cli(server, "user", "create", "--email", email)
    assert done.returncode == 0, done.stderr
    return {"id": int(done.stdout.split()[2]), "email": email}


# --------------------------------------------------------------------------- JSON bodies


def test_a_json_list_of_tasks_is_imported_with_label_studios_response(http):
    project = make_project(http)

    response = import_json(http, project, [{"text": "bare data object"},
                                           {"data": {"text": "wrapped"}, "meta": {"source": "mail"}}])

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == RESPONSE_KEYS
    assert (body["task_count"], body["annotation_count"], body["prediction_count"]) == (2, 0, 0)
    assert (body["file_upload_ids"], body["could_be_tasks_list"], body["found_formats"], body["data_columns"]) \
        == ([], False, [], [])
    tasks = tasks_of(http, project)
    assert [(task["inner_id"], task["data"], task["meta"]) for task in tasks] == [
        (1, {"text": "bare data object"}, {}), (2, {"text": "wrapped"}, {"source": "mail"})]
    assert project_state(http, project)["task_number"] == 2


def test_data_comes_back_exactly_as_imported(http):
    project = make_project(http)
    tricky = {"text": 'back\\slash \\N \\u0000 "quoted"\ttab\nnewline\r é 😀 \u2028',
              "nested": {"list": [1, 2.5, None, True], "empty": {}}, "big": 12345678901234567}

    import_json(http, project, [tricky, {"data": {"text": "plain"}, "meta": {"note": "a\\b\tc"}}])

    first, second = tasks_of(http, project)
    assert first["data"] == tricky
    assert second["meta"] == {"note": "a\\b\tc"}


def test_a_nul_character_is_refused_by_postgresql_only(http, server):
    project = make_project(http)

    response = import_json(http, project, [{"text": "fine"}, {"text": "nul \u0000 here"}])

    if server.database_url:  # PostgreSQL's JSON and text types cannot hold U+0000
        assert response.status_code == 400
        assert response.json()["validation_errors"]["non_field_errors"] == [
            "task[1]: holds the character U+0000 (NUL), which PostgreSQL cannot store"]
    else:
        assert response.status_code == 201
        assert tasks_of(http, project)[1]["data"] == {"text": "nul \u0000 here"}


def test_tasks_that_each_carry_their_own_meta_keep_it(http):
    project = make_project(http)
    tasks = [{"data": {"text": f"task {i}"}, "meta": {"row": i}} for i in range(40)]

    import_json(http, project, tasks)

    assert [(task["inner_id"], task["data"], task["meta"]) for task in tasks_of(http, project)] == [
        (i + 1, {"text": f"task {i}"}, {"row": i}) for i in range(40)]


def test_a_single_task_object_is_one_task(http):
    project = make_project(http)

    response = import_json(http, project, {"data": {"text": "alone"}})

    assert response.status_code == 201, response.text
    assert response.json()["task_count"] == 1
    assert [task["data"] for task in tasks_of(http, project)] == [{"text": "alone"}]


def test_a_later_import_continues_the_projects_inner_ids(http):
    project = make_project(http)
    import_json(http, project, [{"text": "a"}, {"text": "b"}])

    import_json(http, project, [{"text": "c"}])

    assert [task["inner_id"] for task in tasks_of(http, project)] == [1, 2, 3]


def test_return_task_ids_lists_the_new_tasks_in_order(http):
    project = make_project(http)

    body = import_json(http, project, [{"text": "a"}, {"text": "b"}, {"text": "c"}], return_task_ids="true").json()

    assert body["task_ids"] == [task["id"] for task in tasks_of(http, project)]
    assert "task_ids" not in import_json(http, project, [{"text": "d"}]).json()


def test_commit_to_project_false_checks_and_counts_but_stores_nothing(http):
    project = make_project(http)

    tasks = [{"text": "a"}, {"data": {"text": "b"}, "annotations": [{"result": POSITIVE}]}]

    response = import_json(http, project, tasks, commit_to_project="false")

    assert response.status_code == 201, response.text
    body = response.json()
    # Label Studio reports the tasks it read and leaves the other counts empty
    assert (body["task_count"], body["annotation_count"], body["prediction_count"]) == (2, None, None)
    assert project_state(http, project)["task_number"] == 0
    assert import_json(http, project, [{"txt": "a"}], commit_to_project="0").status_code == 400


def test_an_unknown_flag_value_is_400(http):
    project = make_project(http)

    response = import_json(http, project, [{"text": "a"}], commit_to_project="maybe")

    assert response.status_code == 400
    assert "commit_to_project" in response.json()["detail"]


def test_importing_into_a_missing_project_is_404(http):
    assert http.post("/api/projects/999999/import", json=[{"text": "a"}]).status_code == 404


# --------------------------------------------------------------------------- all or nothing


def test_one_bad_task_rejects_the_whole_import_and_names_its_index(http):
    project = make_project(http)
    import_json(http, project, [{"text": "already there"}])
    tasks = [{"text": f"task {i}"} for i in range(10)]
    tasks[7] = {"title": "no text here"}

    response = import_json(http, project, tasks)

    assert response.status_code == 400
    body = response.json()
    assert "task[7]" in body["detail"] and "'text'" in body["detail"]
    assert body["validation_errors"]["non_field_errors"] == [
        "task[7]: data lacks 'text', which the config reads ($text)"]
    assert body["problem_count"] == 1
    assert project_state(http, project)["task_number"] == 1
    assert len(tasks_of(http, project)) == 1


def test_every_problem_is_listed_up_to_a_hundred_and_the_rest_counted(http):
    project = make_project(http)

    body = import_json(http, project, [{"title": i} for i in range(150)]).json()

    assert body["problem_count"] == 150
    assert len(body["validation_errors"]["non_field_errors"]) == 100
    assert "50 more not listed" in body["detail"]


def test_an_annotation_that_does_not_fit_the_config_rejects_the_import(http):
    project = make_project(http)
    wrong = [{**POSITIVE[0], "value": {"choices": ["neutral"]}}]

    response = import_json(http, project, [{"text": "ok"}, {"data": {"text": "x"}, "annotations": [{"result": wrong}]}])

    assert response.status_code == 400
    [problem] = response.json()["validation_errors"]["non_field_errors"]
    assert problem.startswith("task[1]: annotations[0].result[0]") and "'neutral' is not an option" in problem
    assert project_state(http, project)["task_number"] == 0


def test_an_empty_list_or_a_body_that_is_not_json_is_400(http):
    project = make_project(http)

    assert import_json(http, project, []).json()["validation_errors"]["non_field_errors"] == [
        "no tasks found to import"]
    broken = http.post(f"/api/projects/{project['id']}/import", content=b'[{"text": ',
                       headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert "invalid JSON" in broken.json()["detail"]


# --------------------------------------------------------------------------- annotations and predictions


def test_annotations_and_predictions_are_stored_and_counted(http, server):
    project = make_project(http)
    other = make_user(server)
    me = http.get("/api/current-user/whoami").json()

    response = import_json(http, project, [
        {"data": {"text": "labeled by me"}, "annotations": [{"result": POSITIVE, "lead_time": 4.5}]},
        {"data": {"text": "labeled by another, predicted"}, "annotations": [{"result": NEGATIVE,
                                                                             "completed_by": other["id"]}],
         "predictions": [{"result": POSITIVE, "score": 0.9, "model_version": "v7"}]},
        {"data": {"text": "skipped"}, "annotations": [{"result": [], "was_cancelled": True}]},
        {"text": "untouched"},
    ])

    assert response.status_code == 201, response.text
    assert (response.json()["annotation_count"], response.json()["prediction_count"]) == (3, 1)
    labeled, predicted, skipped, untouched = tasks_of(http, project)
    assert (labeled["total_annotations"], labeled["is_labeled"]) == (1, True)
    assert (predicted["total_annotations"], predicted["total_predictions"]) == (1, 1)
    assert (skipped["total_annotations"], skipped["cancelled_annotations"], skipped["is_labeled"]) == (0, 1, False)
    assert (untouched["total_annotations"], untouched["is_labeled"]) == (0, False)
    assert labeled["annotators"] == [me["id"]] and predicted["annotators"] == [other["id"]]
    state = project_state(http, project)
    assert (state["task_number"], state["total_annotations_number"], state["skipped_annotations_number"],
            state["total_predictions_number"], state["num_tasks_with_annotations"],
            state["finished_task_number"]) == (4, 2, 1, 1, 2, 2)
    assert state["model_version"] == "v7"  # a project without one takes its first predictions' version

    annotation = http.get(f"/api/tasks/{labeled['id']}/annotations").json()[0]
    assert (annotation["result"], annotation["lead_time"], annotation["ground_truth"]) == (POSITIVE, 4.5, True)
    prediction = http.get(f"/api/tasks/{predicted['id']}").json()["predictions"][0]
    assert (prediction["result"], prediction["score"], prediction["model_version"]) == (POSITIVE, 0.9, "v7")


def test_on_postgresql_an_import_that_grows_a_table_refreshes_its_statistics(http, server):
    if not server.database_url:
        pytest.skip("PostgreSQL only: the planner statistics an import leaves stale")
    from sqlalchemy import text

    from labelcore.db import make_engine
    from labelcore.settings import Settings

    engine = make_engine(Settings(data_dir=server.data_dir, database_url=server.database_url))

    def believed_and_actual() -> dict[str, tuple[float, int]]:
        with engine.connect() as connection:
            return {table: (connection.execute(text(f"SELECT reltuples FROM pg_class WHERE relname = '{table}'"))
                            .scalar(), connection.execute(text(f"SELECT count(*) FROM {table}")).scalar())
                    for table in ("task", "annotation", "prediction")}

    try:
        project = make_project(http)
        grown = max(100, *(actual for _, actual in believed_and_actual().values()))  # at least doubles each table
        response = import_json(http, project, [{"data": {"text": f"t{i}"}, "annotations": [{"result": POSITIVE}],
                                                "predictions": [{"result": NEGATIVE}]} for i in range(grown)])
        assert response.status_code == 201, response.text
        after = believed_and_actual()
        assert all(believed == actual for believed, actual in after.values()), after

        assert import_json(http, project, [{"text": "one more"}]).status_code == 201
        # under a tenth of the table: the statistics are close enough, no ANALYZE
        assert believed_and_actual()["task"] == (after["task"][0], after["task"][1] + 1)
    finally:
        engine.dispose()


def test_an_annotation_may_name_its_annotator_by_email(http, server):
    project = make_project(http)
    other = make_user(server)

    import_json(http, project, [{"data": {"text": "x"},
                                 "annotations": [{"result": POSITIVE, "completed_by": {"email": other["email"]}}]}])

    assert tasks_of(http, project)[0]["annotators"] == [other["id"]]


def test_an_annotation_naming_an_unknown_user_is_refused(http):
    project = make_project(http)

    response = import_json(http, project, [{"data": {"text": "x"},
                                            "annotations": [{"result": POSITIVE, "completed_by": 987654}]}])

    assert response.status_code == 400
    assert "completed_by=987654" in response.json()["detail"]


def test_is_labeled_follows_the_projects_overlap(http):
    project = make_project(http, maximum_annotations=2)
    me = http.get("/api/current-user/whoami").json()

    import_json(http, project, [
        {"data": {"text": "one annotation"}, "annotations": [{"result": POSITIVE}]},
        {"data": {"text": "two annotations"}, "annotations": [{"result": POSITIVE},
                                                              {"result": NEGATIVE, "completed_by": me["id"]}]},
    ])

    once, twice = tasks_of(http, project)
    assert (once["overlap"], once["is_labeled"], twice["is_labeled"]) == (2, False, True)
    assert project_state(http, project)["finished_task_number"] == 1


def test_preannotated_from_fields_turns_data_fields_into_predictions(http):
    project = make_project(http)

    response = import_json(http, project, [{"text": "great", "sentiment": "positive"}],
                           preannotated_from_fields="sentiment")

    assert response.json()["prediction_count"] == 1
    [task] = tasks_of(http, project)
    [prediction] = http.get(f"/api/tasks/{task['id']}").json()["predictions"]
    assert prediction["result"] == [{"from_name": "sentiment", "to_name": "text", "type": "choices",
                                     "value": {"choices": ["positive"]}}]
    assert (prediction["score"], prediction["model_version"]) == (1.0, "preannotated")
    missing = import_json(http, project, [{"text": "no field"}], preannotated_from_fields="sentiment")
    assert "preannotated field 'sentiment'" in missing.json()["detail"]


# --------------------------------------------------------------------------- files


def test_task_files_of_every_format_in_one_request(http):
    project = make_project(http)

    response = import_files(
        http, project,
        ("reviews.csv", "text,stars\ngood,5\nbad,007\n"),
        ("reviews.tsv", "text\tstars\ntabbed, with comma\t3\n"),
        ("more.json", json.dumps([{"text": "json item"}, {"data": {"text": "json task"}}])),
        ("lines.jsonl", '{"text": "jsonl one"}\n{"text": "jsonl two"}\n'),
        ("plain.txt", "a text line\nanother line\n"),
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["task_count"] == 9
    assert body["found_formats"] == {".csv": 1, ".tsv": 1, ".json": 1, ".jsonl": 1, ".txt": 1}
    assert body["could_be_tasks_list"] is True
    assert body["data_columns"] == ["text"]
    assert [task["data"] for task in tasks_of(http, project)] == [
        {"text": "good", "stars": "5"}, {"text": "bad", "stars": "007"},  # CSV cells stay strings
        {"text": "tabbed, with comma", "stars": "3"},
        {"text": "json item"}, {"text": "json task"},
        {"text": "jsonl one"}, {"text": "jsonl two"},
        {"text": "a text line"}, {"text": "another line"},
    ]


def test_a_bad_file_names_the_file_and_the_line_and_nothing_is_imported(http):
    project = make_project(http)

    response = import_files(http, project, ("good.csv", "text\nfine\n"),
                            ("broken.jsonl", '{"text": "one"}\n{"text": \n'))

    assert response.status_code == 400
    assert response.json()["validation_errors"]["non_field_errors"] == [
        "broken.jsonl: line 2 column 1: invalid JSON: unexpected end of data"]
    assert project_state(http, project)["task_number"] == 0


IMAGE_CONFIG = '<View><Image name="image" value="$image"/><Choices name="q" toName="image"><Choice value="ok"/></Choices></View>'


def test_a_refused_import_leaves_none_of_its_uploaded_images_on_disk(http, server):
    project = make_project(http, IMAGE_CONFIG)
    uploads = server.data_dir / "upload" / str(project["id"])

    refused = import_files(http, project, ("cat.png", b"\x89PNG one"), ("dog.jpg", b"\xff\xd8 two"),
                           ("tasks.json", '[{"data": {"image": "/data/upload/x.png"}}, {"data": {}}]'))
    assert refused.status_code == 400, refused.text
    assert project_state(http, project)["task_number"] == 0
    assert not uploads.exists() or list(uploads.iterdir()) == []

    accepted = import_files(http, project, ("cat.png", b"\x89PNG one"))
    assert accepted.status_code == 201, accepted.text
    (stored,) = uploads.iterdir()
    (task,) = tasks_of(http, project)
    assert task["data"]["image"] == f"/data/upload/{project['id']}/{stored.name}"


def test_a_bad_task_in_a_file_is_named_by_file_and_index(http):
    project = make_project(http)

    response = import_files(http, project, ("tasks.csv", "title\nno text column\n"))

    assert response.json()["validation_errors"]["non_field_errors"] == [
        "tasks.csv: task[0]: data lacks 'text', which the config reads ($text)"]


def test_a_file_of_an_unknown_kind_is_400(http):
    project = make_project(http)

    response = import_files(http, project, ("sheet.xlsx", b"PK\x03\x04"))

    assert response.status_code == 400
    assert ".xlsx extension is not supported" in response.json()["detail"]


def test_importing_from_a_url_is_not_supported_yet(http):
    project = make_project(http)

    response = http.post(f"/api/projects/{project['id']}/import", data={"url": "http://example.com/tasks.csv"})

    assert response.status_code == 400
    assert "URL is not supported" in response.json()["detail"]


def test_an_upload_over_the_size_limit_is_413_and_imports_nothing(tmp_path):
    with LiveServer(tmp_path, env={"LABELCORE_MAX_REQUEST_BYTES": "4096"}) as small:
        with httpx.Client(base_url=small.url, headers=small.headers) as http:
            project = make_project(http)
            big_csv = "text\n" + "".join(f"line number {i}\n" for i in range(1000))

            response = import_files(http, project, ("big.csv", big_csv))

            assert response.status_code == 413
            assert "LABELCORE_MAX_REQUEST_BYTES" in response.json()["detail"]
            assert project_state(http, project)["task_number"] == 0
            assert import_files(http, project, ("small.csv", "text\nfits\n")).status_code == 201


# --------------------------------------------------------------------------- predictions for existing tasks


def test_predictions_are_imported_for_existing_tasks(http):
    project = make_project(http)
    first, second = import_json(http, project, [{"text": "a"}, {"text": "b"}], return_task_ids=1).json()["task_ids"]

    response = http.post(f"/api/projects/{project['id']}/import/predictions", json=[
        {"task": first, "result": POSITIVE, "score": 0.5, "model_version": "m1"},
        {"task": first, "result": NEGATIVE},
        {"task": second, "result": "negative"},  # Label Studio's shorthand for a single Choices control
    ])

    assert response.status_code == 201, response.text
    assert response.json() == {"created": 3}
    one, two = tasks_of(http, project)
    assert (one["total_predictions"], two["total_predictions"]) == (2, 1)
    assert project_state(http, project)["total_predictions_number"] == 3
    shorthand = http.get(f"/api/tasks/{second}").json()["predictions"][0]
    assert (shorthand["result"], shorthand["model_version"]) == (NEGATIVE, "undefined")


def test_a_prediction_for_another_projects_task_rejects_them_all(http):
    project, elsewhere = make_project(http), make_project(http)
    [mine] = import_json(http, project, [{"text": "a"}], return_task_ids=1).json()["task_ids"]
    [theirs] = import_json(http, elsewhere, [{"text": "b"}], return_task_ids=1).json()["task_ids"]

    response = http.post(f"/api/projects/{project['id']}/import/predictions",
                         json=[{"task": mine, "result": POSITIVE}, {"task": theirs, "result": POSITIVE}])

    assert response.status_code == 400
    assert response.json()["validation_errors"]["non_field_errors"] == [
        f"prediction[1]: task {theirs} is not a task of project {project['id']}"]
    assert project_state(http, project)["total_predictions_number"] == 0


def test_a_prediction_that_does_not_fit_the_config_is_400(http):
    project = make_project(http)
    [task] = import_json(http, project, [{"text": "a"}], return_task_ids=1).json()["task_ids"]

    response = http.post(f"/api/projects/{project['id']}/import/predictions",
                         json=[{"task": task, "result": [{**POSITIVE[0], "from_name": "mood"}]}])

    assert response.status_code == 400
    assert "from_name 'mood' is not a control" in response.json()["detail"]


# --------------------------------------------------------------------------- the official SDK


def test_the_sdk_imports_tasks_and_predictions(sdk, http):
    project = sdk.projects.create(title=f"SDK import {uuid.uuid4().hex[:8]}", label_config=CONFIG)

    imported = sdk.projects.import_tasks(id=project.id, request=[{"data": {"text": "from the sdk"}},
                                                                 {"data": {"text": "second"}}],
                                         return_task_ids=True)
    created = sdk.projects.import_predictions(id=project.id, request=[
        {"task": task_id, "result": POSITIVE, "score": 0.7, "model_version": "sdk"} for task_id in imported.task_ids])

    assert (imported.task_count, imported.annotation_count, imported.prediction_count) == (2, 0, 0)
    assert created.created == 2
    state = sdk.projects.get(id=project.id)
    assert (state.task_number, state.total_predictions_number) == (2, 2)


def test_the_sdk_sees_a_bad_import_as_a_bad_request(sdk):
    from label_studio_sdk.errors import BadRequestError

    project = sdk.projects.create(title=f"SDK import {uuid.uuid4().hex[:8]}", label_config=CONFIG)

    with pytest.raises(BadRequestError) as raised:
        sdk.projects.import_tasks(id=project.id, request=[{"data": {"text": "ok"}}, {"data": {"title": "x"}}])

    assert "task[1]" in raised.value.body["detail"]
    assert sdk.projects.get(id=project.id).task_number == 0


# --------------------------------------------------------------------------- the command line


def test_the_cli_imports_files_beside_the_running_server(http, server, tmp_path):
    project = make_project(http)
    (tmp_path / "tasks.csv").write_text("text\nfrom the command line\n")
    (tmp_path / "tasks.json").write_text(json.dumps([{"data": {"text": "annotated"},
                                                      "annotations": [{"result": POSITIVE}]}]))

    done = run_cli(server, "import", str(project["id"]), str(tmp_path / "tasks.csv"), str(tmp_path / "tasks.json"))

    assert done.returncode == 0, done.stderr
    assert "imported 2 tasks, 1 annotations and 0 predictions" in done.stdout
    state = project_state(http, project)
    assert (state["task_number"], state["total_annotations_number"]) == (2, 1)


def test_the_cli_names_the_file_task_and_problem_and_imports_nothing(http, server, tmp_path):
    project = make_project(http)
    (tmp_path / "good.txt").write_text("fine\n")
    (tmp_path / "bad.json").write_text(json.dumps([{"text": "ok"}, {"title": "no text"}]))

    done = run_cli(server, "import", str(project["id"]), str(tmp_path / "good.txt"), str(tmp_path / "bad.json"))

    assert done.returncode == 1
    assert f"error: {tmp_path / 'bad.json'}: task[1]: data lacks 'text'" in done.stderr
    assert "nothing was imported" in done.stderr
    assert project_state(http, project)["task_number"] == 0


# --------------------------------------------------------------------------- plugins hear about imports


class ImportListener:
    """A plugin that records the events it is told about."""

    __name__ = "import_listener"

    def __init__(self):
        self.events: list[tuple[str, dict]] = []

    @hookimpl
    def on_event(self, event: str, payload: dict) -> None:
        self.events.append((event, payload))


def test_plugins_are_told_about_imported_tasks_after_the_commit(tmp_path):
    from labelcore.db import make_engine, migrate, write_session
    from labelcore.models import Project
    from labelcore.registry import build_registry
    from labelcore.services.importing import import_tasks, json_body_source
    from labelcore.settings import Settings
    from labelcore.testing import plugin_manager

    import labelcore_tags_text

    listener = ImportListener()
    pm = plugin_manager(labelcore_tags_text, listener)
    registry = build_registry(pm)
    engine = make_engine(Settings(data_dir=tmp_path))
    migrate(engine)
    with write_session(engine) as session:
        project = Project(title="Events", label_config=CONFIG)
        session.add(project)
        session.flush()
        project_id = project.id

    body = json.dumps([{"text": "one"}, {"text": "two"}]).encode()
    result = import_tasks(engine, project_id, [json_body_source(registry, body)], user_id=None, registry=registry,
                          pm=pm)
    engine.dispose()

    [(event, payload)] = listener.events
    assert (event, payload["action"], payload["project"]["id"]) == ("TASKS_CREATED", "TASKS_CREATED", project_id)
    assert [task["data"] for task in payload["tasks"]] == [{"text": "one"}, {"text": "two"}]
    assert result.task_ids is None  # ids were read for the event, not asked for in the response


def test_the_import_event_carries_the_project_as_the_api_returns_it(tmp_path):
    import warnings

    with warnings.catch_warnings():  # starlette's notice about its httpx-based client
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    import labelcore_tags_text

    from labelcore.app import create_app
    from labelcore.settings import Settings
    from labelcore.testing import plugin_manager

    listener = ImportListener()
    token = uuid.uuid4().hex
    settings = Settings(data_dir=tmp_path, username="events@example.com", password="pass-1234", user_token=token)
    with TestClient(create_app(settings, plugin_manager(labelcore_tags_text, listener)),
                    headers={"Authorization": f"Token {token}"}) as client:
        project = make_project(client)
        assert import_json(client, project, [{"text": "one"}]).status_code == 201
        shown = project_state(client, project)

    (_, created), (event, imported) = listener.events
    assert event == "TASKS_CREATED" and imported["project"] == shown
    assert imported["project"]["created_by"]["email"] == "events@example.com"
    assert imported["project"].keys() == created["project"].keys()
