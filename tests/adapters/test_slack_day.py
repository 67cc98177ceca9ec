"""A whole question-of-the-day in a Slack workspace, end to end, over Socket Mode and over HTTP:
setup, the scheduled post, thread answers acknowledged with ✅, reaction upvotes (a self-vote ignored),
an edit and a delete, the reveal in the thread and the leaderboard's points."""
from datetime import timedelta

import pytest

from .slack_world import ADMIN, ALICE, BOB, CAROL, DAVE, slack_world


def header(call) -> str:
    return next((b["text"]["text"] for b in call.params["blocks"] if b["type"] == "header"), "")


@pytest.mark.parametrize("transport", ["socket", "http"])
async def test_a_whole_day(tmp_path, clock, transport):
    async with slack_world(tmp_path, clock, transport) as w:
        await w.command(ADMIN, "/qotd setup time:09:00 tz:Europe/Berlin topics:open-qs")
        assert header(w.fake.posts()[-1]) == "Question of the day is set up ✅"

        await w.advance(timedelta(hours=1))  # 08:00 UTC is 09:00 in Berlin
        question = w.fake.posts()[-1]
        assert header(question) == "Question of the day #1"
        root = question.ts
        context = question.params["blocks"][-1]
        assert context["type"] == "context" and "<!date^1795244400^" in context["elements"][-1]["text"]  # 07:00 UTC

        alice = await w.say(ALICE, "Bias is error from wrong assumptions; variance is sensitivity to the sample.", root)
        bob = await w.say(BOB, "High bias underfits and high variance overfits the training data.", root)
        carol = await w.say(CAROL, "Bias & variance trade off as model capacity grows, roughly.", root)
        dave = await w.say(DAVE, "Something I will take back in a minute, sorry about that.", root)
        assert [w.fake.reacted(ts) for ts in (alice, bob, carol, dave)] == [["white_check_mark"]] * 4

        await w.react(ALICE, carol, "+1")
        await w.react(BOB, carol, "thumbsup")
        await w.react(CAROL, carol, "+1")  # a self-vote: ignored
        await w.react(CAROL, alice, "+1::skin-tone-3")
        await w.deliver("events_api", w.fake.edit(CAROL, carol, "Bias falls and variance rises as capacity grows."))
        await w.deliver("events_api", w.fake.delete(dave))

        await w.advance(timedelta(hours=23))
        reveal = w.fake.posts(thread=root)
        assert [header(c) for c in reveal] == ["Question #1 is closed"]
        assert [header(c) for c in w.fake.called("chat.update") if c.params["ts"] == root] == [
            "Question of the day #1 (closed)"]  # the question shows it closed
        text = reveal[0].dump()
        assert "*Answered*\\n3" in text
        assert "*Carol* (2 👍): Bias falls and variance rises as capacity grows." in text

        await w.command(DAVE, "/leaderboard period:all")
        board = w.fake.posts()[-1].params["blocks"][1]["text"]["text"]
        assert board.splitlines() == ["🥇 *Carol* — 19 pts", "🥈 *Alice* — 12 pts", "🥉 *Bob* — 10 pts",
                                      "_You have no points in this period yet._"]
