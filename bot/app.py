"""Running the bot: a runtime taking updates in, and (with ``majlis run``) everything else."""

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from bot.i18n import N_, text_for
from bot.intake import Intake
from bot.platform import (
    SANDBOX_TOKEN,
    SANDBOX_USERNAME,
    Platform,
    Scheduler,
    bot_api_url,
    bot_token,
    interactive_limiter,
    open_platform,
    start_worker,
)
from bot.runtimes.common import Messenger, event_of, paced
from bot.telegram_api import AsyncRateLimiter
from workflows.meetings import seals
from workflows.platform.settings import ConfigurationError, Settings

log = logging.getLogger(__name__)

COMMANDS = {
    "start": N_("Welcome and main menu"),
    "menu": N_("Main menu"),
    "language": N_("Change the language"),
    "help": N_("What I can do"),
    "apply": N_("Apply for membership"),
    "status": N_("Where my application stands"),
    "statement": N_("My member's fee statement"),
    "pay": N_("Report a fee payment"),
    "directory": N_("Member directory"),
    "pending": N_("What waits for my decision"),
}


def command_menu() -> dict[str, dict[str, str]]:
    return {
        lang: {name: text_for(lang)._(text) for name, text in COMMANDS.items()}
        for lang in ("en", "ar")
    }


def intake_for(platform: Platform, messenger: Messenger) -> Callable[[list[Any]], Awaitable[None]]:
    """What the runtime hands each fetched batch to: kept in the inbox, then handed to
    the handler jobs (``bot.intake``)."""
    intake = Intake(
        platform.db,
        platform.broker,
        platform.uow.clock,
        messenger,
        key=seals.key_of(platform.settings).inbox,
    )

    async def take(updates: list[Any]) -> None:
        await intake.take([event for event in map(event_of, updates) if event is not None])

    return take


async def serve_bot(
    platform: Platform, stop: asyncio.Event, *, ready: Callable[[], None] | None = None
) -> None:
    """Take Telegram updates in with the configured runtime until ``stop``; the workers
    (``start_worker``, in this process or others) answer them.

    Once updates are served (the first ``getUpdates`` answered, or the webhook set)
    it prints ``bot: serving @name`` and tells ``ready``: not before, so that whoever
    waits for the line can write to the bot at once.
    """
    limiter = interactive_limiter(platform)
    try:
        await _serve_bot(platform, stop, limiter, ready)
    finally:
        if limiter is not None:
            await limiter.client.aclose()


def load_runtime(settings: Settings) -> None:
    """Load the configured runtime and its Telegram library: seconds for aiogram, which
    builds a validator for every type of the Bot API. Run in a thread, early, so that
    the loading overlaps the waits of the rest of the start and this loop (with the
    sandbox's server on it) keeps answering meanwhile."""
    if settings.runtime == "ptb":
        # One Telegram library of the two loads, the one configured (start-up time).
        from bot.runtimes import ptb_runtime  # noqa: F401
    else:
        # One Telegram library of the two loads, the one configured (start-up time).
        from bot.runtimes import aiogram_runtime  # noqa: F401


async def _serve_bot(
    platform: Platform,
    stop: asyncio.Event,
    limiter: AsyncRateLimiter | None,
    ready: Callable[[], None] | None,
) -> None:
    settings = platform.settings
    token, api_url = bot_token(settings), bot_api_url(settings)
    await asyncio.to_thread(load_runtime, settings)

    def serving(username: str) -> None:
        print(f"bot: serving @{username}", flush=True)
        if ready is not None:
            ready()

    if settings.runtime == "ptb":
        # One Telegram library of the two loads, the one configured (loaded above).
        from bot.runtimes import ptb_runtime

        await ptb_runtime.serve(
            lambda bot: intake_for(platform, paced(ptb_runtime.PtbMessenger(bot), limiter)),
            token=token,
            api_url=api_url,
            settings=settings,
            stop=stop,
            commands=command_menu(),
            ready=serving,
        )
        return
    # One Telegram library of the two loads, the one configured (loaded above).
    from bot.runtimes import aiogram_runtime

    bot = aiogram_runtime.make_bot(token, api_url)
    take = intake_for(platform, paced(aiogram_runtime.AiogramMessenger(bot), limiter))
    try:
        username = await aiogram_runtime.identify(bot, api_url)
        await aiogram_runtime.publish_commands(bot, command_menu())

        def polling() -> None:
            log.info("serving @%s with aiogram", username)
            serving(username)

        if settings.webhook_url:
            assert settings.webhook_secret is not None
            await aiogram_runtime.run_webhook(
                bot,
                take,
                stop,
                url=settings.webhook_url,
                secret=settings.webhook_secret.get_secret_value(),
                listen=settings.webhook_listen,
                ready=polling,
            )
        else:
            await aiogram_runtime.run_polling(bot, take, stop, ready=polling)
    finally:
        await bot.session.close()


