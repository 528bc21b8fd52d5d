"""``python -m bot.cluster run``: see :mod:`bot.cluster.run`."""

from bot.cluster.run import main

raise SystemExit(main())
