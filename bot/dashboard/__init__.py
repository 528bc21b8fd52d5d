"""The manager's dashboard: how the assistant and the hotline did over a period.

Modules, in the order they build on each other:

* :mod:`~bot.dashboard.period`: the period asked for (business-local days).
* :mod:`~bot.dashboard.figures`: the tables, from plain data (pure).
* :mod:`~bot.dashboard.sources`: that data, from the ticket database (analytics, handoffs,
  ratings) and from Rasa's tracker store (conversations without a broker, missed messages).
* :mod:`~bot.dashboard.csvfile`: a table as the CSV file a manager opens in Excel.

The console serves them (``bot.console.routes_dashboard``, manager role).
"""
