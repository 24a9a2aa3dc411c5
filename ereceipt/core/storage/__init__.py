"""Storage (SQLAlchemy 2): engines, units of work, the model's base, audit trail, run claims."""
