"""The action server: ``rasa run actions --actions bot.actions``."""

from bot.actions import (
    ask,
    cancel,
    centres,
    complaint,
    confirmation,
    fallback,
    greet,
    intake_form,
    photos,
    prices,
    rating,
    start_over,
    status,
    submit,
    ticket_cancel,
    warranty,
)

__all__ = [
    "ask",
    "cancel",
    "centres",
    "complaint",
    "confirmation",
    "fallback",
    "greet",
    "intake_form",
    "photos",
    "prices",
    "rating",
    "start_over",
    "status",
    "submit",
    "ticket_cancel",
    "warranty",
]
