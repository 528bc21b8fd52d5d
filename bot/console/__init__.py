"""Agent console of the human handoff: accounts, sign-in and the web app."""
