"""Exporting a project, through the live server (SQLite and PostgreSQL) and the official SDK.

``GET /api/projects/{id}/export`` writes what Label Studio 1.23 writes: the JSON export is its
task format exactly, and JSON_MIN / CSV / TSV equal what Label Studio's own converter (shipped in
label-studio-sdk) makes of that JSON. Snapshots (``/api/projects/{id}/exports``) go created ->
completed in a background job and are downloaded, converted and deleted as the SDK drives them.

Projects are arranged directly in the server's database (rows plus their stored counters, as the
import and annotation services store them), so these tests depend on nothing but the export API.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from label_studio_sdk.converter import Converter
from sqlalchemy import select

from labelcore.db import make_engine, write_session
from labelcore.models import Annotation, Draft, Prediction, Project, Task, User
from labelcore.services import counters
from labelcore.settings import Settings

CONFIG = """<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="label" toName="img"><Label value="Car"/><Label value="Person"/></RectangleLabels>
  <Choices name="quality" toName="img"><Choice value="good"/><Choice value="bad"/></Choices>
  <TextArea name="note" toName="img"/>
</View>"""

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


def box(region_id: str, label: str = "Car", x: float = 10.5) -> dict:
    return {"id": region_id, "from_name": "label", "to_name": "img", "type": "rectanglelabels",
            "original_width": 640, "original_height": 480, "image_rotation": 0,
            "value": {"x": x, "y": 20.0, "width": 30.5, "height": 40.25, "rotation": 0, "rectanglelabels": [label]}}


def choice(value: str) -> dict:
    return {"id": "c1", "from_name": "quality", "to_name": "img", "type": "choices", "value": {"choices": [value]}}


def note(text: str) -> dict:
    return {"id": "n1", "from_name": "note", "to_name": "img", "type": "textarea", "value": {"text": [text]}}


@pytest.fixture(scope="module")
def engine(server):
    engine = make_engine(Settings(data_dir=server.data_dir, database_url=server.database_url))
    yield engine
    engine.dispose()


class Arranged:
    """A project made in the server's database; ``tasks`` are the task ids in order."""

    def __init__(self, engine, title: str = "export"):
        self.engine = engine
        with write_session(engine) as session:
            self.user = session.exec(select(User).where(User.email == "admin@example.com")).first()[0]
            project = Project(title=title, label_config=CONFIG, created_by_id=self.user.id)
            session.add(project)
            session.flush()
            self.id = project.id
        self.tasks: list[int] = []

    def task(self, data: dict, meta: dict | None = None, annotations: list[dict] = (),
             predictions: list[dict] = (), drafts: list[dict] = ()) -> int:
        with write_session(self.engine) as session:
            task = Task(project_id=self.id, inner_id=len(self.tasks) + 1, data=data, meta=meta or {},
                        created_at=T0, updated_at=T0)
            session.add(task)
            session.flush()
            for fields in annotations:
                session.add(Annotation(task_id=task.id, project_id=self.id, completed_by_id=self.user.id,
                                       **{"created_at": T0, "updated_at": T0, **fields}))
            for fields in predictions:
                session.add(Prediction(task_id=task.id, project_id=self.id,
                                       **{"created_at": T0, "updated_at": T0, **fields}))
            for fields in drafts:
                session.add(Draft(task_id=task.id, user_id=self.user.id, **fields))
            session.flush()
            counters.recount_tasks(session, self.id, [task.id])
            self.tasks.append(task.id)
            return task.id

    def row_ids(self, model) -> list[int]:
        with write_session(self.engine) as session:
            return [row[0] for row in session.exec(select(model.id).where(model.task_id.in_(self.tasks))
                                                   .order_by(model.id))]


def export(http, project_id: int, **params):
    response = http.get(f"/api/projects/{project_id}/export", params=params)
    assert response.status_code == 200, response.text
    return response


def converter_output(tasks_json: bytes, export_type: str, tmp_path: Path) -> bytes:
    """What Label Studio's converter writes for the same JSON export."""
    source = tmp_path / f"in-{export_type}.json"
    source.write_bytes(tasks_json)
    out = tmp_path / f"out-{export_type}"
    Converter(config=CONFIG, project_dir=None, download_resources=False).convert(str(source), str(out),
                                                                               export_type, is_dir=False)
    (result,) = out.iterdir()
    return result.read_bytes()


# --------------------------------------------------------------------------- the JSON format


