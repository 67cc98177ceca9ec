"""Starting `studybot slack`: missing variables and rejected tokens are one line each, and no token
ever reaches the log."""
import asyncio
import logging
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from slack_sdk.http_retry import async_handler

from bot.__main__ import main
from bot.adapters.slack_adapter import SlackAdapter
from bot.config import ConfigError

from .fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from .slack_world import ALICE, slack_world

ROOT = Path(__file__).parent.parent.parent
VARIABLES = ("TOKEN", "BOT_TOKEN", "APP_TOKEN", "SIGNING_SECRET", "API_URL", "ADMIN_USER_IDS")


@pytest.fixture
def no_slack_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env
    for name in VARIABLES:
        monkeypatch.delenv(f"SLACK_{name}", raising=False)
        monkeypatch.delenv(f"STUDYBOT_SLACK_{name}", raising=False)


@pytest.mark.parametrize("args, missing", [
    (["slack"], "SLACK_BOT_TOKEN, SLACK_APP_TOKEN"),
    (["slack", "--http"], "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET"),
])
def test_missing_variables_are_named_in_one_line(no_slack_env, capsys, args, missing):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [f"Missing settings: {missing} (set in the environment or in .env; see .env.example)."]


def test_the_studybot_names_are_accepted_too(no_slack_env, monkeypatch, capsys):
    monkeypatch.setenv("STUDYBOT_SLACK_BOT_TOKEN", "xoxb-1")
    assert main(["slack"]) == 2
    assert capsys.readouterr().err.startswith("Missing setting: SLACK_APP_TOKEN ")


async def run_cli(tmp_path, env: dict) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "slack", cwd=tmp_path, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if "SLACK" not in k} | {"PYTHONPATH": str(ROOT)} | env)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode()


@pytest.mark.parametrize("bad", ["bot", "app"])
async def test_a_rejected_token_is_one_line(tmp_path, bad):
    fake = await FakeSlack().start()
    wrong = "xoxb-wrong-0000000000" if bad == "bot" else "xapp-wrong-0000000000"
    try:
        code, out = await run_cli(tmp_path, {
            "SLACK_BOT_TOKEN": wrong if bad == "bot" else BOT_TOKEN, "SLACK_APP_TOKEN": wrong if bad == "app" else APP_TOKEN,
            "SLACK_API_URL": f"{fake.url}/api/", "STUDYBOT_DATABASE": str(tmp_path / "s.db")})
    finally:
        await fake.stop()
    variable = "SLACK_BOT_TOKEN" if bad == "bot" else "SLACK_APP_TOKEN"
    assert code == 2
    assert out.splitlines() == [f"Slack rejected {variable} (invalid_auth): copy it again from your app's settings page."]
    assert wrong not in out and BOT_TOKEN not in out and APP_TOKEN not in out


async def test_an_unreachable_api_url_is_one_line(monkeypatch):
    async def no_wait(seconds):
        pass

    monkeypatch.setattr(async_handler, "asyncio", SimpleNamespace(sleep=no_wait))  # the retries' backoff
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()  # nothing listens there any more
    with pytest.raises(ConfigError) as err:
        await SlackAdapter(BOT_TOKEN, api_url=f"http://127.0.0.1:{port}/api").connect()
    assert str(err.value) == (f"Cannot reach Slack's Web API at http://127.0.0.1:{port}/api/ (ClientConnectorError): "
                              "check the network, or SLACK_API_URL if you set it.")


async def test_tokens_never_reach_the_log(tmp_path, clock, caplog):
    caplog.set_level(logging.DEBUG)
    for transport in ("socket", "http"):
        (tmp_path / transport).mkdir()
        async with slack_world(tmp_path / transport, clock, transport) as w:
            await w.command(ALICE, "/help")
            await w.say(ALICE, "hello there")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "apps.connections.open" in logged or "Sending a request" in logged  # debug logging was on
    for secret in (BOT_TOKEN, APP_TOKEN, "s1gn1ng-s3cret"):
        assert secret not in logged
