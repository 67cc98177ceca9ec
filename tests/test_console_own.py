"""The group's own question and self-review in the console (issue 11): a whisper's buttons are
clicked like any other message's, by its owner only, and the reviewed question returns in /practice."""
from .console_run import run_script
from .test_console_week import block

SCRIPT = """\
/qotd setup time:08:00 tz:UTC topics:open-qs close:1h
/as alice
/suggest prompt:"How would you explain data leakage to a new analyst?" \
answer:"Future information | Inflated scores | Split first" topic:open-qs
/as you
/qotd review
/click 3 Approve
/advance 1h
/as alice
> it is information from the future that inflates scores
/advance 1h
/as bob
/click 10 1
/as alice
/click 10 Missed it
/click 10 1
/advance 2m
/practice topic:open-qs
/click 14 Partly
"""


async def test_suggested_asked_reviewed_and_practised_in_the_console(tmp_path):
    out = await run_script(SCRIPT, tmp_path / "own.db", "2026-11-20T07:30:00+00:00")
    assert "[1. Approve]  [2. Reject]" in block(out, 3)
    assert "✅ Approved suggestion #1. No more suggestions are waiting." in block(out, 5)
    assert "From: suggested by alice" in block(out, 6)  # the group's own question went first
    assert "Your question is up 🎉" in block(out, 7)
    offer = block(out, 10)
    assert offer.startswith("#10 studybot (only you can see this)")
    assert "[1. Covered it]  [2. Partly]  [3. Missed it]" in offer
    assert "⚠️ Message #10 is private to someone else." in out  # bob cannot press alice's buttons
    assert "Noted: Missed it. Question #1 comes back in your `/practice` in 1m." in block(out, 12)
    assert "⚠️ You already said Missed it for question #1; your first choice counts." in block(out, 13)
    practice = block(out, 14)
    assert "Practice 1/1: review this question" in practice and "• Inflated scores" in practice
    assert "Noted: Partly. You will see it again in " in block(out, 15)
