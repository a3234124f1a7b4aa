"""Database URLs: what users write, what the async engine is given, what is shown back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from interloom.core.errors import ConfigError
from interloom.storage.database import mask_url, resolve_url


@pytest.mark.parametrize(
    ("given", "resolved"),
    [
        ("sqlite:////var/lib/interloom.db", "sqlite+aiosqlite:////var/lib/interloom.db"),
        ("sqlite+pysqlite:////var/lib/x.db", "sqlite+aiosqlite:////var/lib/x.db"),
        ("sqlite+aiosqlite:////var/lib/x.db", "sqlite+aiosqlite:////var/lib/x.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
        ("postgresql://u:pw@db:5432/rec", "postgresql+psycopg://u:pw@db:5432/rec"),
        ("postgres://u:pw@db/rec", "postgresql+psycopg://u:pw@db/rec"),
        ("postgresql+psycopg2://u@db/rec", "postgresql+psycopg://u@db/rec"),
        ("postgresql+asyncpg://u@db/rec", "postgresql+asyncpg://u@db/rec"),
        ("postgresql://u@db/rec?sslmode=require", "postgresql+psycopg://u@db/rec?sslmode=require"),
    ],
)
def test_user_urls_map_to_async_drivers(given: str, resolved: str) -> None:
    assert resolve_url(given).render_as_string(hide_password=False) == resolved


def test_a_relative_sqlite_path_resolves_against_base_dir(tmp_path: Path) -> None:
    url = resolve_url("sqlite:///data/records.db", base_dir=tmp_path)

    assert url.database == str(tmp_path / "data" / "records.db")
    assert (tmp_path / "data").is_dir()


def test_a_relative_sqlite_path_without_base_dir_resolves_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert resolve_url("sqlite:///records.db").database == str(tmp_path / "records.db")


def test_a_sqlite_directory_that_cannot_be_made_raises_config_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")

    with pytest.raises(ConfigError, match="cannot create the directory"):
        resolve_url("sqlite:///file/records.db", base_dir=tmp_path)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:s3cret@db/records",
        "postgresql://app@db/records?password=s3cret",
    ],
)
def test_shown_urls_mask_the_password(url: str) -> None:
    shown = mask_url(make_url(url))

    assert "s3cret" not in shown
    assert "***" in shown
