"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy.engine import make_url

from bot.core.store import Store

# Property-based tests: the "ci" profile is quick and the same on every run (a fixed seed, no
# example database), so a red CI run is reproducible; `make fuzz` selects the deep "fuzz"
# profile, which explores freshly each time and remembers what failed in .hypothesis/.
settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "fuzz",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
# The evaluation sets live beside the checkout, never inside it (their texts are not ours).
EVAL_DIR = Path(os.environ.get("NEWSDIGEST_EVAL_DIR", REPO.parent / "shared" / "eval"))


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    """The evaluation data folder; tests that need it skip with a reason where it is absent."""
    if not (EVAL_DIR / "bbc").is_dir():
        pytest.skip(f"evaluation data not found at {EVAL_DIR} (set NEWSDIGEST_EVAL_DIR)")
    return EVAL_DIR


# PostgreSQL: every test run gets a database of its own, dropped afterwards.
POSTGRES_ADMIN_URL = os.environ.get(
    "NEWSDIGEST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test run, as an SQLAlchemy URL.

    Where no server answers, the test skips with the reason; in CI it fails instead,
    because there the server must be up.
    """
    import psycopg

    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        message = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"newsdigest_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = make_url(POSTGRES_ADMIN_URL)
            yield base.set(drivername="postgresql+psycopg", database=name).render_as_string(
                hide_password=False
            )
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store test runs once on SQLite and once on PostgreSQL, on an empty schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated, empty store on each database."""
    opened = Store.open(database_url)
    yield opened
    opened.close()
