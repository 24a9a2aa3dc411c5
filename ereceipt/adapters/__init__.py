"""Adapters: one module per outside party (portal, banks, treasury, notifications)."""
