"""The port's Slack side against the fake Slack: find by key (message metadata), thread and reaction
read-backs without the bot's own, the thread of a reacted-to message, joining a channel, and the
slack_sdk retry handlers on a 429."""
from types import SimpleNamespace

from slack_sdk.http_retry import builtin_async_handlers

from bot.core.chat import ChannelRef, MessageRef, Post, ThreadRef

from .fake_slack import BOT_USER, CHANNEL, TEAM
from .slack_world import ALICE, BOB, slack_world

HERE = ChannelRef("slack", TEAM, CHANNEL)


async def test_find_a_sent_message_by_its_key(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        chat = w.adapter.chat
        root = await chat.send(HERE, Post(title="Question", key="qotd:1:post"))
        reply = await chat.reply(ThreadRef(HERE, root.id), Post(body="Reveal", key="qotd:1:reveal"))
        for n in range(5):
            await chat.send(HERE, Post(body=f"later {n}"))
        w.fake.add_message(CHANNEL, ALICE, "a member cannot fake a key")
        assert await chat.find(HERE, "qotd:1:post") == root
        assert await chat.find(HERE, "qotd:1:reveal", thread=root.id) == reply
        assert await chat.find(HERE, "qotd:1:reveal") is None  # not in the channel itself
        assert await chat.find(HERE, "never-sent") is None
        assert w.fake.called("chat.postMessage")[0].params["metadata"] == {
            "event_type": "studybot_post", "event_payload": {"key": "qotd:1:post"}}


async def test_replies_and_reactions_are_read_back_without_the_bots_own(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        chat = w.adapter.chat
        root = await chat.send(HERE, Post(title="Question"))
        first = w.fake.add_message(CHANNEL, BOB, "b &lt; c, first", root.id)
        await chat.reply(ThreadRef(HERE, root.id), Post(body="the bot's own reply"))
        second = w.fake.add_message(CHANNEL, ALICE, "second", root.id)
        replies = await chat.replies(ThreadRef(HERE, root.id))
        assert [(r.member.name, r.text, r.message) for r in replies] == [
            ("Bob", "b < c, first", MessageRef(HERE, first["ts"], root.id)),
            ("Alice", "second", MessageRef(HERE, second["ts"], root.id))]

        await chat.react(root, "👍")
        await chat.react(root, "👍")  # already_reacted is fine
        w.fake.react(ALICE, root.id, "+1")
        w.fake.react(BOB, root.id, "thumbsup")
        w.fake.react(BOB, root.id, "one")
        assert await chat.reactions(root) == {"👍": {ALICE, BOB}, "1️⃣": {BOB}}
        await chat.unreact(root, "👍", BOT_USER)
        assert w.fake.called("reactions.remove")[0].params["name"] == "+1"

        chat.threads.clear()  # after a restart: asked of Slack
        assert await chat.thread_of(CHANNEL, second["ts"]) == root.id
        assert await chat.thread_of(CHANNEL, root.id) is None


async def test_joins_a_public_channel_to_post_and_falls_back_to_the_command(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        w.fake.outside |= {"CPUBLIC", "CPRIVATE"}
        w.fake.private.add("CPRIVATE")
        sent = await w.adapter.chat.send(ChannelRef("slack", TEAM, "CPUBLIC"), Post(body="hello"))
        assert sent.id and [c.params["channel"] for c in w.fake.called("conversations.join")] == ["CPUBLIC"]

        await w.command(ALICE, "/topics", channel="CPRIVATE")  # public answer in a channel the bot is not in
        assert w.fake.responses[-1]["response_type"] == "in_channel"


async def test_a_rate_limited_call_waits_for_retry_after(tmp_path, clock, monkeypatch):
    waited = []

    async def sleep(seconds):
        waited.append(seconds)

    monkeypatch.setattr(builtin_async_handlers, "asyncio", SimpleNamespace(sleep=sleep))
    async with slack_world(tmp_path, clock) as w:
        w.fake.limited["chat.postMessage"] = 2
        await w.adapter.chat.send(HERE, Post(body="eventually"))
        assert len(w.fake.called("chat.postMessage")) == 3 and len(waited) == 2 and min(waited) >= 1


async def test_whispers_and_an_expired_response_url(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        await w.adapter.chat.whisper(HERE, BOB, Post(body="only for Bob"))
        assert w.fake.ephemerals(BOB)[-1]["text"] == "only for Bob"
        w.fake.urls_expired = True
        await w.command(ALICE, "/help")  # the help is private: chat.postEphemeral when the URL is gone
        assert w.fake.called("chat.postEphemeral")[-1].params["user"] == ALICE
