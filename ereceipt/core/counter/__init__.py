"""Counter intake: scans read by OCR, drafts entered and corrected, approved by a second officer."""
