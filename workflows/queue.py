"""The Dramatiq broker on Redis and the jobs the workers run.

Jobs are registered with :func:`job` and bound to a broker only by
:func:`declare_jobs`, at a worker's start, so that importing a module never
binds it to whatever global broker happens to exist. Code that only hands work
over (the bot process) enqueues by name with :func:`enqueue`.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.message import Message

DEFAULT_QUEUE = "default"
DELIVERY_QUEUE = "delivery"

#: A worker that stops heart-beating for this long is presumed dead and its
#: messages go back to the queue. Dramatiq's default is a minute.
HEARTBEAT_TIMEOUT_MS = 10_000
#: Out of a million fetches, how many run the maintenance pass that requeues a
#: dead worker's messages. With fetches every 100 ms per queue this is about
#: once every second or two instead of Dramatiq's once every few minutes.
MAINTENANCE_CHANCE = 50_000
#: How long an idle worker waits on an empty queue before looking again; short
#: waits cut the pick-up latency from about 350 ms to about 30 ms.
WORKER_TIMEOUT_MS = 100


def make_broker(
    url: str,
    *,
    heartbeat_timeout_ms: int = HEARTBEAT_TIMEOUT_MS,
    maintenance_chance: int = MAINTENANCE_CHANCE,
    namespace: str = "majlis",
) -> RedisBroker:
    return RedisBroker(
        url=url,
        namespace=namespace,
        heartbeat_timeout=heartbeat_timeout_ms,
        maintenance_chance=maintenance_chance,
    )


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
