"""`studybot slack --http`: the Events API with Slack's request signatures checked before any listener."""
import asyncio
import json
import time

import aiohttp

from bot import health

from .fake_slack import SIGNING_SECRET, sign
from .slack_world import ALICE, slack_world


async def test_bad_signatures_and_stale_timestamps_are_rejected_with_no_api_call(tmp_path, clock):
    async with slack_world(tmp_path, clock, "http") as w:
        before = len(w.fake.calls)
        command = w.fake.command(ALICE, "/topics")
        assert await w.deliver("slash_commands", command | {"trigger_id": "t1"}) == 200
        after_good = len(w.fake.calls)
        assert after_good > before

        assert await w.http("slash_commands", command | {"trigger_id": "t2"}, signature="v0=" + "0" * 64) == 401
        w.http.secret = "someone-elses-secret"
        assert await w.http("slash_commands", command | {"trigger_id": "t3"}) == 401
        w.http.secret = SIGNING_SECRET
        stale = int(time.time()) - 6 * 60  # Slack's window is five minutes
        assert await w.http("slash_commands", command | {"trigger_id": "t4"}, timestamp=stale) == 401
        await w.adapter.settled()
        assert len(w.fake.calls) == after_good


async def test_the_request_url_check_and_the_health_check(tmp_path, clock):
    async with slack_world(tmp_path, clock, "http") as w:
        body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "legacy"}).encode()
        now = int(time.time())
        headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": str(now),
                   "X-Slack-Signature": sign(body, now)}
        async with aiohttp.ClientSession() as session:
            async with session.post(w.http.url, data=body, headers=headers) as response:
                assert response.status == 200 and (await response.json())["challenge"] == "c-123"
            async with session.get(w.http.url.replace("/slack/events", "/healthz")) as response:
                assert response.status == 200


async def test_the_heartbeat_follows_the_connection(tmp_path, clock):
    for transport in ("socket", "http"):
        folder = tmp_path / transport
        folder.mkdir()
        async with slack_world(folder, clock, transport) as w:
            await w.adapter.settled()
            await asyncio.sleep(0)  # the heartbeat task's first touch
            assert health.check(health.heartbeat_path(folder / "studybot.db")) is None
            if transport == "socket":
                await w.adapter.socket.client.current_session.close()
                assert not w.adapter.connected()
        assert not health.heartbeat_path(folder / "studybot.db").exists()
