"""Issuing receipts: gapless numbering, signing and storing in one transaction; cancel, replace."""
