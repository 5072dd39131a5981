"""Shared helpers: write a site into a temp folder, build it through the real CLI."""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tensorpress.cli import main

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/fixtures/golden/expected from the current build",
    )


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.err.splitlines()


class Site:
    """A site folder in a temp dir, with helpers to write posts and build."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys
        (root / "content").mkdir(parents=True, exist_ok=True)

    def write(self, rel: str, text: str | bytes, *, dedent: bool = True) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n") if dedent else text, "utf-8")
        return path

    def post(self, name: str, body: str = "Hello.", **meta: object) -> Path:
        front = "".join(f"{k}: {v}\n" for k, v in meta.items())
        return self.write(
            f"content/{name}", f"---\n{front}---\n\n{textwrap.dedent(body)}", dedent=False
        )

    def build(self, *args: str) -> Run:
        self.capsys.readouterr()
        code = main(["build", "-s", str(self.root), *args])
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)

    @property
    def out(self) -> Path:
        return self.root / "public"

    def page(self, rel: str) -> str:
        return (self.out / rel).read_text("utf-8")

    def files(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.out).as_posix(): p.read_bytes()
            for p in sorted(self.out.rglob("*"))
            if p.is_file()
        }


@pytest.fixture
def site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Site:
    return Site(tmp_path / "site", capsys)


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    if hasattr(os, "tzset"):
        os.tzset()
