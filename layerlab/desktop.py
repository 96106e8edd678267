"""Linux desktop integration: ``layerlab --install-desktop`` writes ``layerlab.desktop`` into
the user's applications folder (``$XDG_DATA_HOME/applications``, default
``~/.local/share/applications``) and the scalable icon into
``$XDG_DATA_HOME/icons/hicolor/scalable/apps/layerlab.svg``; ``--uninstall-desktop`` removes
both. The entry starts the ``layerlab`` script installed beside this Python (a venv or pipx),
else ``python -m layerlab``, with the file chosen in a file manager (``%f``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from engine.resources import icon_path

DESKTOP_NAME = "layerlab.desktop"
ICON_NAME = "layerlab"
_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')


def data_home(env: Mapping[str, str] | None = None) -> Path:
    env = env if env is not None else os.environ
    value = env.get("XDG_DATA_HOME", "")
    return Path(value) if value and Path(value).is_absolute() else Path.home() / ".local" / "share"


def desktop_file(env: Mapping[str, str] | None = None) -> Path:
    return data_home(env) / "applications" / DESKTOP_NAME


def icon_file(env: Mapping[str, str] | None = None) -> Path:
    return data_home(env) / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"


def launch_command() -> list[str]:
    """The ``layerlab`` script beside this interpreter, else ``python -m layerlab``."""
    script = Path(sys.executable).parent / ("layerlab.exe" if os.name == "nt" else "layerlab")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "layerlab"]


def exec_quote(arg: str) -> str:
    """One argument of a desktop entry's ``Exec`` line (Desktop Entry Specification)."""
    arg = arg.replace("%", "%%")
    if not any(c in _RESERVED for c in arg):
        return arg
    for c in ("\\", '"', "`", "$"):
        arg = arg.replace(c, "\\" + c)
    return f'"{arg}"'


def desktop_entry(command: list[str]) -> str:
    exec_line = " ".join(exec_quote(a) for a in command)
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.5",
        "Name=LayerLab",
        "GenericName=Neural network playground",
        "Comment=Click networks together, press Play, watch them learn",
        f"TryExec={command[0]}",
        f"Exec={exec_line} %f",
        f"Icon={ICON_NAME}",
        "Terminal=false",
        "Categories=Education;Science;ArtificialIntelligence;",
        "Keywords=neural;network;deep;learning;training;",
        "StartupNotify=true",
        "",
    ])


def install_desktop(env: Mapping[str, str] | None = None,
                    command: list[str] | None = None) -> list[Path]:
    """Write the desktop entry and the icon; returns both paths."""
    entry, icon = desktop_file(env), icon_file(env)
    entry.parent.mkdir(parents=True, exist_ok=True)
    icon.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(icon_path(), icon)
    entry.write_text(desktop_entry(command or launch_command()), encoding="utf-8")
    entry.chmod(0o755)
    _refresh(entry.parent)
    return [entry, icon]


def uninstall_desktop(env: Mapping[str, str] | None = None) -> list[Path]:
    """Remove the desktop entry and the icon; returns those that were there."""
    removed = []
    for path in (desktop_file(env), icon_file(env)):
        if path.is_file():
            path.unlink()
            removed.append(path)
    _refresh(desktop_file(env).parent)
    return removed


def _refresh(folder: Path) -> None:
    """Tell the menu about the change when the desktop has the tool (optional)."""
    tool = shutil.which("update-desktop-database")
    if tool and folder.is_dir():
        subprocess.run([tool, str(folder)], capture_output=True, check=False, timeout=30)


def desktop_command(install: bool) -> int:
    """``--install-desktop`` / ``--uninstall-desktop``: one line per file, 1 when not Linux."""
    if not sys.platform.startswith("linux"):
        print("Desktop entries are for Linux desktops. On Windows and macOS start LayerLab "
              "with the 'layerlab' command (pipx puts it on your PATH).", file=sys.stderr)
        return 1
    try:
        paths = install_desktop() if install else uninstall_desktop()
    except OSError as err:
        print(f"error: the desktop entry could not be written ({err.strerror or err}); check "
              f"that {data_home()} is writable.", file=sys.stderr)
        return 1
    if install:
        print(f"LayerLab is in your applications menu:\n  {paths[0]}\n  {paths[1]}")
    elif paths:
        print("Removed:\n" + "\n".join(f"  {p}" for p in paths))
    else:
        print("LayerLab was not in your applications menu; nothing to remove.")
    return 0
