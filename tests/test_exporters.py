"""The export framework without a server: the builtin exporters against Label Studio's converter,
``iter_tasks`` on a real database (batches, queries, filters), the streaming pipe, stored-export
reading, the formats list with a plugin that refuses a config, and the job queue."""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from label_studio_sdk.converter import Converter
from sqlalchemy import event, insert, select

import labelcore_tags_image
import labelcore_tags_text
from labelcore import ExporterSpec, hookimpl
from labelcore.app import create_app
from labelcore.builtin import export_csv, export_json
from labelcore.db import make_engine, migrate, write_session
from labelcore.errors import LabelcoreError
from labelcore.jobs import InProcessQueue, JobContext, JobStatus
from labelcore.models import Annotation, Draft, Prediction, Project, Task, User
from labelcore.plugins import list_plugins
from labelcore.registry import build_registry
from labelcore.services import export_reader, export_rows, export_snapshots, export_stream, exporting
from labelcore.settings import Settings
from labelcore.testing import ConfigChecker, plugin_manager

CONFIGS = {
    "image": """<View><Image name="img" value="$image"/>
        <RectangleLabels name="label" toName="img"><Label value="Car"/><Label value="Person"/></RectangleLabels>
        <Choices name="quality" toName="img" choice="multiple"><Choice value="good"/><Choice value="bad"/></Choices>
        </View>""",
    "text": """<View><Text name="text" value="$text"/>
        <Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
        <Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices>
        <TextArea name="summary" toName="text"/>
        <Relations><Relation value="rel"/></Relations></View>""",
    # a control named like a data key: the data column becomes _data_text
    "collision": """<View><Text name="t" value="$text"/><TextArea name="text" toName="t"/></View>""",
}

RESULTS = {
    "image": [
        [{"id": "a", "from_name": "label", "to_name": "img", "type": "rectanglelabels", "original_width": 10,
          "original_height": 20, "value": {"x": 1.5, "y": 2, "width": 3, "height": 4, "rectanglelabels": ["Car"]}},
         {"id": "b", "from_name": "quality", "to_name": "img", "type": "choices",
          "value": {"choices": ["good", "bad"]}}],
        [{"id": "c", "from_name": "quality", "to_name": "img", "type": "choices", "value": {"choices": ["bad"]}},
         {"id": "x", "from_name": "unknown", "to_name": "img", "type": "choices", "value": {"choices": ["z"]}}],
    ],
    "text": [
        [{"id": "n1", "from_name": "ner", "to_name": "text", "type": "labels",
          "value": {"start": 0, "end": 4, "text": "Jane", "labels": ["PER"]}},
         {"id": "s1", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}},
         {"from_id": "n1", "to_id": "n1", "type": "relation", "direction": "right", "labels": ["rel"]}],
        [{"id": "t1", "from_name": "summary", "to_name": "text", "type": "textarea",
          "value": {"text": ["one line, \"quoted\"\nand another"]}},
         {"id": "t2", "from_name": "summary", "to_name": "text", "type": "textarea", "value": {"text": ["a", "b"]}}],
    ],
    "collision": [
        [{"id": "w", "from_name": "text", "to_name": "t", "type": "textarea", "value": {"text": ["written"]}}],
        [],
    ],
}

DATA = {
    "image": [{"image": "/data/1.jpg"}, {"image": "http://x/2.jpg", "extra": {"k": [1, 2]}}, {"image": "3.jpg"}],
    "text": [{"text": "Jane works at ACME"}, {"text": "Zürich 🙂", "n": 3}, {"text": ""}],
    "collision": [{"text": "original"}, {"text": "second", "more": None}, {"text": "third"}],
}


@pytest.fixture(scope="module")
def checker():
    return ConfigChecker(plugin_manager(labelcore_tags_image, labelcore_tags_text))


def make_tasks(kind: str) -> list[dict]:
    """Label Studio export JSON: several annotations per task, a skipped one, one task without."""
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    tasks = []
    for index, data in enumerate(DATA[kind]):
        annotations = []
        if index == 0:
            for number, result in enumerate(RESULTS[kind]):
                annotations.append({"id": 10 + number, "completed_by": 1, "result": result, "was_cancelled": False,
                                    "lead_time": 1.5 * number, "created_at": (t0 + timedelta(hours=number)).isoformat(),
                                    "updated_at": t0.isoformat()})
            annotations.append({"id": 30, "completed_by": 2, "result": RESULTS[kind][0], "was_cancelled": True,
                                "created_at": t0.isoformat()})
        elif index == 1:
            annotations.append({"id": 40, "completed_by": {"id": 3, "email": "c@x.io"}, "result": RESULTS[kind][1],
                                "was_cancelled": False, "lead_time": None, "created_at": t0.isoformat(),
                                "updated_at": None})
        tasks.append({"id": index + 1, "data": data, "annotations": annotations, "predictions": []})
    return tasks


