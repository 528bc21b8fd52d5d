"""Notices to owners: ticket progress sent by WeChat, widget push or SMS through an outbox.

:mod:`~bot.notify.outbox` writes a notice in the caller's transaction (every status change
of :mod:`bot.tickets.history` does), :mod:`~bot.notify.worker` delivers due notices with
retries through the senders of :mod:`~bot.notify.wechat`, :mod:`~bot.notify.widget` and
:mod:`~bot.notify.sms`; :mod:`~bot.notify.optout` keeps the owners who asked for none.
``python -m bot.notify deliver`` delivers once (operators).
"""

# bot.tickets.history imports bot.notify.outbox: load the ticket store first, so that
# importing bot.notify.* before bot.tickets finds the store complete.
import bot.tickets  # noqa: F401
