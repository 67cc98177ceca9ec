"""A small local Discord for end-to-end tests: REST and gateway on 127.0.0.1, port 0.

The unmodified discord.py client talks to it (its Route.BASE and DEFAULT_GATEWAY point here). It
keeps one server with text channels, threads, messages and reactions, records every REST call, and
scripts the gateway the way Discord does: members' messages, reactions, slash commands, button
presses and modal submissions, plus the echoes of the bot's own actions (its messages, reactions and
the reactions it removes). It can drop the gateway and accept a RESUME (replaying what the client
missed), deliver an event twice, answer 429 or 403 once, and refuse a token (401, or gateway close
4004).
Nothing here sleeps: tests await the calls and events they expect, with a timeout.
"""
from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable
from urllib.parse import unquote

from aiohttp import WSMsgType, web

DISCORD_EPOCH = 1420070400000
EPHEMERAL = 64
P = {"view": 1 << 10, "send": 1 << 11, "history": 1 << 16, "react": 1 << 6, "embed": 1 << 14,
     "manage_guild": 1 << 5, "threads": 1 << 38}
MEMBER_PERMISSIONS = P["view"] | P["send"] | P["history"] | P["react"] | P["embed"] | P["threads"]
TIMEOUT = 5.0


def json_response(data: Any, status: int = 200, headers: dict | None = None) -> web.Response:
    """discord.py reads JSON only under exactly `application/json` (no charset)."""
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


def error(status: int, code: int, message: str) -> web.Response:
    return json_response({"message": message, "code": code}, status)


@dataclass
class Call:
    method: str
    path: str  # after /api/v10, percent-decoded
    query: dict[str, str]
    body: Any


@dataclass
class User:
    id: str
    name: str
    admin: bool = False
    bot: bool = False

    def payload(self) -> dict:
        return {"id": self.id, "username": self.name.lower(), "global_name": self.name, "discriminator": "0",
                "avatar": None, "bot": self.bot, "public_flags": 0}


@dataclass
class Msg:
    id: str
    channel_id: str
    author: User
    content: str = ""
    embeds: list = field(default_factory=list)
    components: list = field(default_factory=list)
    flags: int = 0
    webhook_id: str | None = None
    type: int = 0
    at: str = ""
    edited: str | None = None
    thread: dict | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)  # emoji -> user ids, in order
    allowed_mentions: dict | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # uploaded attachments: filename -> bytes

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)


@dataclass
class Interaction:
    id: str
    token: str
    type: int
    member: User
    channel_id: str
    responses: list[dict] = field(default_factory=list)  # callback bodies, in order
    original: str | None = None  # message id of the original response
    followups: list[str] = field(default_factory=list)


