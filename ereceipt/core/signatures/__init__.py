"""Signatures (ETSI EN 319 132 / 319 102-1): XAdES signing, strict verification, trust, keys."""
