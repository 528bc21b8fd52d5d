"""The web chat widget: Rasa's socket.io channel plus the widget, a demo page and photo uploads.

Enable it in ``credentials.yml`` with the key ``bot.channels.web.WebChatInput``; the widget is
then served on the Rasa port under ``/webhooks/socketio/`` (demo page: ``/webhooks/socketio/demo``).
"""

from bot.channels.web.channel import WebChatInput

__all__ = ["WebChatInput"]
