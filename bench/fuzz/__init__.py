"""Fuzzing of the parsers and the inbound surfaces (``make bench-fuzz``): see ``__main__``."""
