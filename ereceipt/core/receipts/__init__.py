"""The receipt register (Decree 123/2020/ND-CP art. 32): content, XML, PDF, tables, look-ups."""
