"""Tables of the notices to owners: the outbox of progress notices, and the opt-outs."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer, String, Text

from bot.tickets.models.base import Base, UTCDateTime, in_check

#: How a notice reaches an owner: WeChat template message, widget push, SMS.
NOTICE_CHANNELS: tuple[str, ...] = ("wechat", "web", "sms")
#: Every status of an outbox row.
NOTICE_STATUSES: tuple[str, ...] = ("pending", "sent", "failed", "skipped")
#: Status of a notice still to be delivered.
NOTICE_PENDING = "pending"


class NoticeOutbox(Base):  # type: ignore[misc]
    """One notice to the owner of a ticket, waiting for or done with delivery (``notice_outbox``).

    Written in the transaction of the change it tells about (``bot.tickets.notices``), delivered
    by ``bot.notify.worker``. ``params`` are the template's values (the text is made from
    ``bot/data/catalog/notices.yml`` when sent). ``recipient`` is the WeChat openid, the
    widget's session id or a phone number, as ``channel`` says; a widget notice whose
    session is not connected becomes an SMS to the ticket's contact phone. ``attempts``
    counts delivery tries; ``next_attempt_at`` is when the row is due (also the lease of a
    worker that claimed it). ``skipped`` rows were not sent because the owner opted out.
    """

    __tablename__ = "notice_outbox"
    __table_args__ = (
        CheckConstraint(in_check("channel", NOTICE_CHANNELS), name="channel"),
        CheckConstraint(in_check("status", NOTICE_STATUSES), name="status"),
        Index("ix_notice_outbox_due", "status", "next_attempt_at"),
    )

    id = Column(Integer, primary_key=True)
    ticket_id = Column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    event = Column(String(64), nullable=False)
    params = Column(JSON, nullable=False)
    channel = Column(String(16), nullable=False)
    recipient = Column(String(255), nullable=False)
    status = Column(String(16), nullable=False, default=NOTICE_PENDING)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False)
    last_error = Column(Text, nullable=True)
    created_at = Column(UTCDateTime, nullable=False)
    sent_at = Column(UTCDateTime, nullable=True)


class NoticeOptOut(Base):  # type: ignore[misc]
    """An owner who asked for no more notices (``notice_opt_outs``).

    Keyed by the conversation (input channel and sender id) the owner asked in: every
    ticket of that conversation gets no notice on any channel while the row exists.
    Opting in again deletes the row.
    """

    __tablename__ = "notice_opt_outs"

    channel = Column(String(32), primary_key=True)
    sender_id = Column(String(255), primary_key=True)
    created_at = Column(UTCDateTime, nullable=False)
