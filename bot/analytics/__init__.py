"""Conversation analytics from Rasa's event broker, stored in the ticket database.

Rasa publishes every conversation event to RabbitMQ (``event_broker`` of the production
endpoints file); ``python -m bot.analytics.consume`` folds them into one row per
conversation (``analytics_conversations``): channel, intents, intakes and the tickets they
ended in, handoffs, fallbacks and the owner's rating; and the messages the bot struggled
with, masked (``analytics_missed_messages``), for the manager's dashboard.

- :mod:`bot.analytics.summary`: the pure fold of Rasa event dictionaries;
- :mod:`bot.analytics.messages`: broker messages to events, and their idempotency keys;
- :mod:`bot.analytics.store`: the tables, read and written with a caller's session;
- :mod:`bot.analytics.missed`: the missed messages' table;
- :mod:`bot.analytics.broker`: the endpoints file's broker settings, RabbitMQ topology;
- :mod:`bot.analytics.consumer`: the consumer, batches from RabbitMQ into the tables;
- :mod:`bot.analytics.consume`: the command that runs it.
"""