def test_json_export_is_label_studio_task_format(http, engine):
    project = Arranged(engine)
    now = datetime.now(timezone.utc)
    first = project.task(
        {"image": "/data/a.jpg", "camera": {"id": 7}}, meta={"source": "cam"},
        annotations=[{"result": [box("r1"), choice("good")], "lead_time": 4.5,
                      "created_at": T0 + timedelta(minutes=5), "updated_at": T0 + timedelta(minutes=6)}],
        predictions=[{"result": [box("p1", "Person")], "score": 0.9, "model_version": "v1"}],
        drafts=[{"result": [box("d1")], "lead_time": 1.0, "created_at": now, "updated_at": now}],
    )
    second = project.task({"image": "/data/b.jpg"}, annotations=[{"result": [], "was_cancelled": True}])
    project.task({"image": "/data/c.jpg"})  # no annotation: not exported by default
    annotation_ids = project.row_ids(Annotation)
    (prediction_id,) = project.row_ids(Prediction)
    (draft_id,) = project.row_ids(Draft)
    user = project.user

    def annotation(annotation_id, task_id, result, **fields):
        return {
            "id": annotation_id, "completed_by": user.id, "result": result, "was_cancelled": False,
            "ground_truth": False, "created_at": "2024-05-01T12:00:00Z", "updated_at": "2024-05-01T12:00:00Z",
            "draft_created_at": None, "lead_time": None, "prediction": {}, "result_count": len(result),
            "unique_id": None, "import_id": None, "last_action": None, "bulk_created": False, "task": task_id,
            "project": project.id, "updated_by": None, "parent_prediction": None, "parent_annotation": None,
            "last_created_by": None, **fields,
        }

    def task(task_id, inner_id, data, annotations, **fields):
        return {
            "id": task_id, "annotations": annotations, "drafts": [], "predictions": [], "data": data, "meta": {},
            "created_at": "2024-05-01T12:00:00Z", "updated_at": "2024-05-01T12:00:00Z", "allow_skip": True,
            "inner_id": inner_id, "total_annotations": 0, "cancelled_annotations": 0, "total_predictions": 0,
            "comment_count": 0, "unresolved_comment_count": 0, "last_comment_updated_at": None,
            "project": project.id, "updated_by": None, "comment_authors": [], **fields,
        }

    expected = [
        task(first, 1, {"image": "/data/a.jpg", "camera": {"id": 7}},
             [annotation(annotation_ids[0], first, [box("r1"), choice("good")], lead_time=4.5,
                         created_at="2024-05-01T12:05:00Z", updated_at="2024-05-01T12:06:00Z")],
             meta={"source": "cam"}, total_annotations=1, total_predictions=1,
             predictions=[prediction_id],  # Label Studio's export writes prediction ids (its expand is drafts only)
             drafts=[{"id": draft_id, "user": user.email, "created_username": f"{user.email}, {user.id}",
                      "created_ago": "0\xa0minutes", "result": [box("d1")], "lead_time": 1.0,
                      "was_postponed": False, "import_id": None, "created_at": now.isoformat().replace("+00:00", "Z"),
                      "updated_at": now.isoformat().replace("+00:00", "Z"), "task": first, "annotation": None}]),
        task(second, 2, {"image": "/data/b.jpg"},
             [annotation(annotation_ids[1], second, [], was_cancelled=True)], cancelled_annotations=1),
    ]
    response = export(http, project.id, exportType="JSON")
    assert response.json() == expected
    assert response.headers["content-type"] == "application/json"
    name = rf"project-{project.id}-at-\d{{4}}-\d\d-\d\d-\d\d-\d\d-[0-9a-f]{{8}}\.json"
    assert re.fullmatch(rf'attachment; filename="{name}"', response.headers["content-disposition"])


def test_empty_export_is_an_empty_list(http, engine):
    project = Arranged(engine)
    project.task({"image": "/data/a.jpg"})
    assert export(http, project.id).content == b"[]"


# --------------------------------------------------------------------------- JSON_MIN, CSV, TSV


@pytest.fixture(scope="module")
def mixed_project(engine):
    """Tasks that exercise the converter's rules: several annotations, skips, a lone choice or text,
    a data key named like a control, nested data, unicode, and a task without annotations."""
    project = Arranged(engine, "mixed")
    project.task({"image": "/data/1.jpg", "city": "Zürich"},
                 annotations=[{"result": [box("a", x=1.0), box("b", "Person", x=2.25), choice("good")],
                               "lead_time": 2.0},
                              {"result": [note("older, \"quoted\"")], "created_at": T0 - timedelta(hours=1)},
                              {"result": [choice("bad")], "was_cancelled": True}])
    project.task({"image": "/data/2.jpg", "quality": "raw value", "tags": ["x", "y/z"]},
                 annotations=[{"result": [choice("bad"), note("línea\nnueva")]}])
    project.task({"image": "http://example.com/3.jpg"}, annotations=[{"result": [box("c", x=0.1)]}])
    project.task({"image": "/data/4.jpg"})
    project.task({"image": "/data/5.jpg"}, annotations=[{"result": [], "was_cancelled": True}])
    return project


