"""The Docker image: every package the wheel installs is copied into the build (always
checked, by reading the Dockerfile and pyproject.toml), and, where a Docker daemon answers,
the image builds and serves /healthz."""

from __future__ import annotations

import fnmatch
import json
import shlex
import shutil
import subprocess
import time
import tomllib
import urllib.request
import uuid
from pathlib import Path

import pytest
from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parents[1]


def copied_paths(dockerfile: str) -> set[str]:
    """The build-context sources of every COPY/ADD line (flags such as --chown dropped; a
    `--from=` stage copies from another image, not the context)."""
    text = dockerfile.replace("\\\n", " ")
    sources: set[str] = set()
    for line in text.splitlines():
        words = line.strip().split(None, 1)
        if len(words) < 2 or words[0].upper() not in ("COPY", "ADD"):
            continue
        rest = words[1].strip()
        args = json.loads(rest) if rest.startswith("[") else shlex.split(rest)
        flags = [a for a in args if a.startswith("--")]
        if any(f.startswith("--from") for f in flags):
            continue
        paths = [a for a in args if not a.startswith("--")]
        sources |= {p.rstrip("/").removeprefix("./") for p in paths[:-1]}
    return sources


def wheel_needs(pyproject: dict, root: Path) -> set[str]:
    """What `pip install .` reads from the context: pyproject.toml, the readme, and the
    top-level directory of every package `[tool.setuptools.packages.find]` includes (their
    package data lives inside them)."""
    find = pyproject["tool"]["setuptools"]["packages"]["find"]
    # setuptools' pyproject default is namespaces = true: find_namespace_packages.
    packages = find_namespace_packages(where=str(root), include=find["include"],
                                       exclude=find.get("exclude", ()))
    needed = {"pyproject.toml", *(p.split(".")[0] for p in packages)}
    readme = pyproject["project"].get("readme")
    if readme:
        needed.add(readme if isinstance(readme, str) else readme["file"])
    for package in pyproject["tool"]["setuptools"].get("package-data", {}):
        needed.add(package.split(".")[0])
    return needed


def missing_from_image(
    dockerfile: str, dockerignore: str, pyproject: dict, root: Path
) -> list[str]:
    copied = copied_paths(dockerfile)
    ignored = [p.strip() for p in dockerignore.splitlines() if p.strip() and not p.startswith("#")]
    missing = []
    for path in sorted(wheel_needs(pyproject, root)):
        # A directory copied whole, or a file or directory itself; "." copies everything.
        if not ({".", path} & copied) or any(fnmatch.fnmatch(path, pat) for pat in ignored):
            missing.append(path)
    return missing


def _read() -> tuple[str, str, dict]:
    return ((ROOT / "Dockerfile").read_text(), (ROOT / ".dockerignore").read_text(),
            tomllib.loads((ROOT / "pyproject.toml").read_text()))


def test_every_package_of_the_wheel_is_copied_into_the_image() -> None:
    dockerfile, dockerignore, pyproject = _read()
    needs = wheel_needs(pyproject, ROOT)
    assert {"core", "ledger", "server", "cli", "ui", "README.md", "pyproject.toml"} <= needs
    assert missing_from_image(dockerfile, dockerignore, pyproject, ROOT) == []


def test_a_package_left_out_of_the_dockerfile_is_named() -> None:
    dockerfile, dockerignore, pyproject = _read()
    without = "\n".join(
        line for line in dockerfile.splitlines() if line != "COPY receivables receivables")
    assert without != dockerfile
    assert missing_from_image(without, dockerignore, pyproject, ROOT) == ["receivables"]
    # Copied but excluded from the build context is missing too.
    ignoring_md = dockerignore + "\n*.md\n"
    assert missing_from_image(dockerfile, ignoring_md, pyproject, ROOT) == ["README.md"]
    joined = dockerfile.replace("COPY server server", "COPY --chown=10001 server \\\n  web ./")
    assert "server" in copied_paths(joined) and "web" in copied_paths(joined)


def test_compose_starts_remit_on_a_healthy_postgresql() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    db, remit = compose["services"]["db"], compose["services"]["remit"]
    assert db["image"].startswith("postgres") and "pg_isready" in str(db["healthcheck"]["test"])
    assert remit["build"] == "." and remit["depends_on"]["db"]["condition"] == "service_healthy"
    env = remit["environment"]
    url = env["REMIT_DATABASE_URL"]
    assert url.startswith("postgresql://") and "@db:5432/" in url
    # The secret must be given: production mode refuses the development default.
    assert env["REMIT_SECRET_KEY"].startswith("${REMIT_SECRET_KEY:?")
    assert any(v.endswith(":/var/lib/remit") for v in remit["volumes"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])


def _docker_ready() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _docker_ready(), reason="no Docker daemon (docker info fails)")
def test_the_image_builds_and_serves_healthz() -> None:
    tag = f"remit-test:{uuid.uuid4().hex[:12]}"
    subprocess.run(["docker", "build", "-q", "-t", tag, str(ROOT)], check=True, timeout=1800)
    container = ""
    try:
        # The image's defaults alone: SQLite on the volume, migrated on start.
        container = subprocess.run(
            ["docker", "run", "-d", "-p", "127.0.0.1::8000", tag],
            check=True, capture_output=True, text=True, timeout=60,
        ).stdout.strip()
        port = subprocess.run(["docker", "port", container, "8000/tcp"], check=True,
                              capture_output=True, text=True).stdout.split(":")[-1].strip()
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    assert json.load(r) == {"status": "ok", "database": "ok"}
                    break
            except OSError:
                if time.monotonic() > deadline:
                    logs = subprocess.run(["docker", "logs", container],
                                          capture_output=True, text=True)
                    pytest.fail(f"/healthz never answered:\n{logs.stdout}\n{logs.stderr}")
                time.sleep(1)
    finally:
        if container:
            subprocess.run(["docker", "rm", "-f", container], capture_output=True)
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