class FakeDiscord:
    def __init__(self, clock: Callable[[], datetime], token: str = "fake-token-0123", message_content: bool = True):
        self.clock, self.token, self.allow_message_content = clock, token, message_content
        self._last_id = 0
        self.app_id = self.snowflake()
        self.bot = User(self.app_id, "studybot", bot=True)
        self.owner = User(self.snowflake(), "Owner")
        self.guild_id = self.snowflake()
        self.mod_role = self.snowflake()
        self.channels: dict[str, dict] = {}
        self.channel = self.add_channel("study")
        self.users: dict[str, User] = {self.bot.id: self.bot, self.owner.id: self.owner}
        self.messages: dict[str, Msg] = {}
        self.interactions: dict[str, Interaction] = {}
        self.commands: dict[str, list] = {}  # "global" or guild id -> the last overwrite
        self.calls: list[Call] = []
        self.identified: list[dict] = []  # IDENTIFY payloads
        self.resumed = 0
        self.revoked = False  # the token still logs in over REST, but the gateway refuses it (4004)
        self.failing: list[tuple[str, str, int]] = []  # (method, path regex, 429 or 403): fail once each
        self.session: str | None = None
        self.seq = 0
        self.log: list[dict] = []  # dispatched gateway payloads of this session, for RESUME
        self.ws: web.WebSocketResponse | None = None
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ---- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return self.url + "/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.url.replace("http", "ws") + "/gateway"

    # ---- the world ---------------------------------------------------------------------------------

    def snowflake(self) -> str:
        """Increasing ids whose timestamps follow the test's clock, as Discord's do."""
        ms = int(self.clock().timestamp() * 1000)
        self._last_id = max((ms - DISCORD_EPOCH) << 22, self._last_id + 1)
        return str(self._last_id)

    def add_channel(self, name: str) -> str:
        channel_id = self.snowflake()
        self.channels[channel_id] = {"id": channel_id, "type": 0, "guild_id": self.guild_id, "name": name,
                                     "position": len(self.channels), "permission_overwrites": [], "nsfw": False,
                                     "parent_id": None, "topic": None, "last_message_id": None,
                                     "rate_limit_per_user": 0}
        return channel_id

    def member(self, name: str, admin: bool = False) -> User:
        user = User(self.snowflake(), name, admin)
        self.users[user.id] = user
        return user

    def member_payload(self, user: User, with_user: bool = True) -> dict:
        d = {"roles": [self.mod_role] if user.admin else [], "joined_at": "2026-01-01T00:00:00+00:00",
             "nick": None, "deaf": False, "mute": False, "flags": 0, "pending": False, "avatar": None}
        if with_user:
            d["user"] = user.payload()
        return d

    def permissions(self, user: User) -> int:
        return MEMBER_PERMISSIONS | (P["manage_guild"] if user.admin else 0)

    def guild_payload(self) -> dict:
        roles = [{"id": self.guild_id, "name": "@everyone", "permissions": str(MEMBER_PERMISSIONS)},
                 {"id": self.mod_role, "name": "Moderators",
                  "permissions": str(MEMBER_PERMISSIONS | P["manage_guild"])}]
        for n, role in enumerate(roles):
            role |= {"position": n, "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        return {"id": self.guild_id, "name": "Study group", "owner_id": self.owner.id, "roles": roles,
                "channels": [c for c in self.channels.values() if c["type"] == 0],
                "threads": [c for c in self.channels.values() if c["type"] == 11],
                "members": [self.member_payload(self.bot)], "member_count": len(self.users), "emojis": [],
                "stickers": [], "features": [], "unavailable": False, "large": False, "voice_states": [],
                "presences": [], "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
                "joined_at": "2026-01-01T00:00:00+00:00", "premium_tier": 0, "preferred_locale": "en-US",
                "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
                "mfa_level": 0, "nsfw_level": 0, "afk_timeout": 300, "system_channel_flags": 0}

    def message_payload(self, m: Msg) -> dict:
        d = {"id": m.id, "channel_id": m.channel_id, "guild_id": self.guild_id, "author": m.author.payload(),
             "content": m.content, "timestamp": m.at, "edited_timestamp": m.edited, "tts": False,
             "mention_everyone": False, "mentions": [], "mention_roles": [],
             "attachments": [{"id": str(n), "filename": name, "size": len(data), "content_type": "image/png",
                              "url": f"{self.url}/attachments/{m.id}/{name}",
                              "proxy_url": f"{self.url}/attachments/{m.id}/{name}"}
                             for n, (name, data) in enumerate(m.files.items(), 1)],
             "embeds": m.embeds, "components": m.components, "pinned": False, "type": m.type, "flags": m.flags,
             "reactions": [{"emoji": {"id": None, "name": e}, "count": len(who), "me": self.bot.id in who,
                            "count_details": {"burst": 0, "normal": len(who)}, "me_burst": False,
                            "burst_colors": []} for e, who in m.reactions.items() if who]}
        if self.channels.get(m.channel_id, {}).get("type") == 1:
            del d["guild_id"]  # a direct message belongs to no server
        if m.webhook_id:
            d["webhook_id"] = m.webhook_id
        if m.thread:
            d["thread"] = m.thread
        return d

    def new_message(self, author: User, channel_id: str, **fields) -> Msg:
        m = Msg(self.snowflake(), channel_id, author, at=self.clock().isoformat(), **fields)
        self.messages[m.id] = m
        return m

    # ---- what tests read -----------------------------------------------------------------------------

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and re.fullmatch(pattern, c.path)]

    def bot_messages(self, channel_id: str | None = None) -> list[Msg]:
        return [m for m in self.messages.values()
                if m.author.bot and not m.ephemeral and (channel_id is None or m.channel_id == channel_id)]

    def answers(self, interaction_id: str) -> list[Msg]:
        """What the member who ran an interaction saw come back: the original response and followups."""
        i = self.interactions[interaction_id]
        return [self.messages[x] for x in ([i.original] if i.original else []) + i.followups if x in self.messages]

    async def wait(self, predicate: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
        """Until predicate() is truthy (re-checked after every REST call and gateway message)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
        return predicate()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ---- the gateway ---------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if data["op"] == 1:
                await ws.send_json({"op": 11})
            elif data["op"] == 2:
                await self._identify(ws, data["d"])
            elif data["op"] == 6:
                await self._resume(ws, data["d"])
            await self._notify()
        if self.ws is ws:
            self.ws = None
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict) -> None:
        self.identified.append({k: v for k, v in d.items() if k != "token"})
        if d["token"] != self.token or self.revoked:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        if d.get("intents", 0) & (1 << 15) and not self.allow_message_content:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.ws, self.session, self.seq, self.log = ws, uuid.uuid4().hex, 0, []
        await self.dispatch("READY", {"v": 10, "user": self.bot.payload(), "session_id": self.session,
                                      "resume_gateway_url": self.gateway_url, "session_type": "normal",
                                      "guilds": [{"id": self.guild_id, "unavailable": True}],
                                      "application": {"id": self.app_id, "flags": 0}, "private_channels": [],
                                      "relationships": [], "presences": [], "geo_ordered_rtc_regions": []})
        await self.dispatch("GUILD_CREATE", self.guild_payload())

    async def _resume(self, ws: web.WebSocketResponse, d: dict) -> None:
        if d["token"] != self.token or d["session_id"] != self.session:
            await ws.send_json({"op": 9, "d": False})
            return
        self.ws = ws
        self.resumed += 1
        for payload in self.log:
            if payload["s"] > d["seq"]:
                await ws.send_json(payload)
        await self.dispatch("RESUMED", {})

    async def dispatch(self, event: str, data: dict) -> int:
        """Send one gateway event (or, while the connection is down, keep it for the RESUME)."""
        self.seq += 1
        payload = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.log.append(payload)
        if self.ws is not None and not self.ws.closed:
            await self.ws.send_json(payload)
        return self.seq

    async def redeliver(self, seq: int) -> None:
        """The same event again, as Discord may send it (same payload, a new sequence number)."""
        payload = next(p for p in self.log if p["s"] == seq)
        await self.dispatch(payload["t"], payload["d"])

    async def drop(self) -> None:
        """Close the connection the way a network failure does; the client should RESUME."""
        ws, self.ws = self.ws, None
        await ws.close(code=4000, message=b"Unknown error.")

    # ---- scripted members ---------------------------------------------------------------------------

    async def say(self, who: User, channel_id: str, text: str) -> str:
        m = self.new_message(who, channel_id, content=text)
        data = self.message_payload(m) | {"member": self.member_payload(who, with_user=False)}
        if not self.allow_message_content:
            data["content"] = ""
        await self.dispatch("MESSAGE_CREATE", data)
        return m.id

    async def edit(self, who: User, message_id: str, text: str) -> None:
        m = self.messages[message_id]
        m.content, m.edited = text, self.clock().isoformat()
        await self.dispatch("MESSAGE_UPDATE", self.message_payload(m) | {"member": self.member_payload(who, False)})

    async def delete(self, message_id: str) -> None:
        m = self.messages.pop(message_id)
        await self.dispatch("MESSAGE_DELETE", {"id": m.id, "channel_id": m.channel_id, "guild_id": self.guild_id})

    async def react(self, who: User, message_id: str, emoji: str, added: bool = True) -> int:
        m = self.messages[message_id]
        users = m.reactions.setdefault(emoji, [])
        if (who.id in users) == added:
            return 0
        (users.append if added else users.remove)(who.id)
        data = {"user_id": who.id, "channel_id": m.channel_id, "message_id": m.id, "guild_id": self.guild_id,
                "emoji": {"id": None, "name": emoji}, "burst": False, "type": 0}
        if added:
            data |= {"member": self.member_payload(who), "message_author_id": m.author.id}
        return await self.dispatch("MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE", data)

    def _interaction(self, who: User, kind: int, channel_id: str, data: dict, message: Msg | None = None) -> dict:
        i = Interaction(self.snowflake(), f"tok-{uuid.uuid4().hex}", kind, who, channel_id)
        self.interactions[i.id] = i
        channel = self.channels[channel_id]
        payload = {"id": i.id, "application_id": self.app_id, "type": kind, "data": data, "token": i.token,
                   "version": 1, "guild_id": self.guild_id,
                   "guild": {"id": self.guild_id, "locale": "en-US", "features": []},
                   "channel_id": channel_id,
                   "channel": {k: channel[k] for k in ("id", "type", "guild_id", "name", "parent_id", "thread_metadata")
                               if k in channel},
                   "member": self.member_payload(who) | {"permissions": str(self.permissions(who))},
                   "app_permissions": str(MEMBER_PERMISSIONS), "locale": "en-US", "guild_locale": "en-US",
                   "entitlements": [], "authorizing_integration_owners": {"0": self.guild_id}, "context": 0,
                   "attachment_size_limit": 10485760}
        if message is not None:
            payload["message"] = self.message_payload(message)
        if channel["type"] == 1:  # a direct message: no server and no member, the user instead
            for key in ("guild_id", "guild", "member"):
                del payload[key]
            payload |= {"user": who.payload(), "context": 1, "app_permissions": str(P["send"]),
                        "channel": {k: channel[k] for k in ("id", "type", "recipients")}}
        return payload

    async def slash(self, who: User, name: str, sub: str | None = None, channel_id: str | None = None,
                    focused: str | None = None, **options: Any) -> str:
        """A slash command as Discord sends it: options typed by the synced definition."""
        spec = next(c for c in self.commands.get(self.guild_id) or self.commands["global"] if c["name"] == name)
        defined = spec.get("options", [])
        if sub:
            defined = next(o for o in defined if o["name"] == sub).get("options", [])
        types = {o["name"]: o["type"] for o in defined}
        given = [{"name": k, "type": types[k], "value": v} | ({"focused": True} if k == focused else {})
                 for k, v in options.items()]
        data = {"id": self.snowflake(), "name": name, "type": 1, "guild_id": self.guild_id,
                "options": [{"type": 1, "name": sub, "options": given}] if sub else given}
        payload = self._interaction(who, 4 if focused else 2, channel_id or self.channel, data)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["id"]

    async def press(self, who: User, message_id: str, custom_id: str) -> str:
        m = self.messages[message_id]
        payload = self._interaction(who, 3, m.channel_id, {"custom_id": custom_id, "component_type": 2}, m)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["id"]

    async def submit(self, who: User, modal: dict, text: str, channel_id: str | None = None) -> str:
        """A member fills in the modal the bot opened (its custom id and text input are echoed back)."""
        inputs = [c for row in modal["components"] for c in row.get("components", [row.get("component", row)])]
        typed = {"type": 4, "custom_id": inputs[0]["custom_id"], "value": text}
        data = {"custom_id": modal["custom_id"], "components": [{"type": 1, "components": [typed]}]}
        payload = self._interaction(who, 5, channel_id or self.channel, data)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["id"]

    # ---- REST ----------------------------------------------------------------------------------------

    ROUTES: list[tuple[str, str, str]] = [
        ("GET", r"/users/@me", "me"),
        ("GET", r"/oauth2/applications/@me", "application"),
        ("PUT", r"/applications/\d+/commands", "commands"),
        ("PUT", r"/applications/\d+/guilds/(?P<guild>\d+)/commands", "commands"),
        ("GET", r"/channels/(?P<channel>\d+)", "get_channel"),
        ("POST", r"/channels/(?P<channel>\d+)/messages", "post_message"),
        ("GET", r"/channels/(?P<channel>\d+)/messages", "history"),
        ("GET", r"/channels/\d+/messages/(?P<message>\d+)", "get_message"),
        ("PATCH", r"/channels/\d+/messages/(?P<message>\d+)", "patch_message"),
        ("DELETE", r"/channels/\d+/messages/(?P<message>\d+)", "delete_message"),
        ("POST", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/threads", "thread"),
        ("POST", r"/channels/(?P<channel>\d+)/threads", "private_thread"),
        ("PUT", r"/channels/(?P<channel>\d+)/thread-members/(?P<user>\d+)", "add_thread_member"),
        ("GET", r"/guilds/\d+/threads/active", "active_threads"),
        ("PUT", r"/channels/\d+/messages/(?P<message>\d+)/reactions/(?P<emoji>[^/]+)/@me", "add_reaction"),
        ("DELETE", r"/channels/\d+/messages/(?P<message>\d+)/reactions/(?P<emoji>[^/]+)/(?P<user>@me|\d+)",
         "remove_reaction"),
        ("GET", r"/channels/\d+/messages/(?P<message>\d+)/reactions/(?P<emoji>[^/]+)", "reaction_users"),
        ("GET", r"/guilds/\d+/members/(?P<user>\d+)", "get_member"),
        ("GET", r"/users/(?P<user>\d+)", "get_user"),
        ("POST", r"/users/@me/channels", "dm"),
        ("POST", r"/interactions/(?P<interaction>\d+)/(?P<token>[^/]+)/callback", "callback"),
        ("PATCH", r"/webhooks/\d+/(?P<token>[^/]+)/messages/@original", "edit_original"),
        ("DELETE", r"/webhooks/\d+/(?P<token>[^/]+)/messages/@original", "delete_original"),
        ("POST", r"/webhooks/\d+/(?P<token>[^/]+)", "followup"),
    ]

    @staticmethod
    async def _body(request: web.Request) -> Any:
        """JSON, or a file upload: multipart with `payload_json` and `files[n]` parts (kept under "_files")."""
        if not request.can_read_body:
            return None
        if not request.content_type.startswith("multipart/"):
            return await request.json()
        form = await request.post()
        body = json.loads(form["payload_json"])
        body["_files"] = {part.filename: part.file.read() for key, part in form.items() if key.startswith("files[")}
        return body

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + unquote(request.match_info["tail"])
        body = await self._body(request)
        self.calls.append(Call(request.method, path, dict(request.query), body))
        try:
            for method, pattern, status in list(self.failing):
                if method == request.method and re.fullmatch(pattern, path):
                    self.failing.remove((method, pattern, status))
                    if status == 403:
                        return error(403, 50001, "Missing Access")
                    return json_response({"message": "You are being rate limited.", "retry_after": 0.01,
                                          "global": False}, 429, {"Via": "1.1 google", "Retry-After": "0.01"})
            webhook = path.startswith(("/interactions/", "/webhooks/"))
            if not webhook and request.headers.get("Authorization") != f"Bot {self.token}":
                return error(401, 0, "401: Unauthorized")
            for method, pattern, name in self.ROUTES:
                match = re.fullmatch(pattern, path)
                if method == request.method and match:
                    return await getattr(self, "_" + name)(body, request.query, **match.groupdict())
            return error(404, 0, f"404: Not Found ({request.method} {path})")
        finally:
            await self._notify()

    async def _me(self, body, query) -> web.Response:
        return json_response(self.bot.payload())

    async def _application(self, body, query) -> web.Response:
        return json_response({"id": self.app_id, "name": "studybot", "description": "", "icon": None,
                              "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
                              "owner": self.owner.payload(), "flags": 0, "interactions_endpoint_url": None,
                              "rpc_origins": [], "team": None, "summary": ""})

    async def _commands(self, body, query, guild: str | None = None) -> web.Response:
        self.commands[guild or "global"] = body
        return json_response([c | {"id": self.snowflake(), "application_id": self.app_id, "version": "1"}
                              for c in body])

    async def _get_channel(self, body, query, channel) -> web.Response:
        if channel not in self.channels:
            return error(404, 10003, "Unknown Channel")
        return json_response(self.channels[channel])

    async def _echo_create(self, m: Msg) -> None:
        if not m.ephemeral:
            member = {"member": self.member_payload(m.author, with_user=False)}
            await self.dispatch("MESSAGE_CREATE", self.message_payload(m) | member)

    async def _post_message(self, body, query, channel) -> web.Response:
        m = self.new_message(self.bot, channel, content=body.get("content") or "", embeds=body.get("embeds") or [],
                             components=body.get("components") or [], files=body.get("_files") or {})
        m.allowed_mentions = body.get("allowed_mentions")
        await self._echo_create(m)
        return json_response(self.message_payload(m))

    async def _history(self, body, query, channel) -> web.Response:
        found = sorted((m for m in self.messages.values() if m.channel_id == channel and not m.ephemeral),
                       key=lambda m: int(m.id))
        limit = int(query.get("limit", 50))
        if "after" in query:
            found = [m for m in found if int(m.id) > int(query["after"])][:limit]
        else:
            found = [m for m in found if "before" not in query or int(m.id) < int(query["before"])][-limit:]
        return json_response([self.message_payload(m) for m in reversed(found)])

    async def _get_message(self, body, query, message) -> web.Response:
        if message not in self.messages:
            return error(404, 10008, "Unknown Message")
        return json_response(self.message_payload(self.messages[message]))

    def _apply(self, m: Msg, body: dict) -> None:
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                setattr(m, key, body[key] if body[key] is not None else ([] if key != "content" else ""))
        if "_files" in body:
            m.files = body["_files"]
        if "allowed_mentions" in body:
            m.allowed_mentions = body["allowed_mentions"]

    async def _patch_message(self, body, query, message) -> web.Response:
        m = self.messages[message]
        self._apply(m, body)
        m.edited = self.clock().isoformat()
        await self.dispatch("MESSAGE_UPDATE", self.message_payload(m))
        return json_response(self.message_payload(m))

    async def _delete_message(self, body, query, message) -> web.Response:
        await self.delete(message)
        return web.Response(status=204)

    def add_thread(self, parent: str, message_id: str, name: str, owner: User) -> dict:
        """A thread started from a message (it takes the message's id), without telling the gateway."""
        thread = {"id": message_id, "type": 11, "guild_id": self.guild_id, "parent_id": parent, "name": name,
                  "owner_id": owner.id, "message_count": 0, "member_count": 1, "rate_limit_per_user": 0,
                  "thread_metadata": {"archived": False, "auto_archive_duration": 10080,
                                      "archive_timestamp": self.clock().isoformat(), "locked": False},
                  "last_message_id": None, "flags": 0, "position": 0, "nsfw": False, "topic": None,
                  "permission_overwrites": []}
        self.channels[message_id] = thread
        if message_id in self.messages:
            self.messages[message_id].thread = thread
        return thread

    async def _thread(self, body, query, channel, message) -> web.Response:
        if message in self.channels:
            return error(400, 160004, "A thread has already been created for this message")
        thread = self.add_thread(channel, message, body["name"], self.bot)
        thread["thread_metadata"]["auto_archive_duration"] = body.get("auto_archive_duration", 1440)
        await self.dispatch("THREAD_CREATE", thread | {"newly_created": True})
        return json_response(thread)

    async def _private_thread(self, body, query, channel) -> web.Response:
        """A thread without a starting message: private (type 12) when asked, its members added one by one."""
        thread = self.add_thread(channel, self.snowflake(), body["name"], self.bot)
        thread |= {"type": body.get("type", 11), "members": [self.bot.id],
                   "thread_metadata": thread["thread_metadata"] | {"invitable": body.get("invitable", True)}}
        await self.dispatch("THREAD_CREATE", thread | {"newly_created": True})
        return json_response(thread)

    async def _add_thread_member(self, body, query, channel, user) -> web.Response:
        thread = self.channels.get(channel)
        if thread is None or thread["type"] not in (11, 12):
            return error(404, 10003, "Unknown Channel")
        if user not in thread["members"]:
            thread["members"].append(user)
        return web.Response(status=204)

    async def _active_threads(self, body, query) -> web.Response:
        """Public threads, and the private ones the bot is in."""
        found = [c for c in self.channels.values() if c["type"] == 11 or (c["type"] == 12 and self.bot.id in c["members"])]
        return json_response({"threads": [{k: v for k, v in c.items() if k != "members"} for c in found],
                              "members": []})

    async def _add_reaction(self, body, query, message, emoji) -> web.Response:
        await self.react(self.bot, message, emoji)
        return web.Response(status=204)

    async def _remove_reaction(self, body, query, message, emoji, user) -> web.Response:
        await self.react(self.users[self.bot.id if user == "@me" else user], message, emoji, added=False)
        return web.Response(status=204)

    async def _reaction_users(self, body, query, message, emoji) -> web.Response:
        who = self.messages[message].reactions.get(emoji, [])
        after = int(query.get("after", 0))
        chosen = sorted((u for u in who if int(u) > after), key=int)[:int(query.get("limit", 25))]
        return json_response([self.users[u].payload() for u in chosen])

    async def _get_member(self, body, query, user) -> web.Response:
        return json_response(self.member_payload(self.users[user]))

    async def _get_user(self, body, query, user) -> web.Response:
        return json_response(self.users[user].payload())

    async def _dm(self, body, query) -> web.Response:
        user = self.users[str(body["recipient_id"])]
        channel_id = f"{int(user.id) + 1}"
        self.channels.setdefault(channel_id, {"id": channel_id, "type": 1, "recipients": [user.payload()],
                                              "last_message_id": None, "dm_of": user.id})
        return json_response(self.channels[channel_id])

    # ---- interaction responses -------------------------------------------------------------------------

    def _by_token(self, token: str) -> Interaction:
        return next(i for i in self.interactions.values() if i.token == token)

    async def _callback(self, body, query, interaction, token) -> web.Response:
        i = self.interactions.get(interaction)
        if i is None or i.token != token:
            return error(404, 10062, "Unknown interaction")
        if i.responses:
            return error(400, 40060, "Interaction has already been acknowledged.")
        i.responses.append(body)
        data = body.get("data") or {}
        answer = {"id": i.id, "type": body["type"]}
        if body["type"] in (4, 5):  # a message, or "thinking…" to be replaced
            m = self.new_message(self.bot, i.channel_id, content=data.get("content") or "",
                                 embeds=data.get("embeds") or [], components=data.get("components") or [],
                                 flags=data.get("flags") or 0, webhook_id=self.app_id, type=20)
            m.allowed_mentions = data.get("allowed_mentions")
            i.original = m.id
            await self._echo_create(m)
            answer |= {"response_message_id": m.id, "response_message_loading": body["type"] == 5,
                       "response_message_ephemeral": m.ephemeral}
        return json_response({"interaction": answer})

    async def _edit_original(self, body, query, token) -> web.Response:
        m = self.messages[self._by_token(token).original]
        self._apply(m, body)
        return json_response(self.message_payload(m))

    async def _delete_original(self, body, query, token) -> web.Response:
        i = self._by_token(token)
        m = self.messages.pop(i.original)
        if not m.ephemeral:
            await self.dispatch("MESSAGE_DELETE", {"id": m.id, "channel_id": m.channel_id, "guild_id": self.guild_id})
        return web.Response(status=204)

    async def _followup(self, body, query, token) -> web.Response:
        i = self._by_token(token)
        m = self.new_message(self.bot, i.channel_id, content=body.get("content") or "", embeds=body.get("embeds") or [],
                             components=body.get("components") or [], flags=body.get("flags") or 0,
                             webhook_id=self.app_id, files=body.get("_files") or {})
        m.allowed_mentions = body.get("allowed_mentions")
        i.followups.append(m.id)
        await self._echo_create(m)
        return json_response(self.message_payload(m))

