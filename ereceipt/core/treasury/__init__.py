"""Treasury: daily collection reports and three-way reconciliation per account and day."""
