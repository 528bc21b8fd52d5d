"""One typed settings object, read from the environment."""

from __future__ import annotations

import datetime as dt
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

    class Config:
        """Read plain upper-case variable names."""

        env_prefix = ""
        case_sensitive = False

    @validator("environment")
    def _known_environment(cls, value: str) -> str:
        if value not in {"development", "test", "production"}:
            raise ValueError("ENVIRONMENT must be development, test or production")
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
