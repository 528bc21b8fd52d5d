"""The action server: ``rasa run actions --actions bot.actions``."""

from bot.actions import ask, cancel, confirmation, intake_form, status, submit, warranty

__all__ = ["ask", "cancel", "confirmation", "intake_form", "status", "submit", "warranty"]
