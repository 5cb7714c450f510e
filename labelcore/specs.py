"""Pydantic models that cross the boundary between core and plugins.

Every ``register_*`` hook returns a list of these; the core validates them when it builds the
registry, so a malformed plugin fails at startup with its name, never at request time.
Contracts evolve by adding optional fields; existing fields are never renamed or removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from labelcore.config.tree import ParsedConfig

TagKind = Literal["object", "control", "visual", "child"]

#: Events passed to the ``on_event`` hook. The names and payloads are Label Studio's webhook
#: actions, so a webhook plugin can forward them unchanged.
EVENTS = (
    "PROJECT_CREATED",
    "PROJECT_UPDATED",
    "PROJECT_DELETED",
    "TASKS_CREATED",
    "TASKS_DELETED",
    "ANNOTATION_CREATED",
    "ANNOTATIONS_CREATED",
    "ANNOTATION_UPDATED",
    "ANNOTATIONS_DELETED",
    "PREDICTIONS_CREATED",
    "START_TRAINING",
)


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, extra="forbid")


# --------------------------------------------------------------------------- labeling config


class TagAttributes(BaseModel):
    """Base of every tag's attribute model.

    Field names are Label Studio's attribute names (``toName``, ``showInline``); the config engine
    matches XML attributes to fields case-insensitively, as Label Studio's frontend does. Values
    arrive as XML strings and are coerced by pydantic (``"true"`` -> True, ``"5"`` -> 5).
    Unknown attributes are kept and reported as warnings, because Label Studio ignores them.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ConfigIssue(_Spec):
    """One problem found in a labeling config, with the line it is on."""

    message: str
    line: int | None = None
    tag: str | None = None
    attribute: str | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        tag = f"<{self.tag}> " if self.tag else ""
        return f"{where}{tag}{self.message}"


class ResultIssue(_Spec):
    """One annotation/prediction result item that does not fit the config, and why."""

    index: int | None = None
    id: str | None = None
    from_name: str | None = None
    message: str

    def __str__(self) -> str:
        parts = [f"result[{self.index}]" if self.index is not None else "result"]
        if self.id:
            parts.append(f"id={self.id}")
        if self.from_name:
            parts.append(f"from_name={self.from_name}")
        return f"{' '.join(parts)}: {self.message}"


class TagSpec(_Spec):
    """One XML tag of the labeling config language and everything the core needs to know about it.

    ``kind``: ``object`` tags show task data (bound with ``value="$field"``), ``control`` tags
    produce results about an object (``toName``), ``visual`` tags only lay out the page, ``child``
    tags are options of their parent control (``Label``, ``Choice``, ``Relation``...).
    """

    name: str = Field(description="Canonical XML tag name, e.g. 'RectangleLabels'.")
    kind: TagKind
    attributes: type[TagAttributes] = TagAttributes
    children: tuple[str, ...] | None = Field(
        default=(), description="Tags allowed directly inside; None means any tag (layout containers)."
    )
    requires_children: bool = Field(
        default=False,
        description="A control that needs at least one option child (Label/Choice) unless its "
        "`value` is a $variable (dynamic options from task data).",
    )
    targets: tuple[str, ...] | None = Field(
        default=None, description="Controls: object tags `toName` may name; None means any object tag."
    )
    result_type: str | None = Field(default=None, description="Controls: the result item `type` it writes.")
    value_model: type[BaseModel] | None = Field(
        default=None, description="Controls: pydantic model of the result item's `value`."
    )
    result_to_self: bool = Field(
        default=False,
        description="Controls whose results name the control itself as `to_name` (Label Studio's Pairwise).",
    )
    labels_key: str | None = Field(
        default=None, description="Key of `value` that lists chosen options, checked against the config's options."
    )
    check_value: Callable[[dict[str, Any], Any], list[str]] | None = Field(
        default=None,
        description="check_value(value, context: labelcore.results.ResultContext) -> problems; for checks "
        "that need the config or task data.",
    )
    data_type: str | None = Field(
        default=None, description="Object tags: what the bound data field holds (image, text, html, url, json...)."
    )
    module: str | None = Field(
        default=None, description="Browser ES module that renders the tag, relative to the plugin's static/ dir."
    )
    description: str = ""


class ConfigTemplateSpec(_Spec):
    """A ready-made labeling config offered in the project-creation gallery."""

    id: str
    title: str
    group: str
    config: str
    description: str = ""
    sample_data: dict[str, Any] | None = None


# --------------------------------------------------------------------------- import / export


class ImportContext(_Spec):
    """What an importer may know about the project it imports into."""

    file_name: str | None = None
    data_keys: tuple[str, ...] = Field(default=(), description="Data keys the project's config binds, in order.")


class ImporterSpec(_Spec):
    """A file format tasks can be imported from.

    ``parse`` reads a binary stream and yields tasks in Label Studio JSON (a dict with ``data`` and
    optional ``annotations``/``predictions``/``meta``), one at a time, so a large file never has to
    be held in memory. It raises ``LabelcoreError`` naming the line or item at fault.
    """

    id: str
    title: str
    extensions: tuple[str, ...] = Field(description="File name endings with their dot: ('.csv',); unique "
                                                    "across importers.")
    media_types: tuple[str, ...] = ()
    parse: Callable[[IO[bytes], ImportContext], Iterator[dict[str, Any]]]


