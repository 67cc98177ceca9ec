"""Polls, quizzes, practice, permissions, the umbrella command, escaping and retries in a Slack
workspace, end to end through the unmodified slack-bolt app and the fake Slack."""
import asyncio
import json
import re
from datetime import timedelta


from .fake_slack import BOT_USER, CHANNEL
from .slack_world import ADMIN, ALICE, BOB, CAROL, slack_world


def header(params: dict) -> str:
    return next((b["text"]["text"] for b in params.get("blocks", []) if b["type"] == "header"), "")


def texts(params: dict) -> str:
    """Every mrkdwn text of a message's blocks, one per line."""
    found = []
    for block in params.get("blocks", []):
        found += [block["text"]["text"]] if block["type"] == "section" and "text" in block else []
        found += [f["text"] for f in block.get("fields", [])] + [e.get("text", "") for e in block.get("elements", [])
                                                                if block["type"] == "context"]
    return "\n".join(found)


def buttons(params: dict) -> list[tuple[str, str]]:
    return [(e["text"]["text"], e["action_id"]) for b in params.get("blocks", []) if b["type"] == "actions"
            for e in b["elements"]]


async def test_a_poll_with_a_changed_vote(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        await w.command(ALICE, '/poll question:"Best first model?" options:"Trees | SVMs | Transformers"')
        poll = w.fake.posts()[-1]
        assert header(poll.params) == "Poll #1"
        assert w.fake.reacted(poll.ts) == ["one", "two", "three"]
        assert "Poll #1 is up" in texts(w.fake.ephemerals(ALICE)[-1])

        await w.react(BOT_USER, poll.ts, "one")  # Slack echoes the bot's own reactions: ignored
        await w.react(BOB, poll.ts, "one")
        await w.react(BOB, poll.ts, "two")  # Bob changes his mind: his latest reaction is his vote
        await w.react(CAROL, poll.ts, "two")
        await w.react(CAROL, poll.ts, "three")
        await w.react(CAROL, poll.ts, "three", added=False)
        assert not w.fake.called("reactions.remove")  # Slack lets apps remove only their own reactions

        await w.command(ALICE, "/poll close")
        results = texts(w.fake.posts()[-1].params)
        assert "1️⃣ ░░░░░░░░░░ 0% (0 votes) Trees" in results
        assert "2️⃣ ██████████ 100% (2 votes) SVMs" in results
        assert "*Winner*\n2️⃣ SVMs with 2 votes" in results


async def test_a_quiz_answered_by_buttons(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        await w.command(ALICE, "/quiz topic:choice-qs count:1 seconds:30")
        question = w.fake.posts()[-1]
        assert header(question.params) == "Quiz 1/1"
        labels = dict(buttons(question.params))
        assert list(labels) == ["Recall", "Precision", "Specificity"]

        await w.click(BOB, question.ts, labels["Recall"])
        await w.click(CAROL, question.ts, labels["Precision"])
        assert "Locked in: *Recall*" in texts(w.fake.ephemerals(BOB)[-1])
        assert "Locked in: *Precision*" in texts(w.fake.ephemerals(CAROL)[-1])

        await w.advance(timedelta(seconds=30))
        after = "\n".join(texts(c.params) + header(c.params) for c in w.fake.posts())
        assert "Bob (+" in after and "Carol (+" not in after


SHORT_BANK = {
    "topics.yaml": "- id: shorts\n  name: Short answers\n  description: Typed answers.\n  minimum: 0\n",
    "questions/shorts.yaml": (
        "- id: short-normal-equations\n  topic: shorts\n  kind: short\n  difficulty: easy\n"
        "  prompt: OLS in closed form solves which system of equations?\n"
        "  accept: [normal equations]\n  reject: [least squares, gradient descent]\n"
        "  explanation: Setting the gradient to zero gives them.\n"),
}


async def test_a_short_quiz_answer_typed_in_the_channel(tmp_path, clock):
    for name, text in SHORT_BANK.items():
        (tmp_path / "bank" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "bank" / name).write_text(text)
    async with slack_world(tmp_path, clock, bank=tmp_path / "bank") as w:
        await w.command(ALICE, "/quiz count:1 seconds:60")
        assert header(w.fake.posts()[-1].params) == "Quiz 1/1"
        await w.say(BOB, "gradient descent?")
        await w.say(CAROL, "The Normal Equations!")
        after = "\n".join(texts(c.params) for c in w.fake.posts())
        assert "Carol (+" in after and "Bob (+" not in after


async def test_practice_is_ephemeral(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        await w.command(BOB, "/practice topic:choice-qs count:1")
        assert not w.fake.posts()  # nothing in the channel
        first = w.fake.ephemerals(BOB)[-1]
        assert header(first) == "Practice 1/1"
        right = dict(buttons(first))["Recall"]

        await w.click(BOB, "1795000999.000100", right, ephemeral=True)
        done = w.fake.ephemerals(BOB)[-1]
        assert header(done) == "Practice done" and "You got *1 of 1* right" in texts(done)
        assert not w.fake.posts()


async def test_admin_commands_need_an_admin(tmp_path, clock):
    async with slack_world(tmp_path, clock, admins=CAROL) as w:
        await w.command(BOB, "/qotd now")
        assert "Only admins can use `/qotd now`." in texts(w.fake.ephemerals(BOB)[-1])
        assert not w.fake.posts()

        await w.command(CAROL, "/qotd setup time:09:00 topics:open-qs")  # an admin by SLACK_ADMIN_USER_IDS
        await w.command(ADMIN, "/qotd now")  # a workspace admin by users.info
        assert [header(c.params) for c in w.fake.posts()] == ["Question of the day is set up ✅",
                                                             "Question of the day #1"]
        await w.command(ADMIN, "/qotd status")
        assert [c.params["user"] for c in w.fake.called("users.info")].count(ADMIN) == 1  # cached


async def test_the_umbrella_command_reaches_every_command(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        await w.command(ALICE, '/studybot poll question:"Tea or coffee?" options:"Tea | Coffee"')
        await w.command(ALICE, '/poll question:"Tea or coffee?" options:"Tea | Coffee"')
        umbrella, direct = w.fake.posts()
        assert header(umbrella.params) == "Poll #1" and header(direct.params) == "Poll #2"
        assert texts(umbrella.params).replace("#1", "#2") == texts(direct.params).replace("#1", "#2")

        await w.command(ALICE, "/studybot")
        assert header(w.fake.ephemerals(ALICE)[-1]) == "studybot"  # the help, privately


async def test_member_text_is_posted_escaped(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        await w.command(ALICE, '/poll question:"<!channel> read this @here" options:"<@U123> | <!everyone> | a & b"')
        poll = w.fake.posts()[-1].params
        sent = json.dumps(poll)
        for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<@"):
            assert ping not in sent
        assert set(re.findall(r"<!(\w+)", sent)) <= {"date"}  # the closing time is the only <!…> we send
        assert "&lt;" in texts(poll) and "a &amp; b" in texts(poll)
        assert all(b["text"]["verbatim"] for b in poll["blocks"] if b["type"] == "section" and "text" in b)
        assert poll["link_names"] is False


async def test_retried_events_count_once(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        await w.command(ADMIN, "/qotd setup time:09:00 tz:UTC topics:open-qs")
        await w.advance(timedelta(hours=2))
        root = w.fake.posts()[-1].ts
        ts, answer = w.fake.say(ALICE, "Bias underfits, variance overfits: the classic trade-off.", root)
        await w.deliver("events_api", answer)
        await w.deliver("events_api", answer, retry=1)  # Slack did not see our ack in time
        assert w.fake.reacted(ts) == ["white_check_mark"]
        upvote = w.fake.react(BOB, ts, "+1")
        await w.deliver("events_api", upvote)
        await w.deliver("events_api", upvote, retry=2)

        command = w.fake.command(ALICE, "/poll", 'question:"Once?" options:"Yes | No"')
        await w.deliver("slash_commands", command)
        await w.deliver("slash_commands", command)  # a re-delivered envelope: same trigger_id
        assert [header(c.params) for c in w.fake.posts()].count("Poll #1") == 1

        await w.advance(timedelta(hours=23))
        assert "(1 👍)" in texts(w.fake.posts(thread=root)[-1].params)


async def test_the_bots_own_events_are_ignored(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        await w.command(ADMIN, "/qotd setup time:09:00 tz:UTC topics:open-qs")
        await w.advance(timedelta(hours=2))
        root = w.fake.posts()[-1].ts
        before = len(w.fake.calls)
        mine = w.fake.add_message(CHANNEL, BOT_USER, "a reply of my own", root, bot=True)
        await w.deliver("events_api", w.fake.event(dict(mine, channel=CHANNEL)))
        await w.react(BOT_USER, root, "white_check_mark")
        assert len(w.fake.calls) == before


async def test_commands_are_acknowledged_before_the_work_is_done(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        release = asyncio.Event()
        handle = w.adapter.handler

        async def slow(event):
            await release.wait()
            await handle(event)

        w.adapter.handler = slow
        ack = await w.fake.envelope("slash_commands", w.fake.command(ALICE, "/topics"))
        assert ack["envelope_id"] and not w.fake.posts()  # acknowledged while the bot still works
        release.set()
        await w.adapter.settled()
        assert header(w.fake.posts()[-1].params) == "Topics"


async def test_a_whisper_with_buttons_is_an_ephemeral_message_whose_press_counts(tmp_path, clock):
    """Self-review after the reveal: chat.postEphemeral with the three buttons in Block Kit; a click on
    the ephemeral message is a press in the question's channel, answered ephemerally."""
    async with slack_world(tmp_path, clock) as w:
        await w.command(ADMIN, "/qotd setup time:09:00 tz:UTC topics:open-qs close:1h")
        await w.advance(timedelta(hours=2, minutes=30))
        root = [c for c in w.fake.posts() if header(c.params) == "Question of the day #1"][0].ts
        await w.say(ALICE, "It memorises the noise in its training data.", root)
        await w.advance(timedelta(hours=1))
        [offer] = [p for p in w.fake.ephemerals(ALICE) if header(p) == "Question #1: how did your answer do?"]
        assert offer["channel"] == CHANNEL and [label for label, _ in buttons(offer)] == [
            "Covered it", "Partly", "Missed it"]
        assert not [p for p in w.fake.ephemerals(BOB) if header(p).startswith("Question #1")]  # bob did not answer
        await w.click(ALICE, "1795000999.000200", dict(buttons(offer))["Covered it"], ephemeral=True)
        assert "Noted: *Covered it*. Question #1 comes back in your `/practice` in 8d." in texts(
            w.fake.ephemerals(ALICE)[-1])
        post = await w.bot.store.post(1)
        assert await w.bot.store.card(1, ALICE, post.question_id) is not None
