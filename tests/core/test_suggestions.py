"""The group's own questions (issue 11): suggest, review one at a time, approve or reject with a
reason, admins add directly; approved questions go before the bank's and pay their author."""
from datetime import timedelta
from pathlib import Path

from bot.content import load_bank
from bot.core.chat import ChannelRef, MessageRef
from bot.core.daily import LETTERS

from ..fakes import CHANNEL, advance, command, member, press, reply

BANK = load_bank(Path(__file__).parent.parent / "data" / "bank")
ADMIN, ALICE, BOB = member("ada", admin=True), member("alice"), member("bob")
OPEN = 'prompt:"How would you explain data leakage to a new analyst? @everyone" ' \
       'answer:"Information from the future | Inflated validation scores | Split before preprocessing"'
HERE = MessageRef(CHANNEL, "review-1")


def questions(chat):
    return [s for s in chat.sent if s.kind == "send" and s.post.title.startswith("Question of the day #")]


def private_to(chat, who):
    return [s.post for s in chat.sent if s.kind == "respond" and s.to == who.id]


async def group_bot(make_bot):
    bot = await make_bot(bank=BANK)
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC topics:open-qs,choice-qs close:2h"))
    return bot


async def test_suggest_approve_then_posted_next_with_the_authors_points(make_bot, chat, clock):
    bot = await group_bot(make_bot)
    await bot.handle(command(ALICE, "suggest", OPEN + " topic:open-qs difficulty:easy"))
    thanks = chat.last()
    assert thanks.private and thanks.post.body.startswith("Suggestion #1 is waiting for an admin's review.")
    await bot.handle(command(ADMIN, "qotd", "review"))
    shown = chat.last()
    assert shown.private and shown.to == ADMIN.id and shown.post.title == "Suggestion #1"
    assert "How would you explain data leakage to a new analyst? @\u200beveryone" in shown.post.body
    assert "• Inflated validation scores" in shown.post.body and ("From", "alice") in shown.post.fields
    assert [(b.label, b.id) for b in shown.post.buttons] == [("Approve", "suggestion:1:1"),
                                                            ("Reject", "suggestion:1:0")]
    await bot.handle(press(ADMIN, HERE, "suggestion:1:1"))
    assert chat.last().post.body == "✅ Approved suggestion #1. No more suggestions are waiting."
    assert [p.title for m, p in chat.whispers if m == ALICE.id] == ["Your question was approved ✅"]
    await bot.handle(press(ADMIN, HERE, "suggestion:1:0"))  # a second press changes nothing
    assert chat.last().post.body == "⚠️ Suggestion #1 was already approved."

    await advance(bot, clock, timedelta(hours=2, minutes=5))  # 09:00: the group's own question goes first
    [posted] = questions(chat)
    assert posted.post.body == "How would you explain data leakage to a new analyst? @\u200beveryone"
    assert ("From", "suggested by alice") in posted.post.fields and ("Topic", "Open questions") in posted.post.fields
    assert [(u, p, r) for u, p, r, _ in await bot.store.ledger(1)] == [("u-alice", 5, "suggestion")]
    assert [p.title for m, p in chat.whispers if m == ALICE.id][-1] == "Your question is up 🎉"
    await bot.handle(reply(BOB, f"t-{posted.ref.id}", "bob says it is information from the future"))
    await advance(bot, clock, timedelta(hours=2))
    reveal = next(s.post for s in chat.sent if s.kind == "reply" and s.post.title == "Question #1 is closed")
    assert "• Split before preprocessing" in reveal.body
    assert "The key points above, suggested by alice." in reveal.body
    assert [m for m, p in chat.whispers if p.title.endswith("how did your answer do?")] == [BOB.id]
    await advance(bot, clock, timedelta(days=1))  # asked once: the bank's questions follow
    assert len(questions(chat)) == 2 and questions(chat)[1].post.body != posted.post.body
    assert sum(p for u, p, r, _ in await bot.store.ledger(1) if r == "suggestion") == 5


async def test_a_choice_suggestion_is_asked_with_its_letters(make_bot, chat, clock):
    bot = await group_bot(make_bot)
    await bot.handle(command(ALICE, "suggest", 'prompt:"Which split keeps time order?" '
                                               'choices:"Random split | Time-based split | Stratified split" '
                                               'answer:B topic:choice-qs'))
    await bot.handle(command(ADMIN, "qotd", "review"))
    assert "B. Time-based split ✅" in chat.last().post.body
    await bot.handle(press(ADMIN, HERE, "suggestion:1:1"))
    await advance(bot, clock, timedelta(hours=2, minutes=5))
    [posted] = questions(chat)
    assert posted.post.body.endswith(f"{LETTERS[1]} Time-based split\n{LETTERS[2]} Stratified split")
    assert chat.reacted.count((posted.ref.id, LETTERS[2])) == 1 and (posted.ref.id, LETTERS[3]) not in chat.reacted


