"""The management REST API (``/api/v1``); its OpenAPI document is published in ``docs/``."""