def run(exporter_id: str, tasks: list[dict], config, **options) -> bytes:
    spec = {e.id: e for e in export_json.EXPORTERS + export_csv.EXPORTERS}[exporter_id]
    out = io.BytesIO()
    spec.export(iter(tasks), out, exporting.ExportContext(project_id=1, config=config, options=options))
    return out.getvalue()


def reference(kind: str, tasks: list[dict], export_type: str, tmp_path: Path) -> bytes:
    source = tmp_path / "tasks.json"
    source.write_text(json.dumps(tasks))
    out = tmp_path / export_type
    Converter(config=CONFIGS[kind], project_dir=None, download_resources=False).convert(
        str(source), str(out), export_type, is_dir=False)
    (result,) = out.iterdir()
    return result.read_bytes()


# --------------------------------------------------------------------------- exporters vs Label Studio


@pytest.mark.parametrize("kind", sorted(CONFIGS))
def test_json_min_is_the_converters(checker, tmp_path, kind):
    tasks = make_tasks(kind)
    ours = json.loads(run("JSON_MIN", tasks, checker.parse(CONFIGS[kind])))
    assert ours == json.loads(reference(kind, tasks, "JSON_MIN", tmp_path))


@pytest.mark.parametrize("kind", sorted(CONFIGS))
@pytest.mark.parametrize("export_type", ["CSV", "TSV"])
def test_csv_tsv_are_the_converters_byte_for_byte(checker, tmp_path, kind, export_type):
    tasks = make_tasks(kind)
    keys = sorted({key for task in tasks for key in task["data"]})
    ours = run(export_type, tasks, checker.parse(CONFIGS[kind]), data_keys=lambda: keys)
    assert ours == reference(kind, tasks, export_type, tmp_path)


def test_csv_columns_come_from_the_config_without_data_keys(checker):
    header = run("CSV", make_tasks("image"), checker.parse(CONFIGS["image"])).split(b"\r\n")[0]
    assert header == b'"annotation_id","annotator","created_at","id","image","label","lead_time","quality","updated_at"'


def test_json_is_the_tasks_as_given_streamed_one_per_line():
    tasks = make_tasks("text")
    body = run("JSON", tasks, None)
    assert json.loads(body) == tasks
    assert body.count(b"\n") == len(tasks) + 1
    assert run("JSON", [], None) == b"[]"


def test_without_a_parsed_config_every_result_is_kept(tmp_path):
    tasks = make_tasks("image")
    ours = json.loads(run("JSON_MIN", tasks, None))
    source = tmp_path / "t.json"
    source.write_text(json.dumps(tasks))
    Converter(config=None, project_dir=None, download_resources=False).convert(
        str(source), str(tmp_path / "out"), "JSON_MIN", is_dir=False)
    assert ours == json.loads((tmp_path / "out" / "result.json").read_text())


def test_exporters_stream_one_task_at_a_time(checker):
    log = []

    def tasks():
        for task in make_tasks("image"):
            log.append("read")
            yield task

    class Stream(io.BytesIO):
        def write(self, data):
            log.append("write")
            return super().write(data)

    spec = export_csv.EXPORTERS[0]
    spec.export(tasks(), Stream(), exporting.ExportContext(project_id=1, config=checker.parse(CONFIGS["image"])))
    assert log[:2] == ["write", "read"]  # header first, before any task is read
    # header, then each task's rows (2, 1, 1) right after it is read
    assert "".join(x[0] for x in log) == "w" + "rww" + "rw" + "rw"


def test_builtin_exporters_are_ordinary_plugins():
    pm = plugin_manager()
    infos = {info.name: info for info in list_plugins(pm)}
    for module in ("labelcore.builtin.export_json", "labelcore.builtin.export_csv"):
        assert infos[module].builtin and infos[module].hooks == ("register_exporters",)
    registry = build_registry(pm)
    assert {"JSON", "JSON_MIN", "CSV", "TSV"} <= set(registry.exporters)
    assert registry.provider("exporters", "CSV").plugin == "labelcore.builtin.export_csv"


