"""Server-runtime concerns: the cross-process lock store and the Sanic worker count."""
