"""A blind question in a Slack workspace, end to end: its Answer button opens a modal (views.open with
the press's trigger), the sent form reaches the bot only (a private note back, nothing in the channel
or the thread), `/answer` does the same, and at the close every answer appears in the thread for 👍."""
from datetime import timedelta

import pytest

from .fake_slack import CHANNEL
from .slack_world import ADMIN, ALICE, BOB, CAROL, slack_world
from .test_slack_day import header

ALICE_ANSWER = "Bias: error from wrong assumptions <@UBOB>; variance: sensitivity to the sample."
BOB_ANSWER = "High bias underfits and high variance overfits the training data."


@pytest.mark.parametrize("transport", ["socket", "http"])
async def test_a_blind_answer_goes_through_a_modal_and_stays_hidden_until_the_close(tmp_path, clock, transport):
    async with slack_world(tmp_path, clock, transport) as w:
        await w.command(ADMIN, "/qotd setup time:08:00 tz:UTC topics:open-qs close:3h blind:yes")
        await w.advance(timedelta(hours=1))
        question = w.fake.posts()[-1]
        assert header(question) == "Question of the day #1"
        [button] = [e for b in question.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert button["text"]["text"] == "Answer" and button["action_id"] == "studybot:ask:answer"

        await w.click(ALICE, question.ts, button["action_id"])
        [opened] = w.fake.called("views.open")
        modal = opened.params["view"]
        assert modal["type"] == "modal" and modal["title"]["text"] == "Your answer"
        assert modal["private_metadata"] == CHANNEL
        await w.submit(next(iter(w.fake.views)), ALICE_ANSWER)
        note = w.fake.ephemerals(ALICE)[-1]
        assert "Your answer to question #1 is in" in note["text"] and "<@UBOB>" not in note["text"]
        await w.command(BOB, "/answer " + BOB_ANSWER)
        assert "Your answer to question #1 is in" in w.fake.ephemerals(BOB)[-1]["text"]

        seen = "\n".join(c.dump() for c in w.fake.calls if c.method in ("chat.postMessage", "chat.update"))
        assert "wrong assumptions" not in seen and "underfits" not in seen  # nothing in the channel or thread
        assert not w.fake.posts(thread=question.ts)

        await w.advance(timedelta(hours=3))
        shown = w.fake.posts(thread=question.ts)
        assert [header(c) for c in shown] == ["Question #1: 2 answers", "Answer by Alice", "Answer by Bob"]
        assert "sensitivity to the sample" in shown[1].dump() and "<@UBOB>" not in shown[1].params["text"]
        assert w.fake.reacted(shown[1].ts) == ["+1"]
        await w.react(BOB, shown[1].ts, "+1")
        await w.react(CAROL, shown[1].ts, "+1")
        await w.react(ALICE, shown[1].ts, "+1")  # her own: never counts

        await w.advance(timedelta(hours=12))
        reveal = w.fake.posts(thread=question.ts)[-1]
        assert header(reveal) == "Question #1 is closed" and "*Alice* (2 👍)" in reveal.dump()
        await w.command(CAROL, "/leaderboard period:all")
        board = w.fake.posts()[-1].params["blocks"][1]["text"]["text"]
        assert board.splitlines()[:2] == ["🥇 *Alice* — 19 pts", "🥈 *Bob* — 10 pts"]


async def test_an_expired_trigger_opens_no_form(tmp_path, clock, caplog):
    async with slack_world(tmp_path, clock) as w:
        await w.command(ADMIN, "/qotd setup time:08:00 tz:UTC topics:open-qs blind:yes")
        await w.advance(timedelta(hours=1))
        question = w.fake.posts()[-1]
        press = w.fake.click(ALICE, question.ts, "studybot:ask:answer")
        w.fake.triggers.clear()  # more than 3 seconds went by
        await w.deliver("interactive", press)
        assert not w.fake.views and "could not open a form" in caplog.text