# --------------------------------------------------------------------------- iter_tasks on a database


@pytest.fixture
def engine(tmp_path):
    settings = Settings(data_dir=tmp_path, username="a@example.com", password="password1",
                        user_token="t" * 40)
    engine = make_engine(settings)
    migrate(engine)
    from labelcore.services.users import ensure_bootstrap_admin

    ensure_bootstrap_admin(engine, settings)
    yield engine
    engine.dispose()


def seed(engine, n: int, annotate=lambda i: i % 2 == 0) -> tuple[int, list[int]]:
    now = datetime.now(timezone.utc)
    with write_session(engine) as session:
        user_id = session.exec(select(User.id)).first()[0]
        project = Project(title="p", label_config=CONFIGS["image"])
        session.add(project)
        session.flush()
        connection = session.connection()
        connection.execute(insert(Task), [{"project_id": project.id, "inner_id": i + 1, "data": {"image": str(i)},
                                           "meta": {}, "created_at": now, "updated_at": now} for i in range(n)])
        ids = list(connection.execute(select(Task.id).where(Task.project_id == project.id).order_by(Task.id))
                   .scalars())
        rows = [{"task_id": task_id, "project_id": project.id, "result": [], "completed_by_id": user_id,
                 "was_cancelled": i % 4 == 2, "ground_truth": False, "unique_id": "", "created_at": now,
                 "updated_at": now} for i, task_id in enumerate(ids) if annotate(i)]
        if rows:
            connection.execute(insert(Annotation), rows)
        connection.execute(insert(Prediction), [{"task_id": ids[0], "project_id": project.id, "result": [],
                                                 "model_version": "m", "mislabeling": 0.0, "created_at": now,
                                                 "updated_at": now}])
        connection.execute(insert(Draft), [{"task_id": ids[0], "user_id": user_id, "result": [],
                                            "was_postponed": False, "created_at": now, "updated_at": now}])
        return project.id, ids


def test_iter_tasks_reads_in_batches_with_one_query_per_relation(engine):
    project_id, ids = seed(engine, 2500)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        tasks = list(exporting.iter_tasks(engine, project_id, only_annotated=False, batch=1000))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert [t["id"] for t in tasks] == ids
    queries = [s.split("FROM")[1].split()[0] for s in statements if s.lstrip().upper().startswith("SELECT")]
    # 3 batches + the empty read that ends the walk; annotations, predictions, drafts once per batch
    assert queries.count("task") == 4
    assert queries.count("annotation") == queries.count("prediction") == queries.count("draft") == 3
    assert tasks[0]["predictions"] == [tasks[0]["predictions"][0]] and isinstance(tasks[0]["predictions"][0], int)
    assert tasks[0]["drafts"][0]["user"] == "a@example.com"


def test_iter_tasks_filters(engine):
    project_id, ids = seed(engine, 12)
    annotated = [ids[i] for i in range(12) if i % 2 == 0]

    def walk(**kwargs):
        return [t["id"] for t in exporting.iter_tasks(engine, project_id, **kwargs)]

    assert walk() == annotated  # skipped annotations count (i % 4 == 2 are cancelled)
    assert walk(only_annotated=False) == ids
    assert walk(ids=[ids[3], ids[0], ids[0]]) == [ids[0]]
    assert walk(only_annotated=False, ids=[ids[3], ids[0]]) == [ids[0], ids[3]]
    assert walk(only_annotated=False, task_filter_options={"skipped": "only"}) == [ids[i] for i in (2, 6, 10)]
    assert walk(only_annotated=False, task_filter_options={"annotated": "exclude"}) == \
        [ids[i] for i in range(12) if i % 4 != 0]
    full = next(exporting.iter_tasks(engine, project_id, expand={"predictions", "annotations.completed_by"}))
    assert full["predictions"][0]["model_version"] == "m" and full["drafts"] == [full["drafts"][0]]
    assert full["annotations"][0]["completed_by"]["email"] == "a@example.com"
    with pytest.raises(ValueError):
        next(exporting.iter_tasks(engine, project_id, expand={"comments"}))
    selection = exporting.TaskSelection(project_id=project_id)
    assert exporting.count_tasks(engine, selection) == len(annotated)
    assert exporting.data_keys(engine, selection) == ["image"]


