"""One typed settings object, read from the environment."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseSettings, Field, validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime configuration; every field can be set with an environment variable.

    Variables are upper-case field names (``DATABASE_URL``, ``VAR_DIR``, ...).
    """

    environment: str = Field("development", description="development | test | production")
    var_dir: Path = Field(PROJECT_ROOT / "var", description="Where SQLite files and spools live")
    database_url: str = Field(
        "", description="SQLAlchemy URL of the ticket store; SQLite in VAR_DIR when empty"
    )
    timezone: str = Field("Asia/Shanghai", description="Business time zone for dates")
    ticket_prefix: str = Field("R", description="First letter of ticket numbers")
    db_connect_timeout: int = Field(5, description="Seconds before a database connect fails")
    handoff_working_hours: str = Field(
        "",
        description="Agents' hours every day, e.g. 08:00-22:00 or 00:00-24:00; "
        "empty: the hours in bot/data/catalog/handoff.yml",
    )
    wechat_api_base_url: str = Field(
        "https://api.weixin.qq.com", description="WeChat API base URL (a local fake in tests)"
    )
    wechat_reply_deadline: float = Field(
        4.0, description="Seconds to wait for the bot before replying 'success' (WeChat allows 5)"
    )
    wechat_http_timeout: float = Field(5.0, description="Seconds before a WeChat API call fails")
    wechat_dedup_ttl: int = Field(300, description="Seconds a WeChat MsgId is remembered")
    wechat_choice_ttl: int = Field(
        3600, description="Seconds numbered button choices stay valid for a WeChat user"
    )
    wechat_max_input_chars: int = Field(
        2000, description="Longer WeChat messages are cut to this many characters"
    )
    wechat_redis_url: str = Field(
        "",
        description="Redis URL shared by several Rasa servers for WeChat retries, numbered "
        "choices and the access token; empty keeps them in the process",
    )

    class Config:
        """Read plain upper-case variable names."""

        env_prefix = ""
        case_sensitive = False

    @validator("environment")
    def _known_environment(cls, value: str) -> str:
        if value not in {"development", "test", "production"}:
            raise ValueError("ENVIRONMENT must be development, test or production")
        return value

    @validator("wechat_api_base_url")
    def _plain_base_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("WECHAT_API_BASE_URL must be an http(s) URL")
        return value.rstrip("/")

    @validator("handoff_working_hours")
    def _hours(cls, value: str) -> str:
        text = value.strip()
        match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-(([01]\d|2[0-3]):[0-5]\d|24:00)", text)
        if text and (not match or text[:5] >= text[6:]):
            raise ValueError("HANDOFF_WORKING_HOURS must be HH:MM-HH:MM, start before end")
        return text

    @validator("wechat_reply_deadline")
    def _within_wechat_limit(cls, value: float) -> float:
        if not 0 < value < 5:
            raise ValueError("WECHAT_REPLY_DEADLINE must be between 0 and 5 seconds")
        return value

    @validator("wechat_redis_url")
    def _redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                "WECHAT_REDIS_URL must be empty (state kept in the process) or a "
                "redis://, rediss:// or unix:// URL"
            )
        return value

    @property
    def ticket_database_url(self) -> str:
        """The ticket store URL: ``DATABASE_URL`` or SQLite under ``VAR_DIR``."""
        return self.database_url or f"sqlite:///{self.var_dir / 'tickets.db'}"

    @property
    def tz(self) -> ZoneInfo:
        """The business time zone."""
        return ZoneInfo(self.timezone)

    def today(self) -> dt.date:
        """Today's date in the business time zone."""
        return dt.datetime.now(self.tz).date()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()  # type: ignore[call-arg]  # every field has a default
