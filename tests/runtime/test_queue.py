"""The queue URL picks the Huey backend; a wrong URL says which forms are accepted."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from huey import RedisHuey, SqliteHuey

from wholesync.runtime.queue import (
    QUEUE_URL_INVALID,
    QueueError,
    check_queue,
    consumer_options,
    describe_url,
    make_huey,
)


def test_sqlite_relative_path_creates_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    huey = make_huey("sqlite:///var/q/queue.sqlite3", "wholesync")
    assert isinstance(huey, SqliteHuey)
    check_queue(huey)
    assert (tmp_path / "var" / "q" / "queue.sqlite3").is_file()
    options = consumer_options(huey)
    assert options["max_delay"] <= 0.5
    assert options["initial_delay"] <= 0.1
    huey.storage.close()


def test_sqlite_absolute_path(tmp_path: Path) -> None:
    target = tmp_path / "abs" / "queue.sqlite3"
    huey = make_huey(f"sqlite:///{target}", "wholesync")  # sqlite:////tmp/... (four slashes)
    assert os.path.isabs(huey.storage.filename)
    check_queue(huey)
    assert target.is_file()
    huey.storage.close()


def test_redis_uses_the_name_as_given_and_blocks(redis_url: str, redis_prefix: str) -> None:
    huey = make_huey(redis_url, redis_prefix)
    assert isinstance(huey, RedisHuey)
    assert huey.storage.blocking
    assert huey.storage.queue_key == f"huey.redis.{redis_prefix}"

    def noop() -> None: ...

    probe: Callable[[], object] = huey.task(name="probe")(noop)
    probe()
    client = redis.Redis.from_url(redis_url)
    assert client.llen(f"huey.redis.{redis_prefix}") == 1
    client.close()
    check_queue(huey)
    huey.storage.pool.disconnect()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://localhost/q",
        "sqlite://",
        "sqlite:///",
        "sqlite:///:memory:",
        "queue.db",
        "",
        "redis://127.0.0.1:abc/0",
    ],
)
def test_a_bad_url_names_the_accepted_forms(url: str) -> None:
    with pytest.raises(QueueError) as caught:
        make_huey(url, "wholesync")
    assert caught.value.code == QUEUE_URL_INVALID
    assert "sqlite:///" in caught.value.message and "redis://" in caught.value.message


def test_an_unreachable_redis_is_reported() -> None:
    huey = make_huey("redis://127.0.0.1:1/0", "wholesync")
    with pytest.raises(QueueError) as caught:
        check_queue(huey)
    assert caught.value.code == "QUEUE_UNAVAILABLE"


def test_passwords_are_hidden() -> None:
    assert describe_url("redis://:s3cret@host:6379/0") == "redis://:***@host:6379/0"
    assert describe_url("sqlite:///var/queue.sqlite3") == "sqlite:///var/queue.sqlite3"
