"""Run the sandbox on its own: ``python -m sandbox --port 8080 [--token TOKEN]``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import pathlib
import signal

from .server import Sandbox


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="A local Telegram Bot API server with a web chat page.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--rate-factor",
        type=float,
        default=1.0,
        help="multiplies Telegram's flood limits; 0 turns flood control off",
    )
    parser.add_argument("--data-dir", type=pathlib.Path, default=None)
    parser.add_argument("--token", action="append", default=[], help="a bot token to register")
    parser.add_argument("--username", default="majlis_bot")
    parser.add_argument("--first-name", default="Majlis")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    rate = args.rate_factor if args.rate_factor > 0 else math.inf
    sandbox = Sandbox(host=args.host, port=args.port, rate_factor=rate, data_dir=args.data_dir)
    for token in args.token:
        sandbox.register_bot(token, username=args.username, first_name=args.first_name)
    await sandbox.start()
    print(f"Chat page:   {sandbox.url}", flush=True)
    print(f"Bot API:     {sandbox.api_root}/bot<token>/<method>", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
