"""The Dramatiq broker on Redis and the jobs the workers run.

Jobs are registered with :func:`job` and bound to a broker only by
:func:`declare_jobs`, at a worker's start, so that importing a module never
binds it to whatever global broker happens to exist. Code that only hands work
over (the bot process) enqueues by name with :func:`enqueue`.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar
from uuid import uuid4

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis
from dramatiq.message import Message
from dramatiq.middleware import CurrentMessage

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "default"
DELIVERY_QUEUE = "delivery"
#: What people send, one job per chat with updates waiting (``workflows.platform.inbox``).
UPDATES_QUEUE = "updates"
#: Chats with a message typed among their waiting updates: taken ahead of the chats
#: with only button presses, which come in crowds (a vote in the room) while a
#: person who typed ``/menu`` sees nothing until the answer. Served by every worker
#: that serves :data:`UPDATES_QUEUE`, so it is no choice of ``--queues``.
TYPED_QUEUE = "updates.typed"
#: Chats whose press follows an answer sent them moments ago (Confirm, once the
#: edit showing it is out): taken after the typed, ahead of the presses that begin
#: an exchange, so that people part-way through one finish first. Served with
#: :data:`UPDATES_QUEUE` too.
FOLLOW_UP_QUEUE = "updates.follow-up"
QUEUES = (UPDATES_QUEUE, DELIVERY_QUEUE, DEFAULT_QUEUE)

#: A worker that stops heart-beating for this long is presumed dead and its
#: messages go back to the queue. Dramatiq's default is a minute; a worker here
#: beats every second on its own (:class:`Heartbeat`), so five missed beats mean
#: it is dead or frozen, and its notifications go out again within seconds.
HEARTBEAT_TIMEOUT_MS = 5_000
HEARTBEAT_EVERY_S = 1.0
#: Out of a million fetches, how many run the maintenance pass that requeues a
#: dead worker's messages of the queue fetched from. With an idle queue looked at
#: every 250 to 500 ms (:data:`JOBS_WORKER_TIMEOUT_MS`) this is about once every
#: second or two instead of Dramatiq's once every few minutes.
MAINTENANCE_CHANCE = 200_000
#: How long an idle worker of updates waits on an empty queue before looking again;
#: short waits cut the pick-up latency of what a person sent from about 350 ms to
#: about 30 ms.
WORKER_TIMEOUT_MS = 100
#: The same for the workers of notices and workflow jobs, which nobody watches being
#: picked up. Every wait ends in a look at Redis and a thread woken, for each queue
#: and its delay queue and each worker thread: at 100 ms these kept an idle worker
#: process busy a tenth of a processor.
JOBS_WORKER_TIMEOUT_MS = 500


def make_broker(
    url: str,
    *,
    heartbeat_timeout_ms: int = HEARTBEAT_TIMEOUT_MS,
    maintenance_chance: int = MAINTENANCE_CHANCE,
    namespace: str = "majlis",
) -> RedisBroker:
    broker = RedisBroker(
        url=url,
        namespace=namespace,
        heartbeat_timeout=heartbeat_timeout_ms,
        maintenance_chance=maintenance_chance,
    )
    # Lets a job know which queue message it runs for (see :func:`current_holder`).
    broker.add_middleware(CurrentMessage())
    return broker


def _heartbeats(broker: RedisBroker) -> str:
    # Dramatiq's own sorted set of worker ids by last heartbeat (dispatch.lua).
    return f"{broker.namespace}:__heartbeats__"


class Heartbeat(threading.Thread):
    """Beats for this worker every second, whatever its consumers are doing.

    Dramatiq beats only when a consumer fetches, and a consumer with its prefetch
    full does not fetch: a busy worker could pass for dead and have the messages it
    is working on handed to another. Beating here, a worker passes for dead only
    when it is (or is frozen), which is what lets a redelivered message resume the
    dead worker's claim at once.
    """

    def __init__(self, broker: RedisBroker) -> None:
        super().__init__(name="majlis-heartbeat", daemon=True)
        self.broker = broker
        self.stopping = threading.Event()

    def run(self) -> None:
        failing = False
        while True:
            try:
                self.beat()
                if failing:
                    log.info("heartbeat: Redis answers again")
                failing = False
            except Exception as exc:
                if not failing:
                    log.warning("heartbeat: Redis does not answer (%s)", exc)
                failing = True
            if self.stopping.wait(HEARTBEAT_EVERY_S):
                return

    def beat(self) -> None:
        now_ms = int(time.time() * 1000)
        self.broker.client.zadd(_heartbeats(self.broker), {self.broker.broker_id: now_ms})

    def stop(self) -> None:
        self.stopping.set()


def worker_alive(broker: RedisBroker, worker_id: str) -> bool:
    """Whether the worker ``worker_id`` beat within the heartbeat timeout."""
    score = broker.client.zscore(_heartbeats(broker), worker_id)
    return score is not None and score > time.time() * 1000 - broker.heartbeat_timeout


def current_holder(broker: dramatiq.Broker) -> str | None:
    """``message@worker`` for the queue message the calling job runs for.

    Dramatiq gives each enqueue its own Redis id and hands the same id out again
    only when the worker that fetched it stopped beating: a job that finds its own
    message id on a claim is that worker's message, redelivered.
    """
    message = CurrentMessage.get_current_message()
    if message is None or not isinstance(broker, RedisBroker):
        return None
    redis_id = message.options.get("redis_message_id")
    return f"{redis_id}@{broker.broker_id}" if redis_id else None


def holder_gone(broker: dramatiq.Broker, holder: str) -> bool:
    """Whether the worker named in ``holder`` (``message@worker``) has died."""
    if not isinstance(broker, RedisBroker):
        return False
    return not worker_alive(broker, holder.partition("@")[2])


@dataclass(frozen=True)
class JobSpec:
    fn: Callable[..., Any]
    name: str
    queue_name: str
    options: dict[str, Any] = field(default_factory=dict)


_JOBS: dict[str, JobSpec] = {}


def job(
    *, queue_name: str = DEFAULT_QUEUE, name: str | None = None, **options: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` as a job; it stays a plain function until declared."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        spec = JobSpec(fn=fn, name=name or fn.__name__, queue_name=queue_name, options=options)
        _JOBS[spec.name] = spec
        return fn

    return register


def declare_jobs(broker: dramatiq.Broker) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Bind every registered job to ``broker`` and return the actors by name."""
    return {
        spec.name: dramatiq.actor(  # type: ignore[call-overload]
            spec.fn,
            broker=broker,
            actor_name=spec.name,
            queue_name=spec.queue_name,
            **spec.options,
        )
        for spec in _JOBS.values()
    }


