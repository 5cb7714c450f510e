"""The REST API: one APIRouter per resource, with Label Studio's paths, shapes and status codes."""

from labelcore.api import auth, system, users

ROUTERS = [system.router, auth.router, users.router]
