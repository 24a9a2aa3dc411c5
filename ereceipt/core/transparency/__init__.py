"""The public transparency log of receipt events (RFC 9162 Merkle tree, C2SP checkpoints and tiles)."""