@pytest.mark.parametrize("download_all", ["false", "true"])
def test_json_min_equals_label_studio_converter(http, mixed_project, tmp_path, download_all):
    tasks_json = export(http, mixed_project.id, exportType="JSON", download_all_tasks=download_all).content
    expected = json.loads(converter_output(tasks_json, "JSON_MIN", tmp_path))
    ours = export(http, mixed_project.id, exportType="JSON_MIN", download_all_tasks=download_all).json()
    assert ours == expected
    assert {"id", "image", "label", "quality", "note", "annotator", "annotation_id"} <= {k for r in ours for k in r}


@pytest.mark.parametrize("export_type", ["CSV", "TSV"])
@pytest.mark.parametrize("download_all", ["false", "true"])
def test_csv_and_tsv_equal_label_studio_converter_byte_for_byte(http, mixed_project, tmp_path, export_type,
                                                                download_all):
    tasks_json = export(http, mixed_project.id, exportType="JSON", download_all_tasks=download_all).content
    expected = converter_output(tasks_json, export_type, tmp_path)
    response = export(http, mixed_project.id, exportType=export_type, download_all_tasks=download_all)
    assert response.content == expected
    rows = list(csv.DictReader(io.StringIO(response.text), delimiter="," if export_type == "CSV" else "\t"))
    assert rows[0]["city"] == "Zürich" and "_data_quality" in rows[0]


# --------------------------------------------------------------------------- which tasks


def test_only_tasks_with_annotations_by_default_skipped_ones_included(http, engine):
    project = Arranged(engine)
    annotated = project.task({"image": "a"}, annotations=[{"result": [choice("good")]}])
    skipped = project.task({"image": "b"}, annotations=[{"result": [], "was_cancelled": True}])
    empty = project.task({"image": "c"})
    assert [t["id"] for t in export(http, project.id).json()] == [annotated, skipped]
    everything = export(http, project.id, download_all_tasks="true").json()
    assert [t["id"] for t in everything] == [annotated, skipped, empty]
    assert export(http, project.id, export_type="JSON", download_all_tasks="1").json() == everything


def test_selected_ids_in_every_spelling(http, engine):
    project = Arranged(engine)
    ids = [project.task({"image": str(i)}, annotations=[{"result": []}]) for i in range(4)]
    url = f"/api/projects/{project.id}/export"
    assert [t["id"] for t in http.get(f"{url}?ids[]={ids[2]}&ids[]={ids[0]}").json()] == [ids[0], ids[2]]
    assert [t["id"] for t in http.get(url, params={"ids": f"{ids[3]},{ids[1]}"}).json()] == [ids[1], ids[3]]
    assert [t["id"] for t in http.get(url, params=[("ids", ids[1]), ("ids", ids[2])]).json()] == ids[1:3]
    unannotated = project.task({"image": "x"})
    assert http.get(url, params={"ids": str(unannotated)}).json() == []
    assert [t["id"] for t in http.get(url, params={"ids": str(unannotated), "download_all_tasks": "true"}).json()] \
        == [unannotated]
    assert http.get(url, params={"ids": "1,abc"}).status_code == 400


def test_large_project_streams_in_batches(http, engine):
    project = Arranged(engine)
    with write_session(engine) as session:
        session.add_all([Task(project_id=project.id, inner_id=i + 1, data={"image": f"/{i}.jpg"}, meta={})
                         for i in range(2500)])
    tasks = export(http, project.id, download_all_tasks="true").json()
    assert len(tasks) == 2500
    assert [t["inner_id"] for t in tasks] == list(range(1, 2501))


# --------------------------------------------------------------------------- formats and errors


def test_formats_list_in_label_studio_shape(http, engine):
    project = Arranged(engine)
    response = http.get(f"/api/projects/{project.id}/export/formats")
    assert response.status_code == 200
    formats = response.json()
    names = [f["name"] for f in formats]
    assert names[:4] == ["JSON", "JSON_MIN", "CSV", "TSV"]
    for entry in formats:
        assert {"name", "title", "description", "link", "tags", "disabled"} <= set(entry)
        assert entry["disabled"] is bool(entry["disabled_reason"])
    assert not any(f["disabled"] for f in formats if f["name"] in {"JSON", "JSON_MIN", "CSV", "TSV"})


