"""The trainer's inbox: real user messages the bot struggled with, for annotation.

``python -m bot.trainer.inbox export`` (``make inbox``) reads every conversation from the
tracker store of an endpoints file (:mod:`~bot.trainer.inbox.source`) and writes the user
messages that fell back, had a low intent confidence or led to a handoff to a CSV file.
The trainer fills in the 标注意图 column; ``python -m bot.trainer.inbox import``
(``make inbox-import``) adds the annotated texts to the NLU file holding each intent.

Modules, in the order they build on each other:

* :mod:`~bot.trainer.inbox.events`: which user messages count and why.
* :mod:`~bot.trainer.inbox.masking`: placeholders for personal data, and the sample values
  put back on import.
* :mod:`~bot.trainer.inbox.build`: grouping messages into the inbox's rows.
* :mod:`~bot.trainer.inbox.csvfile`: the CSV file the trainer annotates.
* :mod:`~bot.trainer.inbox.importer`: checking an annotated file and adding its examples.
* :mod:`~bot.trainer.inbox.source`: conversations from Rasa's tracker store.
* :mod:`~bot.trainer.inbox.cli`: the ``export`` and ``import`` commands.

Choices:

* Everything here is pure (events, text and files in, plain data out); only the source module
  talks to Rasa's tracker store, so any store Rasa supports works and tests need no server.
* A message's reasons come from its turn: the events after it and before the next user
  message (``nlu_fallback``, a fallback action, ``action_handoff``, ``handoff_reason`` set).
  The rules are a fold of one event at a time with a small JSON-storable state
  (:func:`~bot.trainer.inbox.events.inbox_event`): the export, the dashboard's tracker-store
  fallback and the analytics consumer (``analytics_missed_messages``) all use it.
  Messages sent while the conversation is paused (the user talks to an agent) are skipped:
  the bot never answered them and they carry the most personal details.
* The predicted intent is the best intent other than ``nlu_fallback`` (the fallback
  classifier puts itself first in the ranking), with its FAQ key for the retrieval intent.
* Personal data is masked before anything is grouped or written: phone and ticket numbers,
  IMEIs and serial numbers in the shapes of ``bot/data/nlu/regex.yml`` (serial numbers also in
  lower case when they have four digits or more), and as a safety net any other run of seven
  digits or more (ID cards, bank cards, landlines) as ``[数字]``. Rows are grouped by the
  normalised masked text, so texts differing only in a number or punctuation are one row.
* Texts already in the training data or the held-out split are not exported, and importing a
  held-out text is refused: training on it would inflate ``make eval``.
* Import is all or nothing: every annotated row is checked first and one problem leaves
  every file unchanged. A placeholder becomes a fixed, valid sample value annotated as its
  entity (:data:`~bot.trainer.inbox.masking.SAMPLES`); ``[数字]`` has no entity and must be
  rewritten by the trainer.
* Cells starting with ``= + - @`` are written with a leading ``'`` so that Excel does not run
  user text as a formula; the quote is removed again on import.
"""
