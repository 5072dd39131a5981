"""A small site built and compared file by file with tests/fixtures/golden/expected.

Run ``python -m pytest tests/test_golden.py --update-golden`` after an intended change
to the output, and review the diff of the expected files. The Pygments stylesheet is the
one file that is all Pygments' own output: it is compared with what the installed
Pygments generates, so a new Pygments release does not fail the suite.
"""

import shutil
from importlib.metadata import version

from tensorpress.cli import main
from tensorpress.highlight import stylesheet
from tensorpress.stages import STYLESHEET

from .conftest import FIXTURES

GOLDEN = FIXTURES / "golden"
LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "pygments", "jinja2", "latex2mathml")


def _versions() -> str:
    return "".join(f"{name} {version(name)}\n" for name in LIBRARIES)


def test_golden_site_matches_file_by_file(tmp_path, capsys, request):
    out = tmp_path / "public"
    code = main(["build", "-s", str(GOLDEN / "site"), "-o", str(out), "--strict", "--no-cache"])
    assert code == 0, capsys.readouterr().err
    (out / ".tensorpress-manifest.json").unlink()
    assert (out / STYLESHEET).read_text() == stylesheet("xcode", "monokai")
    (out / STYLESHEET).unlink()
    expected = GOLDEN / "expected"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(out, expected)
        (GOLDEN / "versions.txt").write_text(_versions())
    built = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    wanted = {p.relative_to(expected).as_posix() for p in expected.rglob("*") if p.is_file()}
    assert built == wanted
    made_with = (GOLDEN / "versions.txt").read_text()
    for rel in sorted(built):
        assert (out / rel).read_bytes() == (expected / rel).read_bytes(), (
            f"{rel} differs; expected files were made with\n{made_with}installed:\n{_versions()}"
        )
