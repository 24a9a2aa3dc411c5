"""Delivery: the transactional outbox and the payer's e-mail and SMS notices."""
