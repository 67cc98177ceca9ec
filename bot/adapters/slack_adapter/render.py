"""A `Post` as Slack Block Kit, our light markdown as mrkdwn, and emoji names both ways.

Every string is escaped (`&`, `<`, `>`) before any markup is added, so nothing a member wrote can
become `<!channel>`, `<!here>`, `<!everyone>` or a mention; the only `<…>` sequences in what we send
are the ones built here (dates, jump links, and mentions of the ids a Post allows in `ping`).
mrkdwn objects are also sent `verbatim`, so Slack does not link-ify names or mentions on its own.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from ...core.chat import MessageRef, Post

TEXT_LIMIT = 3000  # a section's text; the fallback text is cut to the same
FIELD_LIMIT = 2000
FIELDS_PER_SECTION = 10
BUTTONS_PER_ACTIONS = 25
LABEL_LIMIT = 75
HEADER_LIMIT = 150
ASK = "studybot:ask:"  # a button with a prompt: its action_id is ASK + <command> and its value the prompt
FORM_TITLE_LIMIT = 24
ANSWER_LIMIT = 4000  # what a form takes, as the core's answers

# The emoji the core uses, by their Slack names (the first name is the one the bot sends).
EMOJI = {
    "👍": ("+1", "thumbsup"),
    "✅": ("white_check_mark",),
    **{chr(0x1F1E6 + i): (f"regional_indicator_{c}",) for i, c in enumerate("abcdefghij")},
    **{f"{n}\ufe0f\u20e3": (word,) for n, word in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))},
    "🔟": ("keycap_ten",),
}
_BY_NAME = {name: emoji for emoji, names in EMOJI.items() for name in names}
_SKIN_TONE = re.compile(r"::skin-tone-\d$")


def emoji_name(emoji: str) -> str:
    """The Slack name for a unicode emoji the core uses (a name passed through as it is)."""
    names = EMOJI.get(emoji)
    return names[0] if names else emoji.strip(":")


def emoji_from(name: str) -> str:
    """The core's unicode emoji for a Slack reaction name (skin tones dropped); others stay names."""
    name = _SKIN_TONE.sub("", name)
    return _BY_NAME.get(name, name)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Slack sends message and command text with `&`, `<`, `>` escaped: the core wants it raw."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_CODE = re.compile(r"(`[^`\n]+`)")
_ITALIC = re.compile(r"(?<!\*)\*(?![\s*])(.+?)(?<![\s*])\*(?!\*)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_STRIKE = re.compile(r"~~(.+?)~~")
_HEADING = re.compile(r"^#{1,6} +(.+)$", re.M)


def mrkdwn(text: str, ping: tuple[str, ...] = ()) -> str:
    """Light markdown (**bold**, *italic*, ~~strike~~, `code`, # headings) as escaped Slack mrkdwn.
    A `<@id>` the core wrote survives only for the member ids the post allows to be mentioned."""
    parts = _CODE.split(escape(text))
    for i in range(0, len(parts), 2):  # the odd parts are code spans, left alone
        part = _ITALIC.sub(r"_\1_", parts[i])
        part = _BOLD.sub(r"*\1*", part)
        part = _STRIKE.sub(r"~\1~", part)
        parts[i] = _HEADING.sub(r"*\1*", part)
    out = "".join(parts)
    for member in ping:
        out = out.replace(f"&lt;@{member}&gt;", f"<@{member}>")
    return out


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, never ending inside an escape like `&amp;`."""
    if len(text) <= limit:
        return text
    text = text[:limit - 1]
    amp = text.rfind("&", len(text) - 5)
    return (text[:amp] if amp >= 0 and ";" not in text[amp:] else text) + "…"


def chunks(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split at line ends into pieces Slack accepts in one text object."""
    pieces, current = [], ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = cut(line, limit)
    return pieces + [current] if current else pieces


def date(instant: datetime, fallback: str) -> str:
    """A date each member sees in their own zone."""
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} at {{time}}|{escape(fallback)}>"


def permalink(workspace_url: str, message: MessageRef) -> str:
    url = f"{workspace_url.rstrip('/')}/archives/{message.channel.channel}/p{message.id.replace('.', '')}"
    return url + (f"?thread_ts={message.thread}&cid={message.channel.channel}" if message.thread else "")


def _text(text: str) -> dict:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def blocks(post: Post, workspace_url: str = "") -> list[dict]:
    """Header, body sections, fields, buttons (action_id and value carry Button.id), then a context
    line with the footer, the closing time and the jump link."""
    out: list[dict] = []
    if post.title:
        out.append({"type": "header", "text": {"type": "plain_text", "text": cut(post.title, HEADER_LIMIT)}})
    for piece in chunks(mrkdwn(post.body, post.ping)) if post.body else ():
        out.append({"type": "section", "text": _text(piece)})
    fields = [_text(cut(f"*{mrkdwn(name)}*\n{mrkdwn(value, post.ping)}", FIELD_LIMIT)) for name, value in post.fields]
    for i in range(0, len(fields), FIELDS_PER_SECTION):
        out.append({"type": "section", "fields": fields[i:i + FIELDS_PER_SECTION]})
    buttons = [{"type": "button", "action_id": f"{ASK}{b.id}" if b.prompt else b.id, "value": b.prompt or b.id,
                "text": {"type": "plain_text", "text": cut(b.label, LABEL_LIMIT)}} for b in post.buttons]
    for i in range(0, len(buttons), BUTTONS_PER_ACTIONS):
        out.append({"type": "actions", "elements": buttons[i:i + BUTTONS_PER_ACTIONS]})
    context = [mrkdwn(post.footer)] if post.footer else []
    if post.closes_at:
        context.append(f"Closes {date(post.closes_at, f'{post.closes_at.astimezone(timezone.utc):%a %d %b %H:%M} UTC')}")
    if post.link and workspace_url:
        context.append(f"<{permalink(workspace_url, post.link)}|View the message>")
    if context:
        out.append({"type": "context", "elements": [_text(cut(c, TEXT_LIMIT)) for c in context]})
    return out


def form(command: str, prompt: str, channel: str) -> dict:
    """The modal a button with a prompt opens: one text input; `channel` comes back with the submission."""
    return {"type": "modal", "callback_id": f"{ASK}{command}", "private_metadata": channel,
            "title": {"type": "plain_text", "text": cut(prompt, FORM_TITLE_LIMIT)},
            "submit": {"type": "plain_text", "text": "Send"}, "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [{"type": "input", "block_id": "text",
                        "label": {"type": "plain_text", "text": cut(prompt, LABEL_LIMIT)},
                        "element": {"type": "plain_text_input", "action_id": "text", "multiline": True,
                                    "max_length": ANSWER_LIMIT}}]}


def fallback(post: Post) -> str:
    """The plain notification text that goes with the blocks."""
    return cut(mrkdwn(post.text(), post.ping), TEXT_LIMIT)
