"""Content-addressed archive: every received file kept byte-for-byte under its SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.errors import LimitExceeded

CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Archived:
    sha256: str
    size: int
    path: Path


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def store(self, source: BinaryIO, *, max_bytes: int) -> Archived:
        """Copy a stream into the archive, hashing as it goes (memory flat in file size).

        The file appears under its final name only once complete (atomic rename), so a crash
        never leaves a truncated file where a good one is expected.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise LimitExceeded(
                            f"file is over the limit of {max_bytes} bytes",
                            field="size",
                            value=f">{max_bytes}",
                        )
                    digest.update(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            sha256 = digest.hexdigest()
            final = self.path_for(sha256)
            if final.exists():
                os.unlink(tmp_name)
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp_name, final)
                os.chmod(final, 0o444)
            return Archived(sha256=sha256, size=size, path=final)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def open(self, sha256: str) -> BinaryIO:
        return self.path_for(sha256).open("rb")

