"""Domain logic shared by the API and the CLI; no HTTP here."""
