"""The command line itself: version, help, init, new, python -m."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tensorpress.cli import main


def test_version_does_not_import_the_heavy_modules():
    code = (
        "import sys; from tensorpress.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pygments', 'jinja2', 'markdown_it') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("tensorpress 0.") and out.stdout.strip().endswith("[]")


def imported_by_a_build(root, modules: tuple[str, ...]) -> str:
    """Which of ``modules`` a build of ``root`` imports in a fresh process, sorted."""
    code = (
        "import sys; from tensorpress.cli import main\n"
        f"main(['build', '-s', {str(root)!r}, '-q'])\n"
        f"print(sorted(m for m in {modules!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_build_with_nothing_to_do_imports_none_of_the_heavy_libraries(site):
    """Markdown, Pygments and Jinja2 are most of a fresh process's start-up: a build
    whose inputs and outputs are unchanged never needs them; one with a change does."""
    site.post(
        "a.md", "Some `code` and $x$.\n\n```python\nx = 1\n```\n", title="A", date="2024-01-01"
    )

    def heavy() -> str:
        libraries = ("pygments", "jinja2", "markdown_it", "latex2mathml", "importlib.metadata")
        return imported_by_a_build(site.root, libraries)

    assert heavy() != "[]", "the first build makes the site"
    assert heavy() == "[]"
    site.post("a.md", "Changed.\n", title="A", date="2024-01-01")
    assert heavy() != "[]"


def test_python_dash_m_runs_the_cli():
    out = subprocess.run(
        [sys.executable, "-m", "tensorpress", "--help"], capture_output=True, text=True, check=True
    )
    for word in ("build", "init", "new", "content/"):
        assert word in out.stdout


def test_the_console_entry_flushes_its_output_and_keeps_the_exit_code(site):
    """``python -m tensorpress`` ends with ``os._exit`` (no heap teardown): what it
    printed must still reach a pipe, and an error must still exit non-zero."""
    site.post("a.md", "Hello.\n", title="A", date="2024-01-01")
    cmd = [sys.executable, "-m", "tensorpress", "build", "-s", str(site.root)]
    # A reader that hangs up at once: the report cannot be printed, quietly.
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        proc.stdout.close()
        err = proc.stderr.read().decode()
    assert proc.returncode == 1 and err == "", err
    assert (site.root / "public/posts/a/index.html").is_file()
    site.post("a.md", "Hello again.\n", title="A", date="2024-01-01")
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("built 1 post"), done
    (site.root / "content/b.md").write_text("---\ntitle: [unclosed\n---\nBody.\n")
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 1 and "content/b.md:" in done.stderr and "error:" in done.stderr
    assert "Traceback" not in done.stderr


def test_init_starts_a_blog_that_builds_cleanly(tmp_path, capsys):
    assert main(["init", str(tmp_path / "blog")]) == 0
    assert (tmp_path / "blog/tensorpress.yaml").exists()
    assert main(["build", "-s", str(tmp_path / "blog"), "--strict"]) == 0, capsys.readouterr()
    assert (tmp_path / "blog/public/posts/hello-tensorpress/index.html").exists()
    assert main(["init", str(tmp_path / "blog")]) == 1, "refuses to overwrite a site"


def _init(capsys, name: str) -> tuple[int, str]:
    code = main(["init", name])
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    return code, err


def test_init_with_a_name_too_long_for_the_file_system_writes_nothing(tmp_path, capsys):
    code, err = _init(capsys, str(tmp_path / ("a" * 300)))
    assert code == 1 and ": error: cannot create the site: File name too long" in err
    assert "choose a shorter name" in err
    code, err = _init(capsys, str(tmp_path / "blogs" / ("b" * 300)))
    assert code == 1 and "File name too long" in err
    assert list(tmp_path.iterdir()) == [], "the folder made before the failure is taken back"


@pytest.mark.parametrize(
    ("name", "said"),
    [("", "the folder name is empty"), ("  ", "the folder name is empty"),
     ("a\0b", "the folder name holds a NUL character")],
)  # fmt: skip
def test_init_refuses_an_empty_name_or_one_with_nul(tmp_path, capsys, monkeypatch, name, said):
    monkeypatch.chdir(tmp_path)
    code, err = _init(capsys, name)
    assert code == 1 and f"tensorpress init: error: {said}" in err
    assert list(tmp_path.iterdir()) == []


def test_init_through_a_file_says_so_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "notes").write_text("a file\n")
    for name in ("notes", "notes/blog"):
        code, err = _init(capsys, str(tmp_path / name))
        assert code == 1 and "error: cannot create the site: Not a directory" in err
        assert "a part of the path is a file, not a folder" in err
    assert [p.name for p in tmp_path.iterdir()] == ["notes"]


def test_init_in_the_parent_folder_names_the_site_after_it(tmp_path, capsys, monkeypatch):
    (tmp_path / "deep-nets" / "work").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "deep-nets" / "work")
    assert _init(capsys, "..")[0] == 0
    assert 'title: "Deep Nets"' in (tmp_path / "deep-nets/tensorpress.yaml").read_text()
    code, err = _init(capsys, "..")
    assert code == 1 and "already holds a site" in err


def test_init_with_quotes_in_the_name_builds(tmp_path, capsys):
    name = str(tmp_path / 'my "blog\\')
    assert _init(capsys, name)[0] == 0
    assert main(["build", "-s", name, "--strict"]) == 0, capsys.readouterr()


@pytest.mark.skipif(sys.platform != "linux", reason="a name that is no UTF-8 needs Linux")
def test_init_with_a_name_that_is_no_utf8_says_so_readably(tmp_path, capsys):
    name = str(tmp_path / os.fsdecode(b"blog-\xff"))
    assert _init(capsys, name)[0] == 0
    assert 'title: "Blog \ufffd"' in Path(name, "tensorpress.yaml").read_text("utf-8")


def test_new_writes_a_draft_skeleton(tmp_path, capsys):
    (tmp_path / "content").mkdir()
    assert (
        main(
            ["new", "Attention: all you need?", "--topics", "transformers,nlp", "-s", str(tmp_path)]
        )
        == 0
    )
    post = tmp_path / "content/attention-all-you-need.md"
    text = post.read_text()
    assert 'title: "Attention: all you need?"' in text
    assert 'topics: ["transformers", "nlp"]' in text and "draft: true" in text
    assert main(["new", "Attention: all you need?", "-s", str(tmp_path)]) == 1
    capsys.readouterr()
    assert main(["build", "-s", str(tmp_path), "--drafts"]) == 0


def test_internal_errors_are_one_line_without_debug(tmp_path, capsys, monkeypatch):
    import tensorpress.build

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    (tmp_path / "content").mkdir()
    monkeypatch.setattr(tensorpress.build, "build", boom)
    assert main(["build", "-s", str(tmp_path)]) == 70
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err
    assert main(["build", "-s", str(tmp_path), "--debug"]) == 70
    assert "Traceback" in capsys.readouterr().err


def test_a_prose_edit_imports_no_lexer_and_no_math_converter(site):
    """An edited post takes its unchanged code blocks and formulas from its last body:
    a fresh process imports neither Pygments (the stylesheet on disk is known by its
    styles) nor latex2mathml for them; a changed block or formula needs them again."""

    def post(code: str, formula: str) -> None:
        body = f"Prose.\n\n$${formula}$$\n\n```python\n{code}\n```\n"
        site.post("a.md", body, title="A", date="2024-01-01")

    def imported() -> str:
        modules = ("pygments", "pygments.lexers.python", "latex2mathml")
        return imported_by_a_build(site.root, modules)

    post("x = 1", "a^2")
    assert imported() == "['latex2mathml', 'pygments', 'pygments.lexers.python']"
    path = site.root / "content/a.md"
    path.write_text(path.read_text().replace("Prose.", "Prose, edited."))
    assert imported() == "[]"
    post("x = 2", "a^2")
    assert imported() == "['pygments', 'pygments.lexers.python']"
    post("x = 2", "b^2")
    assert imported() == "['latex2mathml']"
