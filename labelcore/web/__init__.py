"""The web UI: server-rendered pages (``pages``) and core static assets (``static/``)."""
