"""Application services: the only way in for the API, the CLI and the dashboard."""
