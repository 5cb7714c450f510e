"""The REST API: one APIRouter per resource, with Label Studio's paths, shapes and status codes."""

from labelcore.api import auth, exports, system, users
from labelcore.api import next as next_task
from labelcore.api import annotations, predictions, projects, tasks
from labelcore.api import imports

ROUTERS = [system.router, auth.router, users.router, next_task.router, exports.router]
ROUTERS += [projects.router, tasks.router, annotations.router, predictions.router]
ROUTERS += [imports.router]
from labelcore.api import media  # noqa: E402

ROUTERS += [media.router]
from labelcore.api import dm_actions, jobs, ml  # noqa: E402

ROUTERS += [ml.router, dm_actions.router, jobs.router]
