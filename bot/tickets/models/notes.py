"""Internal notes of agents on a handoff or a ticket (table ``internal_notes``).

Notes are for colleagues only: they are never written to the conversation's tracker, never
sent on the owner's channel and never read by the bot's progress answers.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Text

from bot.tickets.models.base import Base, UTCDateTime, in_check

#: What a note records: a plain note, or the transfer of a chat to another agent.
NOTE_KINDS: tuple[str, ...] = ("note", "transfer")
#: Longest note text, in characters.
NOTE_TEXT_MAX = 2000


class InternalNote(Base):  # type: ignore[misc]
    """A note on exactly one handoff or one ticket; ``transfer`` notes name the new holder."""

    __tablename__ = "internal_notes"
    __table_args__ = (
        CheckConstraint(in_check("kind", NOTE_KINDS), name="kind"),
        CheckConstraint("(handoff_id IS NULL) <> (ticket_id IS NULL)", name="one_target"),
        CheckConstraint("kind <> 'transfer' OR to_agent_id IS NOT NULL", name="transfer_to"),
    )

    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=True, index=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=True, index=True)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=False)
    kind = Column(String(8), nullable=False)
    to_agent_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
