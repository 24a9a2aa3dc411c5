"""Development tools that stand in for outside parties on one machine; never used in production."""