def registered_jobs() -> dict[str, JobSpec]:
    return dict(_JOBS)


#: Messages sent to Redis in one round trip when many are handed over at once.
PIPELINE = 100


def enqueue_many(
    broker: dramatiq.Broker,
    name: str,
    calls: Sequence[tuple[Any, ...]],
    *,
    queue_name: str = DEFAULT_QUEUE,
) -> None:
    """:func:`enqueue` ``name`` once for each arguments of ``calls``.

    On Redis, Dramatiq's own enqueue script runs for each message as
    :meth:`RedisBroker.enqueue` runs it, with the same middleware hooks, but
    :data:`PIPELINE` messages go in one round trip rather than one each (2,000
    notices were a second of round trips). Another broker enqueues one by one.
    """
    if not isinstance(broker, RedisBroker):
        for args in calls:
            enqueue(broker, name, *args, queue_name=queue_name)
        return
    dispatch = broker.scripts["dispatch"]
    for start in range(0, len(calls), PIPELINE):
        pipeline = broker.client.pipeline(transaction=False)
        sent = []
        for args in calls[start : start + PIPELINE]:
            # Each enqueue has a Redis id of its own, as RedisBroker.enqueue gives it.
            message: Message[Any] = Message(
                queue_name=queue_name,
                actor_name=name,
                args=args,
                kwargs={},
                options={"redis_message_id": str(uuid4())},
            )
            broker.emit_before("enqueue", message, None)
            dispatch(
                keys=[broker.namespace],
                args=[
                    "enqueue",
                    current_millis(),
                    queue_name,
                    broker.broker_id,
                    broker.heartbeat_timeout,
                    broker.dead_message_ttl,
                    broker._should_do_maintenance("enqueue"),
                    broker._max_unpack_size(),
                    message.options["redis_message_id"],
                    message.encode(),
                ],
                client=pipeline,
            )
            sent.append(message)
        pipeline.execute()
        for message in sent:
            broker.emit_after("enqueue", message, None)


def enqueue(
    broker: dramatiq.Broker,
    name: str,
    *args: Any,
    queue_name: str = DEFAULT_QUEUE,
    delay_ms: int | None = None,
) -> Message[Any]:
    message: Message[Any] = Message(
        queue_name=queue_name, actor_name=name, args=args, kwargs={}, options={}
    )
    return broker.enqueue(message, delay=delay_ms)


class JobContext:
    """What running jobs need (unit of work, Bot API client, ...), set at a worker's start."""

    _values: ClassVar[dict[str, Any]] = {}
    _lock = threading.Lock()

    @classmethod
    def set(cls, **values: Any) -> None:
        with cls._lock:
            cls._values.update(values)

    @classmethod
    def get(cls, name: str) -> Any:
        try:
            return cls._values[name]
        except KeyError:
            raise RuntimeError(f"jobs need {name!r}, which the worker did not provide") from None

    @classmethod
    def clear(cls) -> None:
        with cls._lock:
            cls._values.clear()
