"""What both runtimes say when the Bot API turns them away at start, and when a
webhook request carries something that is not an update."""

import logging
import re

from aiohttp import web

from workflows.platform.settings import ConfigurationError

log = logging.getLogger(__name__)

#: A token inside a Bot API URL, as some client errors quote it.
_TOKEN_IN_URL = re.compile(r"bot\d+:[A-Za-z0-9_-]+")


def token_refused(api_url: str) -> ConfigurationError:
    return ConfigurationError(
        f"the Bot API at {api_url} refuses MAJLIS_TELEGRAM_TOKEN (401 Unauthorized): set the "
        "bot's current token from BotFather"
    )


def api_unreachable(api_url: str, reason: object) -> ConfigurationError:
    detail = str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__
    detail = _TOKEN_IN_URL.sub("bot<token>", detail)
    return ConfigurationError(
        f"cannot reach the Bot API at {api_url} ({detail}); check MAJLIS_TELEGRAM_API_URL and "
        "the network"
    )


def not_an_update(request: web.Request, error: Exception) -> web.Response:
    """A body with the right secret that is no update: the sender's mistake, said once."""
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    log.warning("webhook request from %s is not a Telegram update: %s", request.remote, detail)
    return web.Response(status=400, text="Bad Request: the body is not a Telegram update")