def test_unknown_format_is_400_listing_the_installed_ones(http, engine):
    project = Arranged(engine)
    response = http.get(f"/api/projects/{project.id}/export", params={"exportType": "NOPE"})
    assert response.status_code == 400
    assert "NOPE" in response.json()["detail"] and "JSON_MIN" in response.json()["detail"]
    assert http.get(f"/api/projects/{project.id}/export",
                    params={"download_all_tasks": "perhaps"}).status_code == 400


def test_missing_project_and_anonymous_caller(http, server):
    assert http.get("/api/projects/987654/export").status_code == 404
    assert http.get("/api/projects/987654/export/formats").status_code == 404
    import httpx

    assert httpx.get(f"{server.url}/api/projects/1/export").status_code == 401


# --------------------------------------------------------------------------- the SDK


def test_sdk_easy_export(sdk, engine):
    project = Arranged(engine)
    annotated = project.task({"image": "a"}, annotations=[{"result": [choice("good")]}])
    empty = project.task({"image": "b"})
    tasks = sdk.projects.exports.as_json(project.id)  # Community edition: download_sync with all tasks
    assert [t["id"] for t in tasks] == [annotated, empty]
    body = b"".join(sdk.projects.exports.download_sync(project.id, export_type="CSV", ids=[str(annotated)]))
    header, row = body.decode().splitlines()
    assert header.startswith('"annotation_id","annotator"') and f",{annotated}," in row
    assert [f["name"] for f in sdk.projects.exports.list_formats(project.id)][:2] == ["JSON", "JSON_MIN"]