async def test_suggest_reject_with_the_reason_delivered_privately(make_bot, chat, clock):
    bot = await group_bot(make_bot)
    await bot.handle(command(ALICE, "suggest", OPEN + " topic:open-qs"))
    await bot.handle(command(BOB, "suggest", 'prompt:"What does a confusion matrix show you?" '
                                             'answer:"True positives | False positives | Errors by class" '
                                             'topic:open-qs'))
    await bot.handle(command(ADMIN, "qotd", 'review reason:"We asked this last month <@U1>"'))
    shown = chat.last().post
    assert shown.title == "Suggestion #1 (1 of 2 waiting)"
    assert shown.footer == "Reject sends alice your reason privately: We asked this last month <\u200b@U1>"
    await bot.handle(press(ADMIN, HERE, "suggestion:1:0"))
    nxt = chat.last().post
    assert nxt.title == "Suggestion #2" and nxt.body.startswith("❌ Rejected suggestion #1. Next:")
    [(who, note)] = [(m, p) for m, p in chat.whispers if p.title == "Your suggested question was not taken"]
    assert who == ALICE.id and "**Why:** We asked this last month <\u200b@U1>" in note.body
    await bot.handle(press(ADMIN, HERE, "suggestion:2:0"))  # no reason given this time
    [(_, plain)] = [(m, p) for m, p in chat.whispers if m == BOB.id]
    assert "Why" not in plain.body
    await advance(bot, clock, timedelta(days=2))
    assert all("data leakage" not in s.post.body for s in questions(chat))  # rejected ones are never asked
    assert await bot.store.ledger(1) == []


async def test_non_admins_are_refused_review_add_and_the_buttons(make_bot, chat, clock):
    bot = await group_bot(make_bot)
    await bot.handle(command(ALICE, "suggest", OPEN + " topic:open-qs"))
    await bot.handle(command(BOB, "qotd", "review"))
    assert chat.last().post.body == "⚠️ Only admins can use `/qotd review`."
    await bot.handle(command(BOB, "qotd", "add " + OPEN.replace("leakage", "drift") + " topic:open-qs"))
    assert chat.last().post.body == "⚠️ Only admins can use `/qotd add`."
    await bot.handle(press(BOB, HERE, "suggestion:1:1"))  # a button seen over an admin's shoulder
    assert chat.last().post.body == "⚠️ Only admins can review suggestions."
    await bot.handle(press(member("eve", admin=True), MessageRef(ChannelRef("test", "g2", "c1"), "x"),
                           "suggestion:1:1"))  # an admin of another group
    assert chat.last().post.body == "⚠️ That suggestion does not exist here."
    own, waiting = await bot.store.next_suggestion(1)
    assert own.status == "pending" and waiting == 1


async def test_admins_add_directly_and_it_stays_in_their_group(make_bot, chat, clock):
    bot = await group_bot(make_bot)
    await bot.handle(command(ADMIN, "qotd", "add " + OPEN + " topic:open-qs"))
    assert chat.last().post.body.startswith("Added to this group's own questions")
    other = ChannelRef("test", "g2", "c1")
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC topics:open-qs close:2h", channel=other))
    await advance(bot, clock, timedelta(hours=2, minutes=5))
    first, second = questions(chat)
    mine, theirs = (first, second) if first.ref.channel.group == "g1" else (second, first)
    assert "data leakage" in mine.post.body and "data leakage" not in theirs.post.body
    assert await bot.store.ledger(1) == []  # an admin's own addition earns nothing


async def test_a_suggestion_is_held_to_the_banks_rules(make_bot, chat, clock):
    bot = await group_bot(make_bot)
    refusals = {
        'prompt:"Why regularise?" answer:"Less overfitting | Simpler models" topic:open-qs':
            "`answer:` needs at least 3 entries (this one has 2) (give 3 to 6 key points separated by |)",
        'prompt:"Which is a metric?" choices:"Recall | Recall" answer:Recall topic:choice-qs':
            "`choices:` two choices are the same ('Recall')",
        'prompt:"Which is a metric?" choices:"Recall | Loss" answer:Precision topic:choice-qs':
            "`answer:` 'Precision' is not among the choices",
        'prompt:"How would you explain overfitting to a product manager?" answer:"a | b | c" topic:open-qs':
            "`prompt:` near-duplicate prompt: 100% alike to test-open-one",
        'prompt:"Why regularise at all?" answer:"a | b | c" topic:cooking':
            "`topic:` unknown topic 'cooking'",
        'prompt:"Why regularise at all?" answer:"a | b | c"':
            "Say which topic it belongs to with `topic:`. Topics: open-qs, choice-qs.",
    }
    for text, said in refusals.items():
        await bot.handle(command(ALICE, "suggest", text))
        assert said in chat.last().post.body, (text, chat.last().post.body)
    await bot.handle(command(ALICE, "suggest", OPEN + " topic:open-qs"))
    await bot.handle(command(BOB, "suggest", OPEN + " topic:open-qs"))  # the same one again
    assert "near-duplicate prompt: 100% alike to own:1" in chat.last().post.body
    assert (await bot.store.next_suggestion(1))[1] == 1
