"""The ``labelcore`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from labelcore.errors import ConfigError, LabelcoreError, StartupError


def _registry_and_pm():
    from labelcore.plugins import create_plugin_manager
    from labelcore.registry import build_registry

    try:
        pm = create_plugin_manager()
        registry = build_registry(pm)
    except StartupError as exc:
        raise click.ClickException(str(exc)) from None
    for failure in pm.failures:
        click.echo(f"warning: plugin {failure.name} ({failure.dist} {failure.version}) failed to load: "
                   f"{failure.error}", err=True)
    return registry, pm


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except OSError as exc:
        raise click.ClickException(f"{path}: {exc.strerror}") from None


@click.group()
@click.version_option(package_name="labelcore")
def main() -> None:
    """labelcore: self-hosted, plugin-first data labeling."""


@main.command()
@click.argument("config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--task", "task_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A task (or a list of tasks) in Label Studio JSON to check against the config.")
@click.option("--result", "result_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An annotation result list (or an annotation with `result`) to check.")
@click.option("--json", "as_json", is_flag=True, help="Print the parsed summary as JSON.")
def validate(config_file: Path, task_file: Path | None, result_file: Path | None, as_json: bool) -> None:
    """Check a labeling config (and optionally tasks and results) against the installed plugins."""
    from labelcore.config import parse_config
    from labelcore.services.validation import check_tasks, result_items

    registry, pm = _registry_and_pm()
    try:
        parsed = parse_config(config_file.read_bytes(), registry, pm)
    except ConfigError as exc:
        for issue in exc.issues:
            click.echo(f"{config_file}:{issue.line or 0}: error: {_without_line(issue)}", err=True)
        sys.exit(1)
    problems: list[str] = []
    tasks_checked = 0
    if task_file is not None:
        tasks = _read_json(task_file)
        tasks_checked = len(tasks) if isinstance(tasks, list) else 1
        problems += [f"{task_file}: {problem}" for problem in check_tasks(tasks, parsed, registry, pm)]
    if result_file is not None:
        from labelcore.results import validate_results

        items = result_items(_read_json(result_file))
        problems += [f"{result_file}: {issue}" for issue in validate_results(items, parsed)]
    for warning in parsed.warnings:
        click.echo(f"{config_file}:{warning.line or 0}: warning: {_without_line(warning)}", err=True)
    if problems:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    summary = parsed.summary()
    summary["tasks_checked"] = tasks_checked
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"{config_file}: valid")
    for obj in summary["objects"]:
        click.echo(f"  object  {obj['name']} <{obj['tag']}> reads {', '.join('$' + d for d in obj['data']) or '-'}")
    for control in summary["controls"]:
        labels = control["labels"] if isinstance(control["labels"], str) else ", ".join(control["labels"]) or "-"
        click.echo(f"  control {control['name']} <{control['tag']}> -> {', '.join(control['to_name']) or '-'}"
                   f" ({control['type']}): {labels}")
    click.echo(f"  data keys: {', '.join(summary['data_keys']) or '-'}")
    if task_file is not None:
        click.echo(f"  tasks checked: {tasks_checked}")


def _without_line(issue: Any) -> str:
    return str(issue.model_copy(update={"line": None}))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--all", "show_all", is_flag=True, help="Include core's builtin plugins.")
def plugins(as_json: bool, show_all: bool) -> None:
    """List installed plugins, what each provides, and plugins that failed to load."""
    from labelcore.plugins import list_plugins

    registry, pm = _registry_and_pm()
    rows = []
    for info in list_plugins(pm):
        if info.builtin and not show_all:
            continue
        rows.append({"name": info.name, "dist": info.dist, "version": info.version, "builtin": info.builtin,
                     "hooks": list(info.hooks), "provides": registry.provided_by(info.name)})
    failures = [failure.model_dump(exclude={"traceback"}) for failure in pm.failures]
    if as_json:
        click.echo(json.dumps({"plugins": rows, "failed": failures}, indent=2))
        return
    for row in rows:
        click.echo(f"{row['name']}  {row['dist']} {row['version'] or ''}".rstrip())
        for kind, names in row["provides"].items():
            click.echo(f"    {kind}: {', '.join(names)}")
        if not row["provides"]:
            click.echo(f"    hooks: {', '.join(row['hooks'])}")
    for failure in failures:
        click.echo(f"FAILED {failure['name']}  {failure['dist']} {failure['version']}: {failure['error']}")
    if not rows and not failures:
        click.echo("no plugins installed")


def _settings(data_dir: Path | None, **overrides: Any):
    from pydantic import ValidationError

    from labelcore.settings import Settings

    values = {key: value for key, value in overrides.items() if value is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(f"LABELCORE_{'_'.join(map(str, error['loc'])).upper()}: {error['msg']}"
                             for error in exc.errors())
        raise click.ClickException(f"invalid setting: {problems}") from None


data_dir_option = click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                               help="Data folder (default: $LABELCORE_DATA_DIR or ./data).")


@main.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8080).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Server processes sharing the port and the database (default: $LABELCORE_WORKERS or 1).")
@data_dir_option
def serve(host: str | None, port: int | None, workers: int | None, data_dir: Path | None) -> None:
    """Run the web server (FastAPI on uvicorn).

    With several workers, the schema upgrade, the first admin and the signing key are made here,
    once, before the workers start; each worker builds its app from the same ``LABELCORE_*``
    environment, which the options above are written into.
    """
    import os

    import uvicorn

    from labelcore.app import create_app
    from labelcore.db import make_engine, migrate
    from labelcore.services.users import ensure_first_admin

    settings = _settings(data_dir, host=host, port=port, workers=workers)
    registry, pm = _registry_and_pm()
    engine = make_engine(settings)
    migrate(engine)
    login = ensure_first_admin(engine, settings)
    engine.dispose()
    click.echo(f"labelcore {__import__('labelcore').__version__}: data in {settings.resolved_data_dir}")
    click.echo(f"open http://{settings.host}:{settings.port}/ and {login}")
    options = {"host": settings.host, "port": settings.port, "log_level": "warning", "access_log": False,
               "timeout_keep_alive": 65}
    if settings.workers == 1:
        uvicorn.run(create_app(settings, pm), **options)
        return
    settings.signing_key  # written to the data folder now, not by two workers at once
    os.environ.update({"LABELCORE_DATA_DIR": str(settings.resolved_data_dir), "LABELCORE_HOST": settings.host,
                       "LABELCORE_PORT": str(settings.port), "LABELCORE_WORKERS": "1"})
    uvicorn.run("labelcore.app:create_app", factory=True, workers=settings.workers, **options)


@main.group()
def ml() -> None:
    """Serve ML backend plugins to Label Studio (or another labelcore)."""


@ml.command("serve")
@click.argument("backend")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=int, default=9090, show_default=True, help="Port.")
@click.option("--setting", "setting_items", multiple=True, metavar="KEY=VALUE",
              help="A backend setting (repeatable); VALUE is read as JSON when it parses, else as text.")
@click.option("--settings", "settings_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A JSON object of backend settings (--setting values override it).")
@click.option("--basic-auth", envvar="LABELCORE_ML_BASIC_AUTH", metavar="USER:PASS", default=None,
              help="Require this HTTP basic auth on every request (env LABELCORE_ML_BASIC_AUTH).")
def ml_serve(backend: str, host: str, port: int, setting_items: tuple[str, ...], settings_file: Path | None,
             basic_auth: str | None) -> None:
    """Serve BACKEND over Label Studio's ML-backend protocol (/health, /setup, /predict, /webhook)."""
    import uvicorn

    from labelcore.ml_server import backend_settings, create_ml_app, parse_setting

    registry, pm = _registry_and_pm()
    spec = registry.ml_backends.get(backend)
    if spec is None:
        installed = ", ".join(sorted(registry.ml_backends)) or "none (install a plugin that provides one)"
        raise click.ClickException(f"no ML backend {backend!r}; installed backends: {installed}")
    values = _read_json(settings_file) if settings_file is not None else {}
    if not isinstance(values, dict):
        raise click.ClickException(f"{settings_file}: expected a JSON object of settings")
    credentials = None
    if basic_auth is not None:
        user_name, sep, password = basic_auth.partition(":")
        if not sep or not user_name or not password:
            raise click.ClickException("--basic-auth: expected USER:PASS")
        credentials = (user_name, password)
    try:
        values.update(parse_setting(item) for item in setting_items)
        settings = backend_settings(spec, values)
    except LabelcoreError as exc:
        raise click.ClickException(exc.message) from None
    app = create_ml_app(spec, settings, registry, pm, basic_auth=credentials)
    click.echo(f"serving ML backend {spec.id!r} ({spec.title}) at http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@main.group()
def user() -> None:
    """Manage users."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--password", default=None, help="Password for the web login (omit for API-only users).")
@click.option("--token", default=None, help="API token to give the user (default: a new random one).")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@data_dir_option
def user_create(email: str, password: str | None, token: str | None, admin: bool, data_dir: Path | None) -> None:
    """Create a user and print its API token."""
    from labelcore.db import make_engine, migrate, write_session
    from labelcore.security import new_api_key
    from labelcore.services.users import create_user

    settings = _settings(data_dir)
    engine = make_engine(settings)
    migrate(engine)
    key = token or new_api_key()
    try:
        with write_session(engine) as session:
            created = create_user(session, email, password, key, admin=admin)
            user_id = created.id
    except LabelcoreError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"created user {user_id} {email}{' (admin)' if admin else ''}")
    click.echo(f"API token: {key}")


def run() -> None:  # pragma: no cover - console entry point wrapper
    try:
        main()
    except LabelcoreError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)


@main.command("export")
@click.argument("project", type=int)
@click.option("--format", "export_type", default="JSON", show_default=True,
              help="Export format (Label Studio's exportType): JSON, JSON_MIN, CSV, TSV, or one a plugin adds.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="File to write ('-' writes to standard output).")
@click.option("--all", "all_tasks", is_flag=True, help="Include tasks without annotations (download_all_tasks).")
@click.option("--ids", default=None, help="Only these task ids, comma-separated.")
@data_dir_option
def export(project: int, export_type: str, out_path: Path, all_tasks: bool, ids: str | None,
           data_dir: Path | None) -> None:
    """Export a project's tasks to a file, as GET /api/projects/{id}/export does; safe beside a running server."""
    import os
    import time

    from labelcore.db import make_engine, read_session
    from labelcore.services import export_formats, export_stream, exporting
    from labelcore.services.projects import get_project

    settings = _settings(data_dir)
    registry, pm = _registry_and_pm()
    engine = make_engine(settings)
    started = time.monotonic()
    try:
        with read_session(engine) as session:
            row = get_project(session, project)
        config = export_formats.project_config(row, registry, pm)
        exporter = export_formats.resolve_exporter(registry, export_type, config)
        selection = exporting.TaskSelection(project_id=row.id, only_annotated=not all_tasks,
                                            ids=exporting.parse_ids([ids]) if ids else None)
        context = exporting.export_context(row, config, settings,
                                           {"data_keys": lambda: exporting.data_keys(engine, selection)})
        total = exporting.count_tasks(engine, selection)
        counters = export_stream.ExportCounters()
        to_stdout = str(out_path) == "-"
        target = out_path if to_stdout else out_path.with_name(f".{out_path.name}.part")
        with click.progressbar(length=total, label=f"project {row.id} -> {exporter.id}", file=sys.stderr,
                               show_pos=True) as bar:
            tasks = counters.count(exporting.iter_selected(engine, selection), progress=bar.update)
            if to_stdout:
                export_stream.run_export(exporter, tasks, sys.stdout.buffer, context)
                sys.stdout.buffer.flush()
            else:
                try:
                    with open(target, "wb", buffering=1 << 20) as stream:
                        export_stream.run_export(exporter, tasks, stream, context)
                    os.replace(target, out_path)
                finally:
                    target.unlink(missing_ok=True)
    except LabelcoreError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        engine.dispose()
    click.echo(f"exported {counters.task_number} tasks, {counters.annotation_number} annotations "
               f"({exporter.id}) to {out_path} in {time.monotonic() - started:.1f} s", err=True)


@main.command("import")
@click.argument("project", type=int)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the files and report counts without storing anything "
                                             "(commit_to_project=false).")
