"""Settings from the environment and `.env` (pydantic-settings). Tokens are SecretStr: never logged."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .core.clock import BadValue, parse_duration


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the environment variable."""


def _platform(name: str, default=None):
    """The platform's own variable name (as its guides spell it) first, the STUDYBOT_ one also accepted."""
    return Field(default, validation_alias=AliasChoices(name, f"STUDYBOT_{name}"))


def _slack(name: str):
    return _platform(f"SLACK_{name}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STUDYBOT_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore", populate_by_name=True, env_ignore_empty=True)

    database: Path = Path("studybot.db")
    content_dirs: str = ""  # extra content folders, comma-separated, loaded after the bundled bank
    grace: timedelta = timedelta(hours=6)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    discord_token: SecretStr | None = _platform("DISCORD_TOKEN")
    discord_guild_ids: str = _platform("DISCORD_GUILD_IDS", "")  # comma-separated: sync commands there at once
    discord_api_base: str = _platform("DISCORD_API_BASE", "")  # a Discord-compatible REST base (a proxy, a test server)
    discord_gateway_url: str = _platform("DISCORD_GATEWAY_URL", "")  # and its gateway (wss://…)
    discord_message_content: bool = _platform("DISCORD_MESSAGE_CONTENT", True)  # the privileged intent is enabled
    slack_bot_token: SecretStr | None = _slack("BOT_TOKEN")
    slack_app_token: SecretStr | None = _slack("APP_TOKEN")
    slack_signing_secret: SecretStr | None = _slack("SIGNING_SECRET")
    slack_api_url: str | None = _slack("API_URL")  # another Web API base URL (a proxy, GovSlack, a test server)
    slack_admin_user_ids: str | None = _slack("ADMIN_USER_IDS")  # comma-separated, admins beside the workspace's

    @field_validator("discord_guild_ids")
    @classmethod
    def _guild_ids(cls, value: str) -> str:
        bad = [p.strip() for p in value.split(",") if p.strip() and not p.strip().isdigit()]
        if bad:
            raise ValueError(f"`{bad[0]}` is not a server id: use the numeric ids (Developer Mode → Copy Server ID), "
                             "comma-separated.")
        return value

    def discord_guilds(self) -> list[int]:
        return [int(p) for p in self.discord_guild_ids.split(",") if p.strip()]

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value):
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("grace", mode="before")
    @classmethod
    def _duration(cls, value):
        if isinstance(value, str):
            try:
                return parse_duration(value)
            except BadValue as exc:
                raise ValueError(str(exc)) from None
        return value

    def extra_content(self) -> list[Path]:
        return [Path(p.strip()) for p in self.content_dirs.split(",") if p.strip()]

    @classmethod
    def variable(cls, name: str) -> str:
        """The environment variable a setting is read from (the first of its names)."""
        alias = cls.model_fields[name].validation_alias
        return alias.choices[0] if isinstance(alias, AliasChoices) else f"STUDYBOT_{name.upper()}"

    def slack_admins(self) -> frozenset[str]:
        return frozenset(p.strip() for p in (self.slack_admin_user_ids or "").split(",") if p.strip())

    def require(self, *names: str) -> list[str]:
        """The secret values for these settings, or one ConfigError naming every missing variable."""
        missing = [self.variable(n) for n in names if getattr(self, n) is None]
        if missing:
            raise ConfigError(f"Missing setting{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
                              "(set in the environment or in .env; see .env.example).")
        return [getattr(self, n).get_secret_value() for n in names]


def load_settings(**overrides) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [f"{_variable_at(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        raise ConfigError("Bad setting: " + "; ".join(problems)) from None


def _variable_at(loc: tuple) -> str:
    """An error's location as the variable the user set: a field name, or the alias it was read from."""
    name = "_".join(map(str, loc))
    return Settings.variable(name) if name in Settings.model_fields else name.upper()
