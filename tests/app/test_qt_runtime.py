"""Guard against the pinned Qt binding crashing long sessions.

PySide6 6.12.0 on Python 3.11 loses a reference to ``None`` on every call that returns
nothing and aborts the process after a few thousand calls ("none_dealloc"); we pin 6.11.2.
This test makes 200,000 such calls in a child process and expects it to survive.
"""

import subprocess
import sys

CODE = (
    "from PySide6.QtCore import QObject, QCoreApplication\n"
    "app = QCoreApplication([])\n"
    "o = QObject()\n"
    "for _ in range(200000):\n"
    "    o.setObjectName('x')\n"
    "print('survived')\n"
)


def test_many_qt_calls_do_not_crash():
    result = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                            timeout=120, env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""})
    assert result.returncode == 0 and "survived" in result.stdout, result.stderr[-500:]
