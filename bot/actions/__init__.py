"""The action server: ``rasa run actions --actions bot.actions``."""

from bot.actions import cancel, confirmation, intake_form, status, submit, warranty

__all__ = ["cancel", "confirmation", "intake_form", "status", "submit", "warranty"]
