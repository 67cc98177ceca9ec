"""The slack-bolt `AsyncApp`: Socket Mode by default, or the Events API over HTTP with signature checks.

Every listener acknowledges at once and only queues the payload; one worker then translates and hands
the events to the bot in the order they arrived, so Slack always gets its ack within 3 seconds and
the bot sees one event at a time (a slow command never races the reaction that follows it).
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Awaitable, Callable

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from ...config import ConfigError
from ...core.chat import Event
from .chat import Identity, Members, SlackChat, retry_handlers
from .events import Translator
from .render import ASK, form

log = logging.getLogger(__name__)

SLACK_API = "https://slack.com/api/"
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
REJECTED = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type"}


class SlackAdapter:
    def __init__(self, bot_token: str, *, app_token: str | None = None, signing_secret: str | None = None,
                 api_url: str | None = None, admins: frozenset[str] = frozenset()):
        base = (api_url or SLACK_API).rstrip("/") + "/"
        self.app = AsyncApp(token=bot_token, signing_secret=signing_secret or "", process_before_response=True,
                            name="studybot")
        self.client: AsyncWebClient = self.app.client  # bolt's own client, pointed at our base URL
        self.client.base_url, self.client.retry_handlers = base, retry_handlers()
        self.app_token, self.base = app_token, base
        self.chat = SlackChat(self.client, Members(self.client, admins))
        self.translate = Translator(self.chat)
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.handler: Callable[[Event], Awaitable[None]] | None = None
        self.worker: asyncio.Task | None = None
        self.socket: AsyncSocketModeHandler | None = None
        self.site: web.TCPSite | None = None
        self.runner: web.AppRunner | None = None
        self.stopped = asyncio.Event()
        self.workspace = ""
        self._listen()

    # ---- start and stop ----------------------------------------------------------------------------

    async def connect(self) -> Identity:
        """Check the bot token (auth.test) and learn who we are; a rejected token is one ConfigError."""
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            raise self._rejected("SLACK_BOT_TOKEN", exc) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise ConfigError(f"Cannot reach Slack's Web API at {self.base} ({type(exc).__name__}): "
                              "check the network, or SLACK_API_URL if you set it.") from None
        self.chat.me = Identity(auth["user_id"], auth.get("bot_id") or "", auth["team_id"], auth.get("url") or "")
        self.workspace = f"{auth.get('team')} as {auth.get('user')}"
        return self.chat.me

    async def listen(self, http: bool = False, port: int = 3000, host: str = "0.0.0.0") -> None:
        """Start taking events (acknowledged and queued until `deliver` is called). Returns once listening:
        over HTTP on `port` (the Events API, and a health check), else over a Socket Mode websocket."""
        if http:
            server = web.Application()
            server.add_routes([web.post(EVENTS_PATH, self.app.server(path=EVENTS_PATH).handle_post_requests),
                               web.get(HEALTH_PATH, self._health)])
            self.runner = web.AppRunner(server, access_log=None)
            await self.runner.setup()
            self.site = web.TCPSite(self.runner, host, port)
            await self.site.start()
            log.info("up in Slack workspace %s, serving the Events API on http://%s:%s%s", self.workspace, host,
                     self.port, EVENTS_PATH)
            return
        try:  # the first URL is fetched here, so that a rejected app token is one clear line
            url = (await self.client.apps_connections_open(app_token=self.app_token))["url"]
        except SlackApiError as exc:
            raise self._rejected("SLACK_APP_TOKEN", exc) from None
        self.socket = AsyncSocketModeHandler(self.app, self.app_token, web_client=self.client)
        self.socket.client.wss_uri = url
        await self.socket.connect_async()
        log.info("up in Slack workspace %s, over Socket Mode", self.workspace)

    def connected(self) -> bool:
        """Events can arrive: the HTTP server is up, or the Socket Mode websocket is open."""
        if self.socket is None:
            return self.site is not None
        client = self.socket.client
        return not (client.closed or client.stale or client.current_session is None or client.current_session.closed)

    def deliver(self, handler: Callable[[Event], Awaitable[None]]) -> None:
        """Hand every event, queued ones first, to `handler`, one at a time."""
        self.handler = handler
        self.worker = asyncio.create_task(self._work(), name="slack-inbox")

    @property
    def port(self) -> int | None:
        return self.site._server.sockets[0].getsockname()[1] if self.site and self.site._server else None

    async def settled(self) -> None:
        """Wait until every event received so far has been handled."""
        await self.inbox.join()

    async def close(self) -> None:
        self.stopped.set()
        if self.socket:
            await self.socket.close_async()
        if self.runner:
            await self.runner.cleanup()
        if self.worker:
            self.worker.cancel()
            await asyncio.gather(self.worker, return_exceptions=True)

    @staticmethod
    def _rejected(variable: str, exc: SlackApiError) -> Exception:
        error = exc.response.get("error", "")
        if error in REJECTED:
            return ConfigError(f"Slack rejected {variable} ({error}): copy it again from your app's settings page.")
        return exc

    async def _health(self, request: web.Request) -> web.Response:
        """For a load balancer in front of `--http`; containers use `studybot health` (bot/health.py)."""
        return web.Response(text="ok")

    # ---- inbound -----------------------------------------------------------------------------------

    def _listen(self) -> None:
        app, t = self.app, self.translate
        app.command(re.compile(r"^/"))(self._queued(t.command))
        app.action(re.compile(f"^{re.escape(ASK)}"))(self._open_form)  # before any press: its trigger lasts 3 s
        app.view(re.compile(f"^{re.escape(ASK)}"))(self._queued(t.form))
        app.action(re.compile(r".*"))(self._queued(t.action))
        app.event("message")(self._queued(t.message))
        app.event("reaction_added")(self._queued(t.reaction))
        app.event("reaction_removed")(self._queued(t.reaction))

    async def _open_form(self, ack, body: dict) -> None:
        """A press on a button with a prompt opens its form at once (views.open with the press's trigger);
        the core hears nothing until the form is sent."""
        await ack()
        action = body["actions"][0]
        channel = body.get("container", {}).get("channel_id") or body["channel"]["id"]
        view = form(action["action_id"][len(ASK):], action.get("value") or "", channel)
        try:
            await self.client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:  # e.g. the trigger expired: the member presses again
            log.warning("could not open a form for %s: %s", body["user"]["id"], exc.response.get("error"))

    def _queued(self, translate):
        async def listener(ack, body: dict) -> None:
            await ack()
            self.inbox.put_nowait((translate, body))
        return listener

    async def _work(self) -> None:
        while True:
            translate, body = await self.inbox.get()
            try:
                event = await translate(body)
                if event is not None:
                    await self.handler(event)
            except Exception:
                log.exception("could not handle a Slack %s payload", body.get("type") or body.get("command"))
            finally:
                self.inbox.task_done()