def wait_for(get, done, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = get()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"timed out; last: {value}"
        time.sleep(0.1)


def test_snapshot_lifecycle_through_the_sdk(sdk, http, engine, server):
    project = Arranged(engine)
    task_id = project.task({"image": "/a.jpg"}, annotations=[{"result": [box("r1"), choice("good")]}],
                           predictions=[{"result": [box("p1")], "model_version": "m"}])
    project.task({"image": "/b.jpg"})
    created = sdk.projects.exports.create(project.id, title="nightly",
                                          serialization_options={"predictions": {"only_id": False}})
    assert created.title == "nightly" and created.status in ("created", "in_progress", "completed")
    assert created.created_by.email == "admin@example.com"
    snapshot = wait_for(lambda: sdk.projects.exports.get(project.id, export_pk=created.id),
                        lambda s: s.status in ("completed", "failed"))
    assert snapshot.status == "completed"
    assert snapshot.counters == {"task_number": 2, "annotation_number": 1, "prediction_number": 1}
    assert re.fullmatch(r"[0-9a-f]{32}", snapshot.md5) and snapshot.finished_at is not None
    assert [s.id for s in sdk.projects.exports.list(project.id)] == [created.id]

    body = b"".join(sdk.projects.exports.download(project.id, created.id, export_type="JSON"))
    tasks = json.loads(body)
    assert [t["id"] for t in tasks][0] == task_id and len(tasks) == 2  # a snapshot holds every task
    assert tasks[0]["predictions"][0]["model_version"] == "m"  # expanded, as serialization_options asked
    import hashlib

    assert hashlib.md5(body).hexdigest() == snapshot.md5

    # not converted yet: converted on the fly; then converted by a job and served from its file
    on_the_fly = http.get(f"/api/projects/{project.id}/exports/{created.id}/download", params={"exportType": "CSV"})
    assert on_the_fly.status_code == 200
    converting = sdk.projects.exports.convert(project.id, created.id, export_type="CSV")
    assert converting.export_type == "CSV"
    converted = wait_for(lambda: sdk.projects.exports.get(project.id, export_pk=created.id),
                         lambda s: s.converted_formats and s.converted_formats[0].status in ("completed", "failed"))
    assert [(c.id, c.export_type, c.status) for c in converted.converted_formats] == \
        [(converting.converted_format, "CSV", "completed")]
    csv_body = b"".join(sdk.projects.exports.download(project.id, created.id, export_type="CSV"))
    assert csv_body == on_the_fly.content
    again = http.post(f"/api/projects/{project.id}/exports/{created.id}/convert", json={"export_type": "CSV"})
    assert again.status_code == 400 and "already started" in again.text
    bad = http.post(f"/api/projects/{project.id}/exports/{created.id}/convert", json={"export_type": "NOPE"})
    assert bad.status_code == 400

    files = list((Path(server.data_dir) / "export" / str(project.id)).iterdir())
    assert len(files) == 2
    sdk.projects.exports.delete(project.id, created.id)
    assert http.get(f"/api/projects/{project.id}/exports/{created.id}").status_code == 404
    assert not any(path.exists() for path in files)
    assert http.get(f"/api/projects/{project.id}/exports").json() == []


def test_snapshot_filters_are_label_studio_s(http, engine):
    project = Arranged(engine)
    done = project.task({"image": "a"}, annotations=[{"result": [choice("good")]},
                                                     {"result": [], "was_cancelled": True},
                                                     {"result": [choice("bad")], "ground_truth": True}])
    skipped = project.task({"image": "b"}, annotations=[{"result": [], "was_cancelled": True}])
    project.task({"image": "c"})

    def snapshot(**body):
        response = http.post(f"/api/projects/{project.id}/exports", json=body)
        assert response.status_code == 201, response.text
        created = response.json()
        wait_for(lambda: http.get(f"/api/projects/{project.id}/exports/{created['id']}").json(),
                 lambda s: s["status"] in ("completed", "failed"))
        body = http.get(f"/api/projects/{project.id}/exports/{created['id']}/download")
        return [(t["id"], [a["was_cancelled"] for a in t["annotations"]]) for t in body.json()]

    assert len(snapshot()) == 3
    assert snapshot(task_filter_options={"annotated": "only"}) == [(done, [False, True, False])]
    assert [t for t, _ in snapshot(task_filter_options={"skipped": "exclude"})] == [project.tasks[2]]
    assert snapshot(task_filter_options={"only_with_annotations": True},
                    annotation_filter_options={"usual": True}) == [(done, [False])]
    assert snapshot(task_filter_options={"only_with_annotations": True},
                    annotation_filter_options={"usual": False, "skipped": True}) == \
        [(done, [True]), (skipped, [True])]
    invalid = http.post(f"/api/projects/{project.id}/exports", json={"task_filter_options": {"skipped": "maybe"}})
    assert invalid.status_code == 400


def test_snapshot_of_another_project_is_404(http, engine):
    first, second = Arranged(engine), Arranged(engine)
    created = http.post(f"/api/projects/{first.id}/exports", json={}).json()
    assert created["title"].startswith("export-at-")
    assert http.get(f"/api/projects/{second.id}/exports/{created['id']}").status_code == 404
    assert http.delete(f"/api/projects/{second.id}/exports/{created['id']}").status_code == 404


def test_deleting_a_project_removes_its_export_files(http, engine, server):
    def snapshotted() -> Arranged:
        arranged = Arranged(engine)
        arranged.task({"image": "/a.jpg"}, annotations=[{"result": [choice("good")]}])
        created = http.post(f"/api/projects/{arranged.id}/exports", json={}).json()
        wait_for(lambda: http.get(f"/api/projects/{arranged.id}/exports/{created['id']}").json(),
                 lambda s: s["status"] in ("completed", "failed"))
        return arranged

    project, other = snapshotted(), snapshotted()
    folder = Path(server.data_dir) / "export" / str(project.id)
    assert len(list(folder.iterdir())) == 1

    assert http.delete(f"/api/projects/{project.id}").status_code == 204
    assert not folder.exists()
    assert len(list((Path(server.data_dir) / "export" / str(other.id)).iterdir())) == 1  # others' files stay
    assert http.delete(f"/api/projects/{project.id}").status_code == 404


# --------------------------------------------------------------------------- the CLI


def test_cli_export_beside_the_running_server(http, engine, server, tmp_path):
    project = Arranged(engine)
    for i in range(3):
        project.task({"image": f"/{i}.jpg"}, annotations=[{"result": [box(f"r{i}")]}] if i != 1 else [])
    env = dict(os.environ)
    if server.database_url:
        env["LABELCORE_DATABASE_URL"] = server.database_url
    else:
        env.pop("LABELCORE_DATABASE_URL", None)
    for export_type, extra in (("JSON", []), ("CSV", ["--all"])):
        out = tmp_path / f"out.{export_type.lower()}"
        result = subprocess.run([sys.executable, "-m", "labelcore", "export", str(project.id), "--format", export_type,
                                 "--out", str(out), "--data-dir", str(server.data_dir), *extra],
                                env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        params = {"exportType": export_type, "download_all_tasks": "true" if extra else "false"}
        assert out.read_bytes() == export(http, project.id, **params).content
        assert "exported" in result.stderr
    missing = subprocess.run([sys.executable, "-m", "labelcore", "export", "987654", "--out", str(tmp_path / "x"),
                              "--data-dir", str(server.data_dir)], env=env, capture_output=True, text=True)
    assert missing.returncode != 0 and "not found" in missing.stderr

