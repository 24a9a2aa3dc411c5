"""The signer record: which certificates may sign which issuer's receipts, and when (issuer binding)."""
