"""Bank files in: format detection, the parsers of BAI2, NACHA ACH, lockbox and OFX (pure
functions of bytes), the file registry and byte-for-byte archive, inbox and SFTP transport."""
