"""ISO 20022: the streaming camt.052/053/054 parser for every version (hardened XML), the
camt.053 writer, XSD validation with the bundled schemas, bank transaction codes."""