@data_dir_option
def import_tasks(project: int, files: tuple[Path, ...], dry_run: bool, data_dir: Path | None) -> None:
    """Import task files (JSON, JSONL, CSV, TSV, TXT) into a project, all or nothing, as
    POST /api/projects/{id}/import does; safe beside a running server."""
    from contextlib import ExitStack

    from labelcore.db import make_engine, migrate
    from labelcore.services import importing

    settings = _settings(data_dir)
    registry, pm = _registry_and_pm()
    engine = make_engine(settings)
    try:
        migrate(engine)
        with ExitStack() as stack:
            sources = [importing.ImportSource(stream=stack.enter_context(open(path, "rb")),
                                              importer=importing.importer_for(registry, path.name), name=str(path))
                       for path in files]
            result = importing.import_tasks(engine, project, sources, user_id=None, registry=registry, pm=pm,
                                            options=importing.ImportOptions(commit_to_project=not dry_run))
    except importing.ImportProblems as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        if exc.total > len(exc.problems):
            click.echo(f"error: ... and {exc.total - len(exc.problems)} more", err=True)
        click.echo(f"{exc.total} problem{'s' if exc.total != 1 else ''}: nothing was imported", err=True)
        sys.exit(1)
    except LabelcoreError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        engine.dispose()
    if dry_run:
        click.echo(f"checked {result.task_count} tasks: they can be imported into project {project} (nothing stored)")
        return
    click.echo(f"imported {result.task_count} tasks, {result.annotation_count} annotations and "
               f"{result.prediction_count} predictions into project {project} in {result.duration:.2f} s")
