"""The sandbox server: Bot API, user API and web chat page on one aiohttp port."""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import json
import logging
import pathlib
import time
from typing import Any

import aiohttp
from aiohttp import web

from . import botapi
from .botapi import Answer, BotApiError, Context, Params, read_params
from .files import FileStore
from .userapi import UserApi
from .world import BotAccount, Webhook, World

log = logging.getLogger(__name__)
STATIC_DIR = pathlib.Path(__file__).with_name("static")
WEBHOOK_TIMEOUT = 30.0
_PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


class Sandbox:
    """A local Telegram Bot API server with a user-side API and a web chat page."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        rate_factor: float = 1.0,
        data_dir: pathlib.Path | None = None,
        webhook_retry_delay: float = 1.0,
    ) -> None:
        self.host = host
        self.port = port
        self.rate_factor = rate_factor
        self.data_dir = data_dir
        self.webhook_retry_delay = webhook_retry_delay
        self._files = FileStore(data_dir)
        self.world = World(rate_factor, self._files)
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._user_api = UserApi(self)

    # ---- lifecycle -----------------------------------------------------------------------
    def _app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.add_routes(
            [
                web.route("*", r"/bot{token}/{method}", self._bot_method),
                web.get(r"/file/bot{token}/{file_path:.+}", self._bot_file),
                *self._user_api.routes(),
                web.get("/", self._index),
                web.get("/static/{name}", self._static),
            ]
        )
        return app

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        self.world.closing = False
        self._client = aiohttp.ClientSession()
        runner = web.AppRunner(self._app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        for bot in self.world.bots.values():
            if bot.webhook is not None:
                self.start_webhook(bot, bot.webhook)

    async def stop(self) -> None:
        self.world.close()
        tasks = [
            bot.webhook.task
            for bot in self.world.bots.values()
            if bot.webhook is not None and bot.webhook.task is not None
        ]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        self._files.close()
        # nothing outlives a stop but the names given to bots
        names = self.world.names
        self.world = World(self.rate_factor, self._files)
        self.world.names = names

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self._display_host}:{self.port}/"

    @property
    def api_root(self) -> str:
        return f"http://{self._display_host}:{self.port}"

    @property
    def _display_host(self) -> str:
        if self.host in ("", "0.0.0.0"):
            return "127.0.0.1"
        if ":" in self.host:
            return f"[{self.host}]"
        return self.host

    def register_bot(
        self, token: str, *, username: str = "majlis_bot", first_name: str = "Majlis"
    ) -> None:
        if not botapi.TOKEN_RE.match(token):
            raise ValueError("a bot token looks like '<digits>:<35 letters, digits, _ or ->'")
        self.world.register(token, username, first_name)

    # ---- Bot API -------------------------------------------------------------------------
    async def _bot_method(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if not botapi.TOKEN_RE.match(token):
            return BotApiError(401, "Unauthorized").response()
        bot = self.world.bot_for_token(token)
        ctx = Context(self, self.world, bot, request.match_info["method"])
        try:
            if ctx.method.lower() not in botapi.HANDLERS:
                raise BotApiError(404, "Not Found")
            params = Params(await read_params(request))
            result = await botapi.call(ctx, params)
        except BotApiError as error:
            return error.response()
        return _ok(result)

    async def _bot_file(self, request: web.Request) -> web.StreamResponse:
        if not botapi.TOKEN_RE.match(request.match_info["token"]):
            return BotApiError(401, "Unauthorized").response()
        stored = self.world.files.by_path(request.match_info["file_path"])
        if stored is None:
            return BotApiError(404, "Not Found").response()
        return web.Response(
            body=stored.disk_path.read_bytes(),
            content_type="application/octet-stream",
        )

    # ---- webhooks ------------------------------------------------------------------------
    def start_webhook(self, bot: BotAccount, hook: Webhook) -> None:
        if bot.webhook is not None and bot.webhook is not hook:
            self.stop_webhook(bot)
        bot.webhook = hook
        bot.signal.fire()  # a waiting getUpdates now answers 409
        if self._client is not None and (hook.task is None or hook.task.done()):
            hook.task = asyncio.get_running_loop().create_task(self._deliver(bot, hook))

    def stop_webhook(self, bot: BotAccount) -> None:
        hook = bot.webhook
        bot.webhook = None
        if hook is not None and hook.task is not None:
            hook.task.cancel()
        bot.signal.fire()

    async def _deliver(self, bot: BotAccount, hook: Webhook) -> None:
        """Post pending updates one at a time, in order, retrying each until it is accepted."""
        while bot.webhook is hook and not self.world.closing:
            if not bot.updates:
                await bot.signal.wait(30.0)
                continue
            update = bot.updates[0]
            error = await self._post_update(bot, hook, update)
            if error is None:
                if bot.updates and bot.updates[0] is update:
                    bot.updates.pop(0)
                continue
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
            await asyncio.sleep(self.webhook_retry_delay)

    async def _post_update(
        self, bot: BotAccount, hook: Webhook, update: dict[str, Any]
    ) -> str | None:
        assert self._client is not None
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            async with self._client.post(
                hook.url,
                data=json.dumps(update),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT),
                allow_redirects=False,
            ) as response:
                body = await response.read()
                if not 200 <= response.status < 300:
                    return f"Wrong response from the webhook: {response.status} {response.reason}"
                content_type = response.content_type
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as error:
            return f"Connection error: {type(error).__name__}"
        with contextlib.suppress(Exception):
            await self._method_in_response(bot, body, content_type, response.headers)
        return None

    async def _method_in_response(
        self, bot: BotAccount, body: bytes, content_type: str, headers: Any
    ) -> None:
        """A webhook may answer with a method call, as Telegram allows; carry it out."""
        values: dict[str, Any] = {}
        if content_type == "application/json" and body.strip():
            parsed = json.loads(body)
            if isinstance(parsed, dict):
                values = parsed
        elif content_type.startswith("multipart/"):
            values = _multipart_fields(body, headers.get("Content-Type", ""))
        name = values.pop("method", None)
        if not isinstance(name, str) or name.lower() not in botapi.HANDLERS:
            return
        ctx = Context(self, self.world, bot, name)
        try:
            await botapi.call(ctx, Params(values))
        except BotApiError as error:
            log.info("method %s from a webhook response failed: %s", name, error.description)

    # ---- page ----------------------------------------------------------------------------
    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(
            STATIC_DIR / "index.html",
            headers={"Content-Security-Policy": _PAGE_POLICY, "Cache-Control": "no-cache"},
        )

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = STATIC_DIR / name
        if "/" in name or name.startswith(".") or not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Cache-Control": "no-cache"})


def _multipart_fields(body: bytes, content_type_header: str) -> dict[str, Any]:
    """Fields and files of a multipart/form-data body."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type_header.encode("latin-1") + b"\r\n\r\n" + body
    )
    values: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            values[name] = botapi.Upload(filename, part.get_content_type(), data)
        else:
            values[name] = data.decode(part.get_content_charset() or "utf-8", "replace")
    return values


def _ok(result: Any) -> web.Response:
    body: dict[str, Any] = {"ok": True}
    if isinstance(result, Answer):
        body["result"] = result.result
        if result.description:
            body["description"] = result.description
    else:
        body["result"] = result
    return web.json_response(body)
