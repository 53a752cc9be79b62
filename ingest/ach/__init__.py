"""NACHA ACH files: streaming reader (`detect`, `iter_records`), `explain` (why a file that
looks like NACHA is not detected) and writer (`write_file`).

Layout: records.py (file and batch records), entries.py (entry detail records), addenda.py
(type 7 addenda), fields.py (columns, field errors), codes.py (code tables), physical.py
(detection, bytes cut into 94-character records), reader.py (record stream and controls),
mapping.py (to Statement/Entry/Transaction), x12.py (CTX remittance and RMR invoices),
writer.py (input model and file writer).
"""

from ingest.ach.physical import explain
from ingest.ach.reader import detect, iter_records
from ingest.ach.writer import BatchSpec, ChangeSpec, EntrySpec, ReturnSpec, write_file

__all__ = [
    "BatchSpec",
    "ChangeSpec",
    "EntrySpec",
    "ReturnSpec",
    "detect",
    "explain",
    "iter_records",
    "write_file",
]