def test_parse_ids_accepts_label_studio_spellings():
    assert exporting.parse_ids(["3", "1,2", "[4, 5]"]) == (1, 2, 3, 4, 5)
    assert exporting.parse_ids([]) is None
    with pytest.raises(LabelcoreError):
        exporting.parse_ids(["1,x"])


def test_serialization_options_choose_what_is_expanded():
    assert export_snapshots.expand_from_serialization(None) == frozenset()
    assert export_snapshots.expand_from_serialization(
        {"drafts": {"only_id": True}, "predictions": {"only_id": False}, "annotations__completed_by": {}}
    ) == {"predictions", "annotations.completed_by"}


def test_timesince_is_django_s():
    now = datetime(2024, 1, 10, tzinfo=timezone.utc)
    assert export_rows.timesince(now, now) == "0\xa0minutes"
    assert export_rows.timesince(now - timedelta(hours=3, minutes=5), now) == "3\xa0hours, 5\xa0minutes"
    assert export_rows.timesince(now - timedelta(days=1, minutes=5), now) == "1\xa0day"


# --------------------------------------------------------------------------- streaming and stored files


def test_chunk_stream_hands_over_every_byte_in_bounded_chunks():
    def produce(stream):
        for i in range(1000):
            stream.write(b"%04d," % i)

    chunks = list(export_stream.ChunkStream(produce, chunk_size=1000))
    assert b"".join(chunks) == b"".join(b"%04d," % i for i in range(1000))
    assert all(len(chunk) >= 1000 for chunk in chunks[:-1])


def test_chunk_stream_blocks_a_fast_writer_and_stops_it_when_the_reader_leaves():
    written = []

    def produce(stream):
        for i in range(10_000):
            stream.write(b"x" * 100)
            written.append(i)

    stream = export_stream.ChunkStream(produce, chunk_size=100, max_chunks=4)
    chunks = iter(stream)
    next(chunks)
    time.sleep(0.3)
    assert len(written) <= 8  # the writer waits for the reader: memory stays bounded
    chunks.close()  # what a client disconnect does
    stream._thread.join(timeout=5)
    assert not stream._thread.is_alive()


def test_chunk_stream_raises_the_exporter_s_error():
    def produce(stream):
        stream.write(b"[")
        raise KeyError("boom")

    with pytest.raises(RuntimeError) as info:
        list(export_stream.ChunkStream(produce))
    assert isinstance(info.value.__cause__, KeyError)


@pytest.mark.parametrize("chunk_size", [1, 7, 1 << 20])
def test_stored_exports_are_read_one_task_at_a_time(chunk_size):
    tasks = [{"id": i, "data": {"text": "é🙂" * i, "nested": [{"a": "]"}, "[,"]}} for i in range(20)]
    for body in (run("JSON", tasks, None), json.dumps(tasks, indent=2).encode(), b"[]", b"  [ ]  "):
        expected = json.loads(body)
        assert list(export_reader.read_json_tasks(io.BytesIO(body), chunk_size=chunk_size)) == expected
    with pytest.raises(LabelcoreError):
        list(export_reader.read_json_tasks(io.BytesIO(b'[{"id": 1}, {"id"'), chunk_size=chunk_size))


# --------------------------------------------------------------------------- formats offered


class Picky:
    """A plugin whose format needs a RectangleLabels control, and one whose check is broken."""

    __name__ = "picky"

    @staticmethod
    def needs_boxes(config):
        tags = {node.tag for node in config.controls.values()}
        return None if "RectangleLabels" in tags else "needs a <RectangleLabels> control"

    @staticmethod
    def broken(config):
        raise ZeroDivisionError("oops")

    @hookimpl
    def register_exporters(self):
        write = lambda tasks, stream, context: stream.write(b"boxes")  # noqa: E731
        return [ExporterSpec(id="BOXES", title="Boxes", extension="txt", media_type="text/plain",
                             supports=self.needs_boxes, export=write),
                ExporterSpec(id="BROKEN", title="Broken", supports=self.broken, export=write)]


