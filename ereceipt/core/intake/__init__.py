"""Bank intake (ISO 20022 camt.054/053): transfers receipted; held payments and dead letters."""
