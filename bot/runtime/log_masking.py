"""Personal data out of every log record: phones, IMEIs, serial numbers, session ids, tokens.

:func:`install` replaces logging's record factory (``logging.setLogRecordFactory``), so the
masking does not depend on handlers, formatters or filters, which Rasa (``configure_logging``,
coloredlogs, structlog) and Sanic (``dictConfig`` of its loggers when an app is created)
replace at startup: every record any logger creates is a :class:`MaskedLogRecord`.

- At creation: the message is formatted with its arguments and masked (``args`` emptied),
  the exception is rendered into ``exc_text`` and masked (``exc_info`` dropped, so no
  formatter renders the raw exception again: SQL parameters, driver messages), and so is
  ``stack_info``.
- At formatting (``getMessage``, which every formatter calls first): the ``extra`` fields
  logging adds after creation are masked, e.g. the URL of Sanic's access log line.

What is masked is :func:`bot.intake.masking.mask_personal_data`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.intake.masking import mask_personal_data

RecordFactory = Callable[..., logging.LogRecord]

#: Attributes every record has; anything else on a record came with ``extra=``.
_STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", logging.INFO, "", 0, "", None, None).__dict__
) | {"message", "asctime", "taskName", "_masked_extras"}

_original_factory: RecordFactory | None = None


def _render_exception(exc_info: Any) -> str:
    return logging.Formatter().formatException(exc_info)


def mask_record_fields(record: logging.LogRecord) -> None:
    """Mask ``record``'s message, arguments, exception and stack in place."""
    try:
        message = str(record.msg) % record.args if record.args else str(record.msg)
    except Exception:  # a bad format string: keep both, masked, instead of failing later
        message = f"{record.msg!s} {record.args!r}"
    record.msg = mask_personal_data(message)
    record.args = ()
    if record.exc_info:
        if not record.exc_text and record.exc_info[0] is not None:
            record.exc_text = _render_exception(record.exc_info)
        record.exc_info = None
    if record.exc_text:
        record.exc_text = mask_personal_data(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_personal_data(record.stack_info)


def mask_record_extras(record: logging.LogRecord) -> None:
    """Mask the text fields ``record`` was given with ``extra=`` (once)."""
    if record.__dict__.get("_masked_extras"):
        return
    for name, value in list(record.__dict__.items()):
        if name not in _STANDARD_ATTRIBUTES and isinstance(value, str):
            record.__dict__[name] = mask_personal_data(value)
    record.__dict__["_masked_extras"] = True


class MaskedLogRecord(logging.LogRecord):
    """A log record whose text fields are masked (see the module documentation)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mask_record_fields(self)

    def getMessage(self) -> str:  # logging's name
        """The masked message; masks the ``extra`` fields first, for the formatter."""
        mask_record_extras(self)
        return mask_personal_data(super().getMessage())


def _factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    previous = _original_factory
    if previous is None or previous is logging.LogRecord:
        return MaskedLogRecord(*args, **kwargs)
    record = previous(*args, **kwargs)  # another library's record class: mask what exists
    mask_record_fields(record)
    return record


def install() -> None:
    """Mask personal data in every log record of this process from now on (idempotent).

    Call it first thing in a process's entry point, before Rasa or Sanic configure logging
    (they may, they cannot undo it). Worker processes forked later inherit it.
    """
    global _original_factory
    current = logging.getLogRecordFactory()
    if current is _factory:
        return
    _original_factory = current
    logging.setLogRecordFactory(_factory)


def installed() -> bool:
    """Whether :func:`install` is in effect."""
    return logging.getLogRecordFactory() is _factory


def uninstall() -> None:
    """Restore the record factory :func:`install` replaced (for tests)."""
    global _original_factory
    if installed():
        logging.setLogRecordFactory(_original_factory or logging.LogRecord)
    _original_factory = None
