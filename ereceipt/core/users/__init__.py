"""Admin page users (OWASP ASVS 4.0 V2): accounts, roles, password hashes, lock-out."""
