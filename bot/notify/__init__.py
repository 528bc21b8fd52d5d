"""Notices to owners: ticket progress sent by WeChat, widget push or SMS, from the outbox.

The ticket store writes a notice in the caller's transaction (:mod:`bot.tickets.notices`;
every status change of :mod:`bot.tickets.history` does, and opted-out owners' notices are
written as skipped, :mod:`bot.tickets.optouts`). :mod:`~bot.notify.worker` delivers the due
ones with retries through the senders of :mod:`~bot.notify.wechat`, :mod:`~bot.notify.widget`
and :mod:`~bot.notify.sms`. ``python -m bot.notify deliver`` delivers once (operators).
"""
