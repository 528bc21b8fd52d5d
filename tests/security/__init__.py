"""Attack tests for issue 15: each performs an attack and shows it now fails."""
