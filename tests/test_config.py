"""Settings: environment and .env, one clear error naming each missing or bad variable, no secrets shown."""
from datetime import timedelta

import pytest

from bot.config import ConfigError, load_settings


def test_defaults_and_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STUDYBOT_DATABASE", str(tmp_path / "x.db"))
    monkeypatch.setenv("STUDYBOT_GRACE", "90m")
    settings = load_settings()
    assert settings.database == tmp_path / "x.db" and settings.grace == timedelta(minutes=90)


def test_dotenv_is_read(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("STUDYBOT_CONTENT_DIRS=ours, theirs\nSTUDYBOT_DISCORD_TOKEN=s3cret\n")
    settings = load_settings()
    assert [p.name for p in settings.extra_content()] == ["ours", "theirs"]
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.model_dump())
    assert settings.require("discord_token") == ["s3cret"]


def test_missing_tokens_name_each_variable(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as err:
        load_settings().require("slack_bot_token", "slack_app_token")
    assert str(err.value) == ("Missing settings: SLACK_BOT_TOKEN, SLACK_APP_TOKEN "
                              "(set in the environment or in .env; see .env.example).")


def test_a_bad_value_names_its_variable(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STUDYBOT_GRACE", "soon")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert str(err.value).startswith("Bad setting: STUDYBOT_GRACE: `soon` is not a duration")
