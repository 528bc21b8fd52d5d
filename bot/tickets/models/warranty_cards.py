"""Electronic warranty cards: the brand's activation record of each IMEI (``warranty_cards``).

Imported from the brand's CSV export by the admin CLI (``import-warranty-cards``). When a
device has a card, its activation date is where the warranty and the 三包 periods start,
whatever purchase date the owner remembers.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, String

from bot.tickets.models.base import Base, UTCDateTime


class WarrantyCard(Base):  # type: ignore[misc]
    """The activation record of one device (table ``warranty_cards``, one row per IMEI)."""

    __tablename__ = "warranty_cards"

    id = Column(Integer, primary_key=True)
    imei = Column(String(64), nullable=False, unique=True)
    device_model_id = Column(String(64), nullable=False)
    activated_on = Column(Date, nullable=False)
    source = Column(String(64), nullable=False)
    imported_at = Column(UTCDateTime, nullable=False)
