"""Engine construction: URLs, SQLite pragmas, session scope."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import DEFAULT_URL, default_url, make_engine, normalize_url, session_scope
from storage.models import Target, utcnow


def test_default_url_follows_paperwall_db(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPERWALL_DB", raising=False)
    assert default_url() == DEFAULT_URL == "sqlite:///./paperwall.db"
    monkeypatch.setenv("PAPERWALL_DB", "/data/pw.db")
    assert default_url() == "sqlite:////data/pw.db"
    monkeypatch.setenv("PAPERWALL_DB", "postgresql://u:p%40ss@db/pw")
    assert default_url() == "postgresql+psycopg://u:p%40ss@db/pw"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("paperwall.db", "sqlite:///paperwall.db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


def test_sqlite_engine_sets_its_pragmas(tmp_path: Path) -> None:
    engine = make_engine((tmp_path / "p.db").as_posix())
    with engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 30000
        assert pragma("synchronous") == 1  # NORMAL
    engine.dispose()


def test_session_scope_commits_or_rolls_back(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError), session_scope(engine, write=True) as session:
        session.add(Target(kind="url", value="https://a.org/1", added_at=utcnow(), consecutive_failures=0))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(engine, write=True) as session:
        session.add(Target(kind="url", value="https://a.org/2", added_at=utcnow(), consecutive_failures=0))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM targets")).scalars().all() == ["https://a.org/2"]
