"""Error types, one per kind of user-facing failure.

Plugins raise `LabelcoreError` subclasses for problems the user should see; the server turns them
into 4xx JSON (``status_code``) and the CLI into a one-line error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from labelcore.specs import ConfigIssue, ResultIssue


class LabelcoreError(Exception):
    """A problem the user can act on. ``status_code`` is the HTTP status the API answers with."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFoundError(LabelcoreError):
    status_code = 404


class ConfigError(LabelcoreError):
    """A labeling config that cannot be used; ``issues`` lists every problem with its line."""

    def __init__(self, issues: list[ConfigIssue]):
        self.issues = issues
        super().__init__("; ".join(str(issue) for issue in issues))


class ResultValidationError(LabelcoreError):
    """Annotation or prediction results that do not fit the labeling config."""

    def __init__(self, issues: list[ResultIssue]):
        self.issues = issues
        super().__init__("; ".join(str(issue) for issue in issues))


class StartupError(Exception):
    """The plugin set cannot form a working application (duplicate names, invalid specs)."""


class PluginLoadError(StartupError):
    """A plugin failed to import or to validate while strict loading was on."""
