"""Repository-wide pytest setup: a plugin that fails to load fails the test run."""

import os

os.environ.setdefault("LABELCORE_STRICT_PLUGINS", "1")
