"""One typed settings object, read from the environment."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseSettings, Field, validator
from pydantic.fields import ModelField

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
    action_threads: int = Field(
        32,
        ge=1,
        le=1024,
        description="Worker threads of the action server: custom actions (and their database "
        "calls) run there, off its event loop; this many actions run at once",
    )
    ticket_spool_retry_seconds: float = Field(
        60.0,
        ge=1.0,
        le=3600.0,
        description="Seconds between two attempts of the action server to create the tickets "
        "kept in VAR_DIR/ticket_spool.db while the ticket store was down",
    )
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
    wechat_signature_max_age: int = Field(
        300,
        ge=30,
        description="Seconds a signed WeChat request's timestamp may be off from now; older "
        "(replayed) or future ones are refused. At most WECHAT_DEDUP_TTL, so a retry inside "
        "the window is recognised as one",
    )
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
    socketio_redis_url: str = Field(
        "",
        description="Redis URL through which several Rasa servers pass socket.io emits (an "
        "agent's reply, a push) to the server holding the user's socket; empty: only the "
        "workers of this machine share them (VAR_DIR/sio)",
    )
    rest_token: str = Field(
        "",
        description="Bearer token the REST channel requires (Authorization: Bearer <token>); "
        "empty: the channel is open in development and off in production",
    )
    action_host: str = Field(
        "127.0.0.1", description="Address the action server listens on (loopback by default)"
    )
    action_server_token: str = Field(
        "",
        description="Shared secret between Rasa and the action server; scripts/run.sh makes "
        "a random one per run when unset",
    )
    max_request_bytes: int = Field(
        1024 * 1024,
        ge=16 * 1024,
        le=100 * 1024 * 1024,
        description="Largest request body the Rasa server reads (Sanic's REQUEST_MAX_SIZE); "
        "streamed upload routes set their own limit",
    )
    action_max_request_bytes: int = Field(
        8 * 1024 * 1024,
        ge=64 * 1024,
        le=100 * 1024 * 1024,
        description="Largest request body (a tracker sent by Rasa) the action server reads",
    )
    ticket_verify_max_per_conversation: int = Field(
        5,
        ge=1,
        description="Failed ticket checks (ticket number + phone) a conversation may make "
        "within TICKET_VERIFY_CONVERSATION_WINDOW before it is locked out",
    )
    ticket_verify_conversation_window: int = Field(
        3600, ge=60, description="Seconds over which a conversation's failed checks count"
    )
    ticket_verify_max_per_ticket: int = Field(
        10,
        ge=1,
        description="Failed checks of one ticket number, from all conversations, within "
        "TICKET_VERIFY_TICKET_WINDOW before that number is locked out",
    )
    ticket_verify_ticket_window: int = Field(
        86400, ge=60, description="Seconds over which a ticket number's failed checks count"
    )
    ticket_access_ttl: int = Field(
        3600,
        ge=60,
        description="Seconds a successful check lets a conversation see (and cancel) the ticket",
    )
    phone_verifier: str = Field(
        "",
        description="Import path (module:Class) of a PhoneVerifier that sends SMS codes; "
        "empty: the matching contact phone alone proves a ticket",
    )
    widget_session_secret: str = Field(
        "",
        description="Key that signs the web widget's session tokens (HMAC-SHA256), the same "
        "on every Rasa server; empty: a random key kept in VAR_DIR/secrets (refused in "
        "production)",
    )
    widget_session_ttl_days: int = Field(
        30,
        ge=1,
        le=3650,
        description="Days a widget session token stays valid without the widget connecting",
    )
    widget_allowed_origins: str = Field(
        "",
        description="Comma-separated origins (https://www.brand.com) of the pages that embed "
        "the widget, or *; empty: * outside production (required in production)",
    )
    photo_retention_days: int = Field(
        90,
        ge=0,
        le=36500,
        description="Days a fault photo (and its sidecar) is kept in VAR_DIR/uploads; "
        "0 keeps photos forever",
    )

    console_allowed_origins: str = Field(
        "",
        description="Origins besides its own (the host it is reached at) that may use the "
        "agent console, e.g. https://admin.example.com, separated by commas",
    )
    console_cookie_secure: bool | None = Field(
        None,
        description="Mark the console's session cookie Secure: true, false, or empty for "
        "'when the request came over HTTPS' (always true in production)",
    )
    console_idle_minutes: float = Field(
        30.0,
        gt=0,
        le=480,
        description="Minutes without activity after which a console session ends",
    )
    console_signin_max_failures: int = Field(
        5, ge=1, le=1000, description="Failed console sign-ins of one username before a lockout"
    )
    console_signin_max_failures_per_address: int = Field(
        20,
        ge=1,
        le=100000,
        description="Failed console sign-ins from one client address (IPv6: its /64) "
        "before a lockout",
    )
    console_signin_window_minutes: float = Field(
        15.0, gt=0, le=10080, description="Minutes over which failed sign-ins count"
    )
    console_signin_lockout_minutes: float = Field(
        15.0, gt=0, le=10080, description="Minutes a locked username or address waits"
    )
    console_signin_concurrency: int = Field(
        2,
        ge=1,
        le=64,
        description="Password checks (scrypt, 16 MiB each) run at once per Rasa worker; "
        "further sign-ins wait",
    )
    forwarded_secret: str = Field(
        "",
        description="Secret of the trusted proxy's RFC 7239 Forwarded header (by= or "
        "secret=): Sanic then takes the client address and scheme from it",
    )
    proxies_count: int = Field(
        0,
        ge=0,
        le=10,
        description="Trusted proxies in front of Rasa that append to X-Forwarded-For "
        "(0: the header is ignored)",
    )
    real_ip_header: str = Field(
        "",
        description="Header in which the trusted proxy puts the client address, e.g. "
        "X-Real-IP; only set it when the proxy always overwrites it",
    )
    # --- courier pickup of mail-in repairs (bot/courier) ---
    courier_url: str = Field(
        "",
        description="Base URL of the courier's pickup API (bot/courier/http.py); empty: "
        "pickups are stored as pending and owners are told the courier will confirm later",
    )
    courier_token: str = Field(
        "", description="Bearer token sent to the courier's API (Authorization header)"
    )
    courier_timeout: float = Field(
        5.0, gt=0, le=60, description="Seconds before a call to the courier's API fails"
    )
    courier_webhook_secret: str = Field(
        "",
        description="HMAC-SHA256 key of the courier's event webhook "
        "(/webhooks/courier/events); empty: the webhook refuses every event",
    )
    courier_retry_seconds: float = Field(
        60.0,
        ge=1.0,
        le=3600.0,
        description="Seconds between two rounds of the action server sending pickups the "
        "courier has not taken yet (down, or COURIER_URL set later)",
    )
    courier_webhook_max_age: int = Field(
        300, ge=30, le=3600, description="Seconds a signed courier event's timestamp may be off"
    )
    # --- notices to owners (bot/notify) ---
    notify_interval_seconds: float = Field(
        15.0,
        ge=0,
        le=3600,
        description="Seconds between two deliveries of due notices by each Rasa worker; "
        "0: the Rasa server delivers none (run python -m bot.notify deliver instead)",
    )
    notify_batch_size: int = Field(
        50, ge=1, le=1000, description="Notices one delivery run claims at most per channel"
    )
    notify_max_attempts: int = Field(
        8, ge=1, le=100, description="Delivery attempts of a notice before it is failed"
    )
    notify_retry_base_seconds: float = Field(
        30.0,
        ge=1,
        le=86400,
        description="Wait before the second attempt of a notice; doubled after each failure",
    )
    notify_retry_max_seconds: float = Field(
        3600.0, ge=1, le=604800, description="Longest wait between two attempts of a notice"
    )
    notify_claim_seconds: float = Field(
        300.0,
        ge=10,
        le=86400,
        description="Seconds a claimed notice is held by one delivery run; a run that died "
        "leaves it due again after that",
    )
    notify_widget_wait_seconds: float = Field(
        120.0,
        ge=0,
        le=86400,
        description="Seconds a widget notice waits for the owner's widget to be open before "
        "it becomes an SMS to the ticket's contact phone",
    )
    wechat_notice_template_id: str = Field(
        "",
        description="Template id of the WeChat template message carrying notices (fields in "
        "bot/data/catalog/notices.yml); empty: WeChat notices wait in the outbox",
    )
    wechat_app_id: str = Field(
        "", description="AppID of the Official Account (also in credentials.yml's wechat)"
    )
    wechat_app_secret: str = Field(
        "", description="AppSecret of the Official Account (also in credentials.yml's wechat)"
    )
    sms_url: str = Field(
        "",
        description="URL of the SMS provider's send endpoint (bot/notify/sms.py); empty: SMS "
        "notices wait in the outbox",
    )
    sms_token: str = Field("", description="Bearer token sent to the SMS provider")
    sms_timeout: float = Field(
        5.0, gt=0, le=60, description="Seconds before a call to the SMS provider fails"
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

    @validator("courier_url")
    def _courier_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("COURIER_URL must be empty or an http(s) URL")
        return value.rstrip("/")

    @validator("sms_url")
    def _sms_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("SMS_URL must be empty or an http(s) URL")
        return value

    @validator("rest_token", "action_server_token", "widget_session_secret")
    def _secret(cls, value: str, field: ModelField) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"[\x21-\x7e]{16,512}", value):
            raise ValueError(
                f"{field.name.upper()} must be empty or 16 to 512 printable ASCII characters "
                "without spaces (e.g. `openssl rand -hex 32`)"
            )
        return value

    @validator("wechat_signature_max_age")
    def _within_dedup_window(cls, value: int, values: dict[str, object]) -> int:
        dedup_ttl = values.get("wechat_dedup_ttl")
        if isinstance(dedup_ttl, int) and value > dedup_ttl:
            raise ValueError("WECHAT_SIGNATURE_MAX_AGE must not exceed WECHAT_DEDUP_TTL")
        return value

    @validator("wechat_redis_url", "socketio_redis_url")
    def _redis_url(cls, value: str, field: ModelField) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                f"{field.name.upper()} must be empty (state kept in the process) or a "
                "redis://, rediss:// or unix:// URL"
            )
        return value

    @validator("widget_allowed_origins")
    def _origins(cls, value: str) -> str:
        origins = [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        for origin in origins:
            if origin != "*" and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?", origin):
                raise ValueError(
                    "WIDGET_ALLOWED_ORIGINS must be * or comma-separated origins such as "
                    f"https://www.brand.com (no path), not {origin!r}"
                )
        return ",".join(origins)

    @property
    def widget_origins(self) -> tuple[str, ...]:
        """The origins allowed to embed the widget (``("*",)`` for any)."""
        return tuple(self.widget_allowed_origins.split(",")) if self.widget_allowed_origins else ()

    @validator("phone_verifier")
    def _import_path(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", value):
            raise ValueError("PHONE_VERIFIER must be empty or module.path:ClassName")
        return value

    @validator("console_allowed_origins")
    def _console_origins(cls, value: str) -> str:
        from bot.console.origins import parse_allowed_origins  # pure, no SDK imports

        parse_allowed_origins(value)
        return value.strip()

    @validator("console_cookie_secure", pre=True)
    def _cookie_secure(cls, value: object, values: dict[str, object]) -> object:
        if isinstance(value, str) and value.strip().lower() in {"", "auto"}:
            value = None
        off = value is not None and str(value).strip().lower() in {"0", "false", "off", "no"}
        if values.get("environment") == "production" and off:
            raise ValueError(
                "CONSOLE_COOKIE_SECURE=false is refused in production: the console's "
                "session cookie must only travel over HTTPS"
            )
        return value

    @validator("real_ip_header")
    def _header_name(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"[A-Za-z0-9-]{1,64}", value):
            raise ValueError("REAL_IP_HEADER must be empty or a header name like X-Real-IP")
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
