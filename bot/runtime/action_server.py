"""``python -m bot.runtime.action_server``: rasa_sdk's action server, locked.

rasa_sdk (``python -m rasa_sdk``) listens on 0.0.0.0 and runs any action for anyone, with any
tracker it is sent. This entry point starts the same server (same options: ``--actions``,
``--port`` ...) with:

- the address ``ACTION_HOST`` (``127.0.0.1`` by default);
- the shared secret ``ACTION_SERVER_TOKEN`` required on every route but ``/health``: as
  ``Authorization: Bearer <token>`` (added by :mod:`bot.runtime.action_auth` on Rasa's side)
  or as the query parameter ``token`` (an ``action_endpoint`` with ``token:``); 403 without
  it. It does not start without a secret;
- no CORS (only Rasa calls it) unless ``--cors`` is given;
- request bodies up to ``ACTION_MAX_REQUEST_BYTES`` (413 above);
- each action run in a worker thread (:mod:`bot.runtime.action_threads`), so a slow ticket
  database delays only the conversations that need it;
- the retrier of tickets kept while the database was down (:mod:`bot.tickets.retrier`);
- personal data masked in every log record (:mod:`bot.runtime.log_masking`).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.runtime.bearer import bearer_token, token_matches
from bot.runtime.request_limits import limit_app

logger = logging.getLogger(__name__)

#: Routes open without the secret (rasa_sdk's health check).
OPEN_PATHS = frozenset({"/health"})
#: The query parameter Rasa sends an ``action_endpoint``'s ``token:`` as (its default name).
TOKEN_PARAM = "token"


def request_token(request: Request) -> str | None:
    """The secret a request carries: bearer header first, else the ``token`` parameter."""
    header = bearer_token(request.headers.get("authorization"))
    return header if header is not None else request.args.get(TOKEN_PARAM)


def create_app(
    actions: str, token: str, max_body: int, cors_origins: str | list[str] | None = None
) -> Sanic:
    """rasa_sdk's app for the actions of ``actions``, requiring ``token`` and body limits.

    Raises:
        ValueError: ``token`` is empty.
    """
    from rasa_sdk.endpoint import create_app as create_sdk_app

    from bot.courier import sync as courier_sync
    from bot.runtime import action_threads
    from bot.tickets import retrier

    if not token:
        raise ValueError("the action server needs a secret (ACTION_SERVER_TOKEN)")
    action_threads.install()
    app = create_sdk_app(actions, cors_origins=cors_origins)
    limit_app(app, max_body)
    retrier.attach(app)
    courier_sync.attach(app)  # after-sales: pickup (bookings the courier has not taken)

    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or token_matches(request_token(request), token):
            return None
        logger.warning(
            "action server: %s %s refused (no valid token)", request.method, request.path
        )
        return response.json(
            {"error": "missing or wrong action server token (ACTION_SERVER_TOKEN)"}, status=403
        )

    app.register_middleware(require_token, "request")
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Parse rasa_sdk's options, then serve the actions on ``ACTION_HOST`` with the secret."""
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_argument_parser, create_ssl_context
    from rasa_sdk.plugin import plugin_manager

    from bot.runtime import log_masking
    from bot.settings import get_settings

    log_masking.install()
    args = create_argument_parser().parse_args(argv)
    settings = get_settings()
    if not settings.action_server_token:
        print(
            "ACTION_SERVER_TOKEN is not set: the action server runs only with a secret shared "
            "with Rasa (scripts/run.sh makes one per run; or `export ACTION_SERVER_TOKEN="
            "$(openssl rand -hex 32)`).",
            file=sys.stderr,
        )
        return 2
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()

    app = create_app(
        args.actions,
        settings.action_server_token,
        settings.action_max_request_bytes,
        cors_origins=args.cors,
    )
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    ssl = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    host = settings.action_host
    workers = utils.number_of_sanic_workers()
    served: list[bool] = []

    async def mark_served(*_: object) -> None:
        served.append(True)

    app.register_listener(mark_served, "after_server_start")
    logger.info("action server on %s://%s:%s", "https" if ssl else "http", host, args.port)
    app.run(host, args.port, ssl=ssl, workers=workers)
    # Sanic logs a failed start (an address it cannot bind ...) and returns: exit 1 then, so
    # that scripts/run.sh reports it (with one worker the listener ran in this process).
    return 0 if served or workers > 1 else 1


if __name__ == "__main__":
    sys.exit(main())