async def check_bot_api(settings: Settings) -> None:
    """Stop on a Bot API that refuses the token or does not answer, before workers and
    the scheduler start and say anything."""
    # aiogram asks, whichever runtime serves; on the sandbox it may never load.
    from bot.runtimes import aiogram_runtime

    api_url = bot_api_url(settings)
    bot = aiogram_runtime.make_bot(bot_token(settings), api_url)
    try:
        await aiogram_runtime.identify(bot, api_url)
    finally:
        await bot.session.close()


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Only a loop in the main thread of a Unix process takes signal handlers;
        # elsewhere (Windows, a loop in a thread) the caller stops us by ``stop``.
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def run_everything(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    ready: Callable[[], None] | None = None,
) -> None:
    """``majlis run``: migrations, sandbox if no token, workers, scheduler and bot.

    With the sandbox, its address is printed (``Sandbox: URL``) only once the bot
    serves updates and the workers run: whoever opens it can write at once. ``ready``
    is told then.
    """
    stop = stop or asyncio.Event()
    stop_on_signals(stop)
    loading = asyncio.ensure_future(asyncio.to_thread(load_runtime, settings))
    platform = await _open_platform(settings, loading, migrate=True)
    sandbox = None
    scheduler = None
    try:
        if settings.sandboxed:
            # The sandbox, a tool of its own with its web server, loads only to be started.
            from sandbox import Sandbox

            sandbox = Sandbox(
                host=settings.sandbox_host,
                port=settings.sandbox_port,
                rate_factor=settings.sandbox_rate_factor,
                data_dir=settings.data_dir / "sandbox",
            )
            # The page names the bot as a user would know it, not by its token's number.
            sandbox.register_bot(SANDBOX_TOKEN, username=SANDBOX_USERNAME, first_name="Majlis")
            try:
                await sandbox.start()
            except OSError as exc:
                raise ConfigurationError(
                    f"the sandbox cannot listen on {settings.sandbox_host}:"
                    f"{settings.sandbox_port} ({exc.strerror}); set MAJLIS_SANDBOX_PORT to a "
                    "free port"
                ) from None
        else:
            await loading
            await check_bot_api(settings)
        start_worker(platform, threads=settings.worker_threads)
        scheduler = Scheduler(platform)
        scheduler.start()
        url = sandbox.url if sandbox is not None else None

        def serving() -> None:
            if url is not None:
                print(f"Sandbox: {url}", flush=True)
            if ready is not None:
                ready()

        await serve_bot(platform, stop, ready=serving)
    finally:
        if scheduler is not None:
            scheduler.stop()
        await asyncio.to_thread(platform.close)
        if sandbox is not None:
            await sandbox.stop()


async def run_bot_only(settings: Settings, *, ready: Callable[[], None] | None = None) -> None:
    """``majlis bot``: the bot alone; workers run elsewhere against the same Redis.
    ``ready`` is told once it serves updates (``serve_bot``)."""
    stop = asyncio.Event()
    stop_on_signals(stop)
    loading = asyncio.ensure_future(asyncio.to_thread(load_runtime, settings))
    platform = await _open_platform(settings, loading, migrate=False)
    try:
        await serve_bot(platform, stop, ready=ready)
    finally:
        await asyncio.to_thread(platform.close)


async def _open_platform(
    settings: Settings, loading: "asyncio.Future[None]", *, migrate: bool
) -> Platform:
    """The platform, opened while the runtime loads; a failure to open waits for the
    loading to end (a thread cannot be stopped) and is what is raised."""
    try:
        return await asyncio.to_thread(open_platform, settings, migrate=migrate)
    except BaseException:
        with suppress(Exception):
            await loading
        raise
