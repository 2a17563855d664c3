"""The fault harness itself: production processes start, answer, and its private
servers come back after a stop."""

import asyncio

import pytest
import redis
from sqlalchemy import text

from models.db import Database
from tests.faults.conftest import Deployment
from tests.faults.processes import PrivatePostgres, PrivateRedis

pytestmark = pytest.mark.faults


async def test_a_bot_and_a_worker_as_processes_answer_a_new_user(deployment: Deployment) -> None:
    await asyncio.to_thread(deployment.bot().start)
    await asyncio.to_thread(deployment.worker("--threads", "2").start)
    mayor = await deployment.person("Amina", "ar")
    transcript = await mayor.transcript()
    assert any("القائمة الرئيسية" in (m.get("text") or "") for m in transcript)


def test_the_private_servers_come_back_after_a_stop(
    private_postgres: PrivatePostgres, private_redis: PrivateRedis
) -> None:
    db = Database(private_postgres.url)
    private_postgres.stop()
    private_postgres.start()
    with db.engine.connect() as connection:
        assert connection.execute(text("select 1")).scalar() == 1
    db.dispose()
    client = redis.Redis.from_url(private_redis.url)
    client.set("kept", "1")
    private_redis.restart()
    assert client.get("kept") is None
