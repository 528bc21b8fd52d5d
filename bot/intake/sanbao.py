"""三包 rules for mobile phones: which options (return, exchange, repair) an owner has.

《移动电话机商品修理更换退货责任规定》, as configured in ``sanbao.yml``
(:mod:`bot.catalog.sanbao`):

- a performance fault within ``return_days`` of purchase: return, exchange or repair;
- within ``exchange_days``: exchange or repair;
- within the part's repair period: repair (free);
- damage (liquid, physical) or a fault category that is never covered: none of them.

Days count from the day after the purchase (民法典 art. 201): bought on 1 December, 8
December is day 7, the last day of a 7-day return. Repair periods in months follow the
brand warranty's convention (:func:`bot.intake.warranty.coverage_end`). Only a purchase
date known to the day (or an activation date) can open a return or an exchange.

Pure: no Rasa, SDK or database imports.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

from bot.catalog import DamageKind, Fault
from bot.catalog.sanbao import MAIN_UNIT, SanbaoCatalogue, SanbaoPart
from bot.intake.normalize import to_halfwidth
from bot.intake.warranty import coverage_end

__all__ = ["SanbaoAssessment", "SanbaoPeriod", "assess_sanbao", "remedy_named", "repair_months"]

# An option word right after one of these is declined, not chosen: "不退货", "不要换新".
_DECLINED = re.compile(r"(?:不|别|不要|不想|不用|没)$")

RETURN, EXCHANGE, REPAIR = "return", "exchange", "repair"


class SanbaoPeriod(str, Enum):
    """The 三包 period a fault falls in, or why none applies."""

    RETURN = "return"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    EXPIRED = "expired"
    EXCLUDED = "excluded"
    UNKNOWN_DATE = "unknown_date"


@dataclass(frozen=True)
class SanbaoAssessment:
    """Outcome of :func:`assess_sanbao`.

    Attributes:
        period: The period that applies.
        remedies: The options open to the owner, strongest first (ids of
            :data:`bot.catalog.sanbao.REMEDY_IDS`); empty outside the three periods.
        part: The part the fault concerns.
        days: Days since the start (purchase or activation); None when unknown.
        repair_until: Last day of the part's repair period; None when the start is unknown.
    """

    period: SanbaoPeriod
    remedies: tuple[str, ...]
    part: SanbaoPart
    days: int | None
    repair_until: dt.date | None

    @property
    def has_choice(self) -> bool:
        """Whether the owner chooses between options (a return or an exchange is open)."""
        return len(self.remedies) > 1

    def days_left(self, remedy: str) -> int | None:
        """Days after today in which ``remedy`` (a return or an exchange) is still open.

        0 on the last day; None when the option is not open.
        """
        if remedy not in self.remedies or self.days is None:
            return None
        if remedy == RETURN:
            return self.part.return_days - self.days
        if remedy == EXCHANGE:
            return self.part.exchange_days - self.days
        return None


def repair_months(part: SanbaoPart, device_warranty_months: int) -> int:
    """The repair period of ``part``: the longer of the national one and the brand's.

    Args:
        part: The part.
        device_warranty_months: The phone's own warranty (the main unit's brand period).
    """
    brand = device_warranty_months if part.id == MAIN_UNIT else part.brand_months
    return max(part.repair_months, brand or 0)


def assess_sanbao(
    *,
    start: dt.date | None,
    exact: bool,
    today: dt.date,
    part: SanbaoPart,
    device_warranty_months: int,
    fault: Fault,
    damage: DamageKind | None,
) -> SanbaoAssessment:
    """Decide which 三包 options an owner has.

    Args:
        start: Purchase date, or the warranty card's activation date; None when unknown.
        exact: Whether ``start`` is known to the day (an activation date always is).
        today: The reference day.
        part: The part the fault concerns (``SanbaoCatalogue.part_for_fault``).
        device_warranty_months: The phone's own warranty.
        fault: The fault category.
        damage: Damage detected in the description (:func:`bot.intake.warranty.detect_damage`).

    Returns:
        The assessment; rules in order: damage or an uncovered category, unknown start,
        return, exchange, repair, expired.
    """
    until = (
        None if start is None else coverage_end(start, repair_months(part, device_warranty_months))
    )
    days = None if start is None else (today - start).days
    if damage is not None or fault.damage is not None or not fault.covered:
        return SanbaoAssessment(SanbaoPeriod.EXCLUDED, (), part, days, until)
    if days is None or until is None or days < 0:
        return SanbaoAssessment(SanbaoPeriod.UNKNOWN_DATE, (), part, days, until)
    if exact and days <= part.return_days:
        return SanbaoAssessment(SanbaoPeriod.RETURN, (RETURN, EXCHANGE, REPAIR), part, days, until)
    if exact and days <= part.exchange_days:
        return SanbaoAssessment(SanbaoPeriod.EXCHANGE, (EXCHANGE, REPAIR), part, days, until)
    if today <= until:
        return SanbaoAssessment(SanbaoPeriod.REPAIR, (REPAIR,), part, days, until)
    return SanbaoAssessment(SanbaoPeriod.EXPIRED, (), part, days, until)


def remedy_named(text: str, catalogue: SanbaoCatalogue) -> str | None:
    """The option an owner's answer names ("那就换货吧", "退了吧", "exchange"), or None.

    Matching is on half-width, lower-case text against each option's id, name and keywords;
    a keyword right after a negation ("不退货") does not count, and an answer naming two
    options ("退货还是换货") names none.

    Args:
        text: The owner's answer.
        catalogue: Supplies the options' keywords.
    """
    folded = to_halfwidth(text).lower()
    named: set[str] = set()
    for remedy in catalogue.remedies:
        for word in (remedy.id, *remedy.keywords):
            start = folded.find(word.lower())
            while start != -1:
                if not _DECLINED.search(folded[:start]):
                    named.add(remedy.id)
                start = folded.find(word.lower(), start + 1)
    return named.pop() if len(named) == 1 else None
