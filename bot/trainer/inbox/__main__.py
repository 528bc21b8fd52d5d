"""``python -m bot.trainer.inbox export|import``: see :mod:`bot.trainer.inbox.cli`."""

from bot.trainer.inbox.cli import main

raise SystemExit(main())
