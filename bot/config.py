"""Settings from the environment and `.env` (pydantic-settings). Tokens are SecretStr: never logged."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .core.clock import BadValue, parse_duration


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STUDYBOT_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore")

    database: Path = Path("studybot.db")
    content_dirs: str = ""  # extra content folders, comma-separated, loaded after the bundled bank
    grace: timedelta = timedelta(hours=6)
    log_level: str = "INFO"
    discord_token: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None

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

    def require(self, *names: str) -> list[str]:
        """The secret values for these settings, or one ConfigError naming every missing variable."""
        missing = [f"STUDYBOT_{n.upper()}" for n in names if getattr(self, n) is None]
        if missing:
            raise ConfigError(f"Missing setting{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
                              "(set in the environment or in .env; see .env.example).")
        return [getattr(self, n).get_secret_value() for n in names]


def load_settings(**overrides) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [f"STUDYBOT_{'_'.join(map(str, e['loc'])).upper()}: {e['msg'].removeprefix('Value error, ')}"
                    for e in exc.errors()]
        raise ConfigError("Bad setting: " + "; ".join(problems)) from None
