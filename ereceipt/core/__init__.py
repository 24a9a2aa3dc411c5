"""The receipt engine: storage, numbering, receipt XML, XAdES signing and verification; no network code."""
