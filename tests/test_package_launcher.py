"""The ``layerlab`` launcher as a user types it: bundled files found through
``engine.resources``, ``--example``/lesson names, ``--version``, the user's folders, numba's
cache for read-only installs, and the Linux desktop entry (temp ``XDG_DATA_HOME``)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import resources
from layerlab import cli, desktop, version
from layerlab.logs import log_to_file

ROOT = Path(__file__).resolve().parents[1]


def test_bundled_files_come_from_the_assets_package_not_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may depend on where the user stands
    assert resources.assets_dir() == ROOT / "assets"
    assert resources.example_path("spiral").is_file()
    assert {"spiral", "xor", "digits_cnn"} <= set(resources.example_names())
    assert resources.asset("text", "aesop_fables.txt").is_file()
    assert sorted(resources.lessons_dir().glob("*.lesson.json"))
    assert resources.icon_path().read_text(encoding="utf-8").startswith("<svg")
    assert resources.running_from_clone()
    from app.examples import list_examples
    from engine.lessons import bundled_lessons

    assert all(e.ok for e in list_examples()) and len(list_examples()) >= 20
    assert all(lesson is not None for _path, lesson, _ in bundled_lessons())


def test_version_and_help(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"LayerLab {version()}"
    assert version() == "0.1.0" or version()[0].isdigit()
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "layerlab --example spiral" in out and "layerlab train PROJECT" in out


def test_example_names_work_wherever_a_project_does(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--example", "xor"]) == 0
    assert "total: 9 trainable parameters" in capsys.readouterr().out
    spiral = str(resources.example_path("spiral"))
    assert cli.resolve_bundled(["--example=spiral", "--theme", "dark"]) == [spiral, "--theme",
                                                                             "dark"]
    assert cli.resolve_bundled(["train", "--example", "xor", "--epochs", "3"])[1:] == [
        str(resources.example_path("xor")), "--epochs", "3"]
    # an export of a bundled example goes to the current folder, never into the package
    assert cli.resolve_bundled(["export", "--example", "xor"])[-2:] == [
        "--out", str(tmp_path / "export")]
    assert cli.resolve_bundled(["export", "--example", "xor", "--out", "x"])[-2:] == ["--out", "x"]


def test_unknown_example_lists_the_choices(capsys):
    assert cli.main(["train", "--example", "spirals"]) == 2
    err = capsys.readouterr().err
    assert "no bundled example 'spirals'" in err and "spiral" in err and "Traceback" not in err


def test_lessons_by_bundled_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    first = sorted(resources.lessons_dir().glob("*.lesson.json"))[0]
    stem = first.name[: -len(".lesson.json")]
    assert cli.resolve_bundled(["lesson", stem]) == ["lesson", str(first)]
    assert cli.resolve_bundled(["lesson", stem.split("_", 1)[1]]) == ["lesson", str(first)]
    mine = tmp_path / "mine.lesson.json"
    mine.write_text("{}", encoding="utf-8")
    assert cli.resolve_bundled(["lesson", str(mine)]) == ["lesson", str(mine)]
    assert cli.main(["lesson", "no_such_lesson"]) == 2
    assert "bundled: " in capsys.readouterr().err


def test_user_folders_follow_each_platform(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "c"), "XDG_STATE_HOME": str(tmp_path / "s"),
           "LOCALAPPDATA": str(tmp_path / "local")}
    assert resources.user_cache_dir(env, "linux") == tmp_path / "c" / "LayerLab"
    assert resources.user_log_dir(env, "linux") == tmp_path / "s" / "LayerLab" / "logs"
    assert resources.user_cache_dir({}, "linux") == Path.home() / ".cache" / "LayerLab"
    assert resources.user_cache_dir(env, "win32") == tmp_path / "local" / "LayerLab" / "cache"
    assert resources.user_log_dir(env, "win32") == tmp_path / "local" / "LayerLab" / "logs"
    assert resources.user_cache_dir(env, "darwin") == Path.home() / "Library/Caches/LayerLab"
    assert resources.user_log_dir(env, "darwin") == Path.home() / "Library/Logs/LayerLab"


def test_numba_cache_moves_to_the_user_cache_only_for_read_only_installs(tmp_path):
    cache = tmp_path / "cache"
    choose = resources.numba_cache_choice
    assert choose({}, from_clone=False, package_writable=False, cache_dir=cache) == str(
        cache / "numba")
    assert choose({}, from_clone=True, package_writable=False, cache_dir=cache) is None
    assert choose({}, from_clone=False, package_writable=True, cache_dir=cache) is None
    assert choose({"NUMBA_CACHE_DIR": "/x"}, from_clone=False, package_writable=False,
                  cache_dir=cache) is None
    env: dict[str, str] = {}
    assert resources.configure_numba_cache(env) is None and env == {}  # the clone: unchanged


def test_window_warnings_go_to_the_log_file(tmp_path):
    path = log_to_file(tmp_path / "logs")
    try:
        assert path == tmp_path / "logs" / "layerlab.log"
        assert log_to_file(tmp_path / "logs") == path  # once only
        logging.getLogger("widgets.test").warning("a view failed")
        for handler in logging.getLogger().handlers:
            handler.flush()
        assert "WARNING widgets.test: a view failed" in path.read_text(encoding="utf-8")
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "baseFilename", None) == str(path):
                root.removeHandler(handler)
                handler.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="desktop entries are Linux")
def test_install_and_uninstall_the_desktop_entry(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert cli.main(["--install-desktop"]) == 0
    entry = tmp_path / "share" / "applications" / "layerlab.desktop"
    icon = tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / "layerlab.svg"
    assert str(entry) in capsys.readouterr().out
    text = entry.read_text(encoding="utf-8")
    fields = dict(line.split("=", 1) for line in text.splitlines()[1:] if "=" in line)
    assert text.startswith("[Desktop Entry]\n") and fields["Icon"] == "layerlab"
    assert fields["Exec"].endswith(" %f") and fields["Type"] == "Application"
    assert Path(fields["TryExec"]).is_file()  # this venv's layerlab script or its python
    assert icon.read_bytes() == resources.icon_path().read_bytes()
    validate = shutil.which("desktop-file-validate")
    if validate:
        subprocess.run([validate, str(entry)], check=True)
    assert cli.main(["--uninstall-desktop"]) == 0
    assert not entry.exists() and not icon.exists()
    assert cli.main(["--uninstall-desktop"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_desktop_exec_line_quotes_paths_with_spaces():
    entry = desktop.desktop_entry(["/opt/My Apps/bin/python", "-m", "layerlab"])
    assert 'Exec="/opt/My Apps/bin/python" -m layerlab %f' in entry
    assert desktop.exec_quote('a"b$c') == '"a\\"b\\$c"' and desktop.exec_quote("50%") == "50%%"


def test_main_py_in_the_clone_is_the_same_launcher(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([sys.executable, str(ROOT / "main.py"), "check", "--example", "xor"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "total: 9 trainable parameters" in run.stdout
    run = subprocess.run([sys.executable, "-m", "layerlab", "--version"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == f"LayerLab {version()}"


def test_windows_carry_the_layerlab_icon(qapp):
    cli.set_app_icon()
    assert not qapp.windowIcon().isNull()
    assert not qapp.windowIcon().pixmap(64, 64).isNull()