def test_formats_list_disables_what_the_config_cannot_serve(tmp_path):
    pm = plugin_manager(labelcore_tags_image, labelcore_tags_text, Picky())
    settings = Settings(data_dir=tmp_path, username="a@example.com", password="password1", user_token="t" * 40)
    app = create_app(settings, pm)
    with TestClient(app) as client:
        client.headers["Authorization"] = "Token " + "t" * 40
        with write_session(app.state.engine) as session:
            text_project = Project(title="text", label_config=CONFIGS["text"])
            image_project = Project(title="image", label_config=CONFIGS["image"])
            session.add_all([text_project, image_project])
            session.flush()
            text_id, image_id = text_project.id, image_project.id
        formats = client.get(f"/api/projects/{text_id}/export/formats").json()
        by_name = {f["name"]: f for f in formats}
        assert by_name["BOXES"]["disabled"] is True
        assert by_name["BOXES"]["disabled_reason"] == "needs a <RectangleLabels> control"
        assert "ZeroDivisionError" in by_name["BROKEN"]["disabled_reason"]
        assert [f["name"] for f in formats if not f["disabled"]] == ["JSON", "JSON_MIN", "CSV", "TSV"]
        assert [f["disabled"] for f in formats] == sorted(f["disabled"] for f in formats)  # usable ones first
        refused = client.get(f"/api/projects/{text_id}/export", params={"exportType": "BOXES"})
        assert refused.status_code == 400 and "needs a <RectangleLabels> control" in refused.json()["detail"]
        image_formats = {f["name"]: f["disabled"]
                         for f in client.get(f"/api/projects/{image_id}/export/formats").json()}
        assert image_formats["BOXES"] is False
        served = client.get(f"/api/projects/{image_id}/export", params={"exportType": "BOXES",
                                                                         "download_all_tasks": "true"})
        assert served.content == b"boxes" and served.headers["content-type"].startswith("text/plain")
        assert served.headers["content-disposition"].endswith('.txt"')


# --------------------------------------------------------------------------- jobs


def remember(context, box_id, value):
    BOXES.setdefault(box_id, []).append((context.settings, value))


def explode(context):
    raise RuntimeError("no luck")


def wait_a_bit(context, event_id):
    EVENTS[event_id].wait(5)


BOXES: dict[str, list] = {}
EVENTS: dict[str, threading.Event] = {}


def test_in_process_queue_runs_jobs_with_their_context():
    queue = InProcessQueue(JobContext(settings="S", engine=None, registry=None, pm=None), workers=1)
    try:
        job = queue.submit(remember, "one", {"a": [1, 2]})
        assert queue.wait(job, timeout=5).state == "finished"
        assert BOXES["one"] == [("S", {"a": [1, 2]})]
        failing = queue.submit(explode)
        status = queue.wait(failing, timeout=5)
        assert status.state == "failed" and "no luck" in status.error
        EVENTS["gate"] = threading.Event()
        blocker = queue.submit(wait_a_bit, "gate")
        waiting = queue.submit(remember, "two", 2)
        assert queue.status(waiting).state == "queued"
        EVENTS["gate"].set()
        assert queue.wait(blocker, 5).state == queue.wait(waiting, 5).state == "finished"
        assert queue.status("nope") is None
    finally:
        queue.shutdown()


def test_stopping_the_app_drops_queued_jobs_and_lets_the_running_one_finish(tmp_path):
    from fastapi.testclient import TestClient

    from labelcore.app import create_app
    from labelcore.jobs import queue_for_app

    app = create_app(Settings(data_dir=tmp_path), plugin_manager())
    EVENTS["stop"] = threading.Event()
    with TestClient(app):
        queue = queue_for_app(app)
        running = [queue.submit(wait_a_bit, "stop") for _ in range(2)]  # the pool's two workers
        queued = queue.submit(remember, "never", 1)
        assert queue.status(queued).state == "queued"
        threading.Timer(0.3, EVENTS["stop"].set).start()
    # the lifespan ended: the queued job was cancelled, the running ones were not cut short
    assert queue.status(queued) == JobStatus(queued, "failed", "cancelled: the server stopped before it ran")
    assert all(queue.wait(job, 5).state == "finished" for job in running)
    assert "never" not in BOXES


def test_jobs_are_portable_to_a_redis_queue():
    queue = InProcessQueue(JobContext(settings=None, engine=None, registry=None, pm=None))
    try:
        with pytest.raises(TypeError):
            queue.submit(lambda context: None)
        with pytest.raises(TypeError):
            queue.submit(remember, "x", object())
    finally:
        queue.shutdown()
