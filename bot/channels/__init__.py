"""Rasa input channels of the assistant (web widget, WeChat)."""
