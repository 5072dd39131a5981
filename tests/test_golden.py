"""A small site built and compared file by file with tests/fixtures/golden/expected.

Run ``python -m pytest tests/test_golden.py --update-golden`` after an intended change
to the output, and review the diff of the expected files.
"""

import shutil

from tensorpress.cli import main

from .conftest import FIXTURES

GOLDEN = FIXTURES / "golden"


def test_golden_site_matches_file_by_file(tmp_path, capsys, request):
    out = tmp_path / "public"
    code = main(["build", "-s", str(GOLDEN / "site"), "-o", str(out), "--strict", "--no-cache"])
    assert code == 0, capsys.readouterr().err
    (out / ".tensorpress-manifest.json").unlink()
    expected = GOLDEN / "expected"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(out, expected)
    built = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    wanted = {p.relative_to(expected).as_posix() for p in expected.rglob("*") if p.is_file()}
    assert built == wanted
    for rel in sorted(built):
        assert (out / rel).read_bytes() == (expected / rel).read_bytes(), rel
