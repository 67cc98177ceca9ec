"""A small local Slack for end-to-end tests: the Web API methods studybot calls (every call recorded),
the messages and reactions of a workspace, `response_url`s, and a Socket Mode websocket.

The unmodified slack-bolt app talks to it: `AsyncWebClient(base_url=<fake>/api/)`, and
`apps.connections.open` answers with this server's websocket, which says `hello` and then carries
envelopes that the app must acknowledge with `{"envelope_id": …}`. Events can also be delivered as
signed HTTP requests to the app's own Events API endpoint (`HttpDelivery`).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

TEAM, BOT_USER, BOT_ID = "T0STUDY", "UBOT", "BBOT"
BOT_TOKEN, APP_TOKEN, SIGNING_SECRET = "xoxb-test-0123456789", "xapp-test-0123456789", "s1gn1ng-s3cret"
CHANNEL = "CSTUDY"
FIRST_TS = 1_795_000_000  # message timestamps count up from here, one second apart


@dataclass
class Call:
    method: str
    params: dict
    result: dict = field(default_factory=dict)  # what the fake answered

    @property
    def ts(self) -> str:
        return self.result.get("ts", "")

    def dump(self) -> str:
        return json.dumps(self.params, ensure_ascii=False)


def _json(data: dict, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(text=json.dumps(data), status=status, content_type="application/json", headers=headers)


def _flag(value) -> bool:
    return str(value).lower() in ("1", "true")


def slack_text(text: str) -> str:
    """Text as Slack sends it in events and commands: `&`, `<` and `>` escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sign(body: bytes, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class FakeSlack:
    def __init__(self):
        self.calls: list[Call] = []
        self.responses: list[dict] = []  # what was posted to response_urls, with "url"
        self.urls_expired = False  # response_urls answer 404, as after 30 minutes
        self.users: dict[str, dict] = {}
        self.messages: dict[str, dict[str, dict]] = defaultdict(dict)  # channel -> ts -> message
        self.bot_token, self.app_token = BOT_TOKEN, APP_TOKEN
        self.limited: dict[str, int] = {}  # method -> how many 429s to answer before serving it
        self.errors: dict[str, str] = {}  # method -> the error it answers with
        self.outside: set[str] = set()  # channels the bot is not a member of
        self.private: set[str] = set()  # ... and of these, the ones it cannot join itself
        self.group_dms: dict[tuple[str, ...], str] = {}  # members -> group DM channel id
        self.files: dict[str, dict] = {}  # file id -> what files upload v2 made of it (name, bytes, where shared)
        self.views: dict[str, dict] = {}  # view id -> a modal views.open opened (with the user it was opened for)
        self.triggers: dict[str, str] = {}  # trigger id -> user: issued with each command and press, used once
        self._ts = itertools.count(1)
        self._socket: web.WebSocketResponse | None = None
        self.socket_ready = asyncio.Event()
        self._acks: dict[str, asyncio.Future] = {}
        self.url = ""
        self._runner: web.AppRunner | None = None
        self.add_user(BOT_USER, "studybot")

    # ---- the server ----------------------------------------------------------------------------

    async def start(self) -> "FakeSlack":
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{id}", self._respond)
        app.router.add_post("/upload/{id}", self._upload)
        app.router.add_get("/socket", self._socket_mode)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        return self

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        await self._runner.cleanup()

    def add_user(self, user_id: str, name: str, admin: bool = False, owner: bool = False) -> str:
        self.users[user_id] = {"id": user_id, "team_id": TEAM, "name": name.lower(), "real_name": name,
                               "is_admin": admin, "is_owner": owner, "is_bot": user_id == BOT_USER,
                               "profile": {"display_name": name, "real_name": name}}
        return user_id

    def next_ts(self) -> str:
        return f"{FIRST_TS + next(self._ts)}.000100"

    # ---- reading what happened -------------------------------------------------------------------

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def posts(self, thread: str | None = None) -> list[Call]:
        """chat.postMessage calls, in the channel or (given a ts) in that thread."""
        return [c for c in self.called("chat.postMessage") if c.params.get("thread_ts") == thread]

    def ephemerals(self, user: str) -> list[dict]:
        """Everything only `user` could see: chat.postEphemeral calls and ephemeral response_url posts."""
        direct = [c.params for c in self.called("chat.postEphemeral") if c.params.get("user") == user]
        via_url = [r for r in self.responses if r.get("user") == user and r.get("response_type") != "in_channel"]
        return direct + via_url

    def shared(self, channel: str = CHANNEL) -> list[dict]:
        """Files shared in a channel (with files.completeUploadExternal), oldest first."""
        return [f for f in self.files.values() if f.get("channel") == channel]

    def reacted(self, ts: str) -> list[str]:
        """The reaction names the bot added to a message."""
        return [c.params["name"] for c in self.called("reactions.add") if c.params["timestamp"] == ts]

    # ---- the Web API ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = dict(request.query)
        if request.method == "POST":
            if request.content_type == "application/json":
                params |= await request.json()
            else:
                params |= dict(await request.post())
        for key in ("blocks", "metadata", "view"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or params.pop("token", "")
        call = Call(method, params)
        self.calls.append(call)
        if token != (self.app_token if method == "apps.connections.open" else self.bot_token):
            return _json({"ok": False, "error": "invalid_auth"})
        if self.limited.get(method):
            self.limited[method] -= 1
            return _json({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
        if method in self.errors:
            return _json({"ok": False, "error": self.errors[method]})
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return _json({"ok": False, "error": "unknown_method"})
        call.result = handler(params)
        return _json(call.result)

    def api_auth_test(self, p):
        return {"ok": True, "url": "https://study-group.slack.com/", "team": "Study Group", "user": "studybot",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID}

    def api_apps_connections_open(self, p):
        return {"ok": True, "url": self.url.replace("http", "ws", 1) + "/socket"}

    def api_users_info(self, p):
        user = self.users.get(p["user"])
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def api_conversations_join(self, p):
        if p["channel"] in self.private:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        self.outside.discard(p["channel"])
        return {"ok": True, "channel": {"id": p["channel"]}}

    def api_conversations_open(self, p):
        """A group DM (an "mpim") of the users and the bot, the same one for the same people."""
        users = sorted(set(p["users"].split(",")))
        if len(users) < 2 or any(u not in self.users for u in users):
            return {"ok": False, "error": "user_not_found" if len(users) >= 2 else "not_enough_users"}
        channel = self.group_dms.setdefault(tuple(users), f"G{len(self.group_dms) + 1:08d}")
        return {"ok": True, "channel": {"id": channel, "is_mpim": True}}

    def api_chat_postMessage(self, p):
        if p["channel"] in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        message = self.add_message(p["channel"], BOT_USER, p.get("text", ""), p.get("thread_ts"), bot=True)
        message.update({k: p[k] for k in ("blocks", "metadata") if k in p})
        return {"ok": True, "channel": p["channel"], "ts": message["ts"], "message": message}

    def api_chat_postEphemeral(self, p):
        if p["channel"] in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        return {"ok": True, "message_ts": self.next_ts()}

    def api_chat_update(self, p):
        message = self.messages[p["channel"]].get(p["ts"])
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message.update({k: p[k] for k in ("text", "blocks", "metadata") if k in p})
        return {"ok": True, "channel": p["channel"], "ts": p["ts"], "text": message["text"]}

    def api_views_open(self, p):
        """A modal, for the member whose command or press issued the trigger (a trigger works once)."""
        user = self.triggers.pop(p.get("trigger_id", ""), None)
        if user is None:
            return {"ok": False, "error": "invalid_trigger_id"}
        view_id = f"V{len(self.views) + 1:08d}"
        self.views[view_id] = dict(p["view"], id=view_id, team_id=TEAM, state={"values": {}}, _user=user)
        return {"ok": True, "view": {k: v for k, v in self.views[view_id].items() if not k.startswith("_")}}

    # ---- files upload v2: get an upload URL, POST the bytes there, then complete (and share) ----------

    def api_files_getUploadURLExternal(self, p):
        file_id = f"F{len(self.files) + 1:06d}"
        self.files[file_id] = {"id": file_id, "filename": p["filename"], "length": int(p["length"]), "data": None}
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}

    async def _upload(self, request: web.Request) -> web.Response:
        found = self.files.get(request.match_info["id"])
        if found is None:
            return web.Response(status=404, text="unknown upload")
        found["data"] = await request.read()
        return web.Response(text=f"OK - {len(found['data'])}")

    def api_files_completeUploadExternal(self, p):
        done = []
        for item in json.loads(p["files"]):
            found = self.files.get(item["id"])
            if found is None or found["data"] is None or len(found["data"]) != found["length"]:
                return {"ok": False, "error": "file_not_found" if found is None else "file_upload_incomplete"}
            found |= {"title": item.get("title"), "channel": p.get("channel_id"), "thread_ts": p.get("thread_ts")}
            done.append({"id": found["id"], "name": found["filename"], "title": found["title"]})
        if p.get("channel_id"):
            message = self.add_message(p["channel_id"], BOT_USER, p.get("initial_comment", ""), p.get("thread_ts"),
                                       bot=True)
            message |= {"subtype": "file_share", "files": done}
        return {"ok": True, "files": done}

    def _reactions(self, p) -> dict[str, list[str]] | None:
        message = self.messages[p["channel"]].get(p["timestamp"])
        return None if message is None else message.setdefault("_reactions", {})

    def api_reactions_add(self, p):
        reactions = self._reactions(p)
        if reactions is None:
            return {"ok": False, "error": "message_not_found"}
        who = reactions.setdefault(p["name"], [])
        if BOT_USER in who:
            return {"ok": False, "error": "already_reacted"}
        who.append(BOT_USER)
        return {"ok": True}

    def api_reactions_remove(self, p):
        reactions = self._reactions(p)
        if reactions is None or BOT_USER not in reactions.get(p["name"], []):
            return {"ok": False, "error": "no_reaction"}
        reactions[p["name"]].remove(BOT_USER)
        return {"ok": True}

    def api_reactions_get(self, p):
        message = self.messages[p["channel"]].get(p["timestamp"])
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "type": "message", "channel": p["channel"], "message": self._public(message, True)}

    def _public(self, message: dict, metadata: bool) -> dict:
        out = {k: v for k, v in message.items() if not k.startswith("_") and (metadata or k != "metadata")}
        reactions = [{"name": n, "users": list(u), "count": len(u)} for n, u in message.get("_reactions", {}).items() if u]
        if reactions:
            out["reactions"] = reactions
        return out

    def _page(self, messages: list[dict], p) -> dict:
        start, limit = int(p.get("cursor") or 0), int(p.get("limit") or 100)
        page = [self._public(m, _flag(p.get("include_all_metadata"))) for m in messages[start:start + limit]]
        more = start + limit < len(messages)
        return {"ok": True, "messages": page, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def api_conversations_history(self, p):
        roots = [m for m in self.messages[p["channel"]].values() if m.get("thread_ts", m["ts"]) == m["ts"]]
        return self._page(sorted(roots, key=lambda m: float(m["ts"]), reverse=True), p)

    def api_conversations_replies(self, p):
        message = self.messages[p["channel"]].get(p["ts"])
        if message is None:
            return {"ok": False, "error": "thread_not_found"}
        root = message.get("thread_ts", message["ts"])
        thread = [m for m in self.messages[p["channel"]].values() if m.get("thread_ts", m["ts"]) == root]
        return self._page(sorted(thread, key=lambda m: float(m["ts"])), p)

    # ---- response_url ----------------------------------------------------------------------------

    async def _respond(self, request: web.Request) -> web.Response:
        if self.urls_expired:
            return web.Response(status=404, text="expired_url")
        self.responses.append(await request.json() | {"url": str(request.url), "user": request.match_info["id"]})
        return web.Response(text="ok")

    # ---- Socket Mode -----------------------------------------------------------------------------

    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"},
                            "connection_info": {"app_id": "A0STUDY"}})
        self.socket_ready.set()
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                ack = json.loads(message.data)
                future = self._acks.pop(ack.get("envelope_id"), None)
                if future and not future.done():
                    future.set_result(ack)
        return ws

    async def envelope(self, kind: str, payload: dict, retry: int = 0) -> dict:
        """Send one envelope over the websocket; returns the app's acknowledgement."""
        await asyncio.wait_for(self.socket_ready.wait(), 5)
        envelope_id = uuid.uuid4().hex
        self._acks[envelope_id] = asyncio.get_running_loop().create_future()
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": kind != "events_api"}
        if kind == "events_api":
            envelope |= {"retry_attempt": retry, "retry_reason": "timeout" if retry else ""}
        await self._socket.send_json(envelope)
        return await asyncio.wait_for(self._acks[envelope_id], 5)

    # ---- what members do (the state changes, and the payload Slack would send) -------------------

    def add_message(self, channel: str, user: str, text: str, thread: str | None = None, bot: bool = False) -> dict:
        ts = self.next_ts()
        message = {"type": "message", "ts": ts, "user": user, "text": text, "team": TEAM}
        if bot:
            message["bot_id"] = BOT_ID
        if thread:
            message["thread_ts"] = thread
        self.messages[channel][ts] = message
        return message

    def event(self, event: dict) -> dict:
        return {"token": "legacy", "team_id": TEAM, "api_app_id": "A0STUDY", "type": "event_callback",
                "event": event, "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}", "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}]}

    def command(self, user: str, command: str, text: str = "", channel: str = CHANNEL) -> dict:
        return {"token": "legacy", "team_id": TEAM, "team_domain": "study-group", "channel_id": channel,
                "channel_name": "study", "user_id": user, "user_name": self.users[user]["name"], "command": command,
                "text": slack_text(text), "api_app_id": "A0STUDY", "response_url": f"{self.url}/respond/{user}",
                "trigger_id": self._trigger(user)}

    def _trigger(self, user: str) -> str:
        trigger = f"{next(self._ts)}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:16]}"
        self.triggers[trigger] = user
        return trigger

    def click(self, user: str, ts: str, action_id: str, channel: str = CHANNEL, ephemeral: bool = False,
              thread: str | None = None) -> dict:
        container = {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": ephemeral}
        if thread:
            container["thread_ts"] = thread
        shown = self.messages[channel].get(ts, {}).get("blocks", [])  # a button sends its own value
        value = next((e.get("value") for b in shown if b.get("type") == "actions" for e in b["elements"]
                      if e.get("action_id") == action_id), action_id)
        body = {"type": "block_actions", "team": {"id": TEAM, "domain": "study-group"},
                "user": {"id": user, "username": self.users[user]["name"], "team_id": TEAM},
                "api_app_id": "A0STUDY", "container": container, "channel": {"id": channel, "name": "study"},
                "trigger_id": self._trigger(user), "response_url": f"{self.url}/respond/{user}",
                "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                             "action_ts": str(time.time())}]}
        if not ephemeral:
            body["message"] = self._public(self.messages[channel][ts], False)
        return body

    def submit(self, view_id: str, text: str) -> dict:
        """The member the modal was opened for types `text` into its input and presses its submit button."""
        view = self.views[view_id]
        user = view["_user"]
        values = {b["block_id"]: {b["element"]["action_id"]: {"type": b["element"]["type"], "value": text}}
                  for b in view["blocks"] if b["type"] == "input"}
        shown = {k: v for k, v in view.items() if not k.startswith("_")} | {"state": {"values": values}}
        return {"type": "view_submission", "team": {"id": TEAM, "domain": "study-group"},
                "user": {"id": user, "username": self.users[user]["name"], "name": self.users[user]["name"],
                         "team_id": TEAM},
                "api_app_id": "A0STUDY", "token": "legacy", "trigger_id": self._trigger(user), "view": shown,
                "response_urls": [], "is_enterprise_install": False}

    def react(self, user: str, ts: str, name: str, added: bool = True, channel: str = CHANNEL) -> dict:
        who = self.messages[channel][ts].setdefault("_reactions", {}).setdefault(name, [])
        if added and user not in who:
            who.append(user)
        if not added and user in who:
            who.remove(user)
        return self.event({"type": "reaction_added" if added else "reaction_removed", "user": user, "reaction": name,
                           "item": {"type": "message", "channel": channel, "ts": ts},
                           "item_user": self.messages[channel][ts]["user"], "event_ts": self.next_ts()})

    def say(self, user: str, text: str, thread: str | None = None, channel: str = CHANNEL) -> tuple[str, dict]:
        message = self.add_message(channel, user, slack_text(text), thread)
        event = dict(message, channel=channel, channel_type="channel", event_ts=message["ts"])
        return message["ts"], self.event(event)

    def edit(self, user: str, ts: str, text: str, channel: str = CHANNEL) -> dict:
        message = self.messages[channel][ts]
        old = dict(message)
        message["text"], message["edited"] = slack_text(text), {"user": user, "ts": self.next_ts()}
        return self.event({"type": "message", "subtype": "message_changed", "hidden": True, "channel": channel,
                           "ts": self.next_ts(), "message": self._public(message, False),
                           "previous_message": self._public(old, False), "event_ts": self.next_ts()})

    def delete(self, ts: str, channel: str = CHANNEL) -> dict:
        old = self.messages[channel].pop(ts)
        return self.event({"type": "message", "subtype": "message_deleted", "hidden": True, "channel": channel,
                           "ts": self.next_ts(), "deleted_ts": ts, "previous_message": self._public(old, False),
                           "event_ts": self.next_ts()})


@dataclass
class HttpDelivery:
    """Events, commands and button presses as Slack sends them to a Request URL, signed."""

    url: str
    secret: str = SIGNING_SECRET
    seen: list[int] = field(default_factory=list)  # HTTP statuses

    async def __call__(self, kind: str, payload: dict, retry: int = 0, *, timestamp: int | None = None,
                       signature: str | None = None) -> int:
        if kind == "events_api":
            body, content_type = json.dumps(payload).encode(), "application/json"
        elif kind == "slash_commands":
            body, content_type = urlencode(payload).encode(), "application/x-www-form-urlencoded"
        else:
            body, content_type = urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"
        timestamp = int(time.time()) if timestamp is None else timestamp
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp),
                   "X-Slack-Signature": signature or sign(body, timestamp, self.secret)}
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        async with aiohttp.ClientSession() as session:
            async with session.post(self.url, data=body, headers=headers) as response:
                self.seen.append(response.status)
                return response.status
