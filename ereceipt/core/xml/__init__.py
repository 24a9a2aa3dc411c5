"""Outside XML (W3C XML 1.0, C14N): the one hardened parser, values read as signed, our XSDs."""
