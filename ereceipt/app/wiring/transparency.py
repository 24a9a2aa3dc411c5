"""Wiring of the transparency log: its key, its published verifier key, the witness's."""

from __future__ import annotations

from ereceipt.app.wiring.once import once


class TransparencyParts:
    """The transparency-log room of ``Services``."""

    @once
    def log_signer(self):
        """The transparency log's key (``[transparency] log_key``), named by its origin."""
        from ereceipt.core.transparency.log_key import load_log_key

        log = self.settings.transparency
        return load_log_key(log.log_key, log.origin)

    def log_vkey(self) -> str | None:
        """The published verifier key of the log (the ``.vkey`` beside its key), or None if absent."""
        from ereceipt.core.transparency.log_key import vkey_path

        path = vkey_path(self.settings.transparency.log_key)
        return path.read_text().strip() + "\n" if path.exists() else None

    def witness_vkey(self) -> str | None:
        """The configured witness's verifier key (C2SP tlog-cosignature), or None when none is configured."""
        log = self.settings.transparency
        if not log.witness_url or not log.witness_vkey.exists():
            return None
        return log.witness_vkey.read_text().strip() + "\n"