class ExportContext(_Spec):
    """What an exporter may know: the project, its parsed config, and how to read media."""

    project_id: int
    project_title: str = ""
    config: Any = Field(description="labelcore.config.ParsedConfig of the project")
    open_media: Callable[[str], IO[bytes]] | None = Field(
        default=None, description="Opens a task's media URL through the storage plugins (for *_WITH_IMAGES)."
    )
    options: dict[str, Any] = Field(default_factory=dict)


class ExporterSpec(_Spec):
    """An export format (`exportType`).

    ``export`` reads an iterator of tasks in Label Studio JSON (each with its ``annotations`` and
    ``predictions``) and writes the file to a binary stream. It must not collect the tasks into a
    list: projects can hold millions. ``supports`` returns None when the config can be served, else
    the reason shown beside the disabled format.
    """

    id: str
    title: str
    description: str = ""
    link: str = Field(default="", description="Where the format is documented (shown in the export dialog).")
    tags: tuple[str, ...] = Field(default=(), description="Short labels such as 'image segmentation'.")
    media_type: str = "application/json"
    extension: str = Field(default="json", description="The download's file name ending, without the dot.")
    supports: Callable[[Any], str | None] | None = Field(
        default=None, description="supports(config: ParsedConfig) -> None, or why the config cannot be exported"
    )
    export: Callable[[Iterable[dict[str, Any]], IO[bytes], ExportContext], None]


# --------------------------------------------------------------------------- task distribution


class SamplerSpec(_Spec):
    """An order in which ``/next`` hands out a project's open tasks (a project's ``sampling``).

    ``order_by(project)`` returns SQLAlchemy ORDER BY clauses over ``labelcore.models.Task``
    (correlated subqueries on ``labelcore.models.Prediction`` are fine), so choosing the next task
    stays one indexed query however many tasks the project has.
    """

    id: str = Field(description="The value of a project's `sampling`, e.g. 'Sequential sampling'.")
    title: str
    order_by: Callable[[Any], list[Any]]


# --------------------------------------------------------------------------- storage


@runtime_checkable
class Storage(Protocol):
    """A configured storage (one bucket/folder), built by a StorageSpec's factory."""

    def list_keys(self, prefix: str = "") -> Iterator[str]: ...

    def open(self, key: str) -> IO[bytes]: ...

    def resolve_url(self, key: str) -> str | None:
        """A URL the browser may load directly (e.g. a presigned S3 URL), or None when media must be
        streamed through the server's own media endpoint."""
        ...

    def write(self, key: str, stream: IO[bytes]) -> None: ...


class StorageSpec(_Spec):
    """A storage type (Label Studio's names: ``localfiles``, ``s3``, ``gcs``, ``azure``, ``redis``)."""

    type: str
    title: str
    settings_model: type[BaseModel]
    factory: Callable[[Any], Storage] = Field(
        description="factory(settings) -> Storage, called with a validated settings_model instance.")


# --------------------------------------------------------------------------- ML backends


class Prediction(BaseModel):
    """One model prediction for one task, in Label Studio's prediction JSON."""

    model_config = ConfigDict(extra="allow")

    result: list[dict[str, Any]]
    score: float | None = None
    model_version: str | None = None


MediaOpener = Callable[[str], IO[bytes]]
"""``media(url) -> binary stream``: what a model is given to read a task's media (``$image`` values
such as ``/data/upload/1/a.jpg`` or ``https://...``). The host decides how: inside labelcore it
reads the data folder, the local-files root or an allowed URL; under ``labelcore ml serve`` it
fetches from the Label Studio (or labelcore) that called ``/setup``, with the token it sent.
Raises :class:`labelcore.errors.LabelcoreError` when the media cannot be read."""


@runtime_checkable
class MLModel(Protocol):
    """A model instance built by an MLBackendSpec's factory.

    ``fit(event, data) -> dict`` is optional (present when the spec says ``can_train``): ``event`` is
    a Label Studio webhook action (``START_TRAINING``, ``ANNOTATION_CREATED``, ...); ``data`` holds
    ``project`` ({id, title, label_config}), the ``annotation`` and ``task`` for annotation events,
    and ``tasks``: an iterable of the project's annotated tasks in Label Studio JSON, streamed from
    the database (absent when the model is served over HTTP, whose server fetches its own data).
    It returns what the training produced (e.g. ``{"model_version": ...}``) and may change
    ``model_version``; a model that cannot train in this environment raises ``LabelcoreError``
    saying why.
    """

    model_version: str

    def setup(self, config: ParsedConfig, media: MediaOpener) -> None: ...

    def predict(self, tasks: list[dict[str, Any]], context: dict[str, Any] | None = None) -> list[Prediction]:
        """One Prediction per task, in order (``result`` may be empty); tasks are Label Studio task
        JSON (``id``, ``data``, ...); ``context`` is the interactive-labeling context, if any."""
        ...

    def health(self) -> dict[str, Any]: ...


class MLBackendSpec(_Spec):
    """A kind of model backend a project can attach (``remote`` speaks Label Studio's ML protocol)."""

    id: str
    title: str
    settings_model: type[BaseModel]
    factory: Callable[[Any], MLModel] = Field(
        description="factory(settings) -> MLModel, called with a validated settings_model instance.")
    can_train: bool = False
    interactive: bool = Field(default=False, description="predict() uses an interactive context "
                              "(Label Studio's is_interactive / interactive-annotating).")


class PluginFailure(_Spec):
    """A plugin that could not be loaded, as shown by ``labelcore plugins`` and ``/api/plugins``."""

    name: str
    dist: str | None = None
    version: str | None = None
    error: str
    traceback: str = ""
