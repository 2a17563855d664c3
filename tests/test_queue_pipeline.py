"""Notifications handed to Dramatiq in pipelines reach a worker as if sent one by one.

``queue.enqueue_many`` runs Dramatiq's own enqueue script for each message, many to a
Redis round trip; it leans on the pinned Dramatiq's internals, so this checks it against
a real worker on real Redis (or the embedded Valkey).
"""

import threading

import dramatiq
from dramatiq import Worker

from workflows.platform.queue import PIPELINE, WORKER_TIMEOUT_MS, enqueue_many, make_broker


def test_every_message_of_a_pipelined_hand_over_runs_once(redis_url: str, namespace: str) -> None:
    broker = make_broker(redis_url, namespace=namespace)
    ran: list[int] = []
    done = threading.Condition()
    enqueued: list[str] = []

    class Seen(dramatiq.Middleware):
        def after_enqueue(
            self, broker: dramatiq.Broker, message: dramatiq.Message, delay: int | None
        ) -> None:
            enqueued.append(message.options["redis_message_id"])

    broker.add_middleware(Seen())

    def record(number: int) -> None:
        with done:
            ran.append(number)
            done.notify_all()

    dramatiq.actor(broker=broker, actor_name="record", queue_name="pipelined")(record)
    count = PIPELINE * 2 + 7  # whole pipelines and a partial one
    enqueue_many(broker, "record", [(n,) for n in range(count)], queue_name="pipelined")
    assert len(set(enqueued)) == count, "each message has a Redis id of its own, hooks ran"

    worker = Worker(broker, worker_threads=4, worker_timeout=WORKER_TIMEOUT_MS)
    worker.start()
    try:
        with done:
            assert done.wait_for(lambda: len(ran) >= count, timeout=60), len(ran)
        worker.join()
    finally:
        worker.stop()
        broker.flush_all()
        broker.close()
    assert sorted(ran) == list(range(count))
