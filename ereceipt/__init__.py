"""E-receipt gateway for Vietnam's civil judgment enforcement (biên lai điện tử thi hành án dân sự)."""

__version__ = "0.1.0"
