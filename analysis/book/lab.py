"""``make lab``: JupyterLab on the workshop hand-out, on this machine only, with the book's kernel.

The server listens on 127.0.0.1 (no other machine can reach it), so it asks for
no token: a participant's browser opens it directly. It runs offline: no news
feed, no update check and no extension search (each would call the network), and every notebook of
the hand-out names the book's kernel, ``ecommerce-book`` (also the default for a
new notebook), which imports this project's ``analysis``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from analysis.book.runner import KERNEL

HOST = "127.0.0.1"
#: overrides.json: every cell of a notebook rendered at once (find in page, printing), no news or update check
SETTINGS = Path(__file__).with_name("lab_settings")
PORT = 8888


def command(folder: Path, port: int = PORT) -> list[str]:
    """The ``jupyter lab`` command line for ``folder``, bound to localhost, offline, the book's kernel."""
    return [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        f"--ServerApp.ip={HOST}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={folder}", "--IdentityProvider.token=", "--ServerApp.password=",
        f"--MappingKernelManager.default_kernel_name={KERNEL}",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",  # no extension search on PyPI from the room
        f"--LabApp.app_settings_dir={SETTINGS}",
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),  # a container or CI as root
    ]  # fmt: skip


def main(folder: Path, port: int = PORT) -> int:
    """Serve ``folder`` (``book/_build/handout``) until Ctrl-C; 1 with the fix when it is not built yet."""
    if not any(folder.glob("*.ipynb")):
        print(f"error: {folder} holds no hand-out notebooks yet.\n  fix: `make handout` builds them, then "
              "`make lab`", file=sys.stderr)  # fmt: skip
        return 1
    print(f"==> JupyterLab on http://{HOST}:{port}/lab (this machine only), serving {folder}; Ctrl-C stops it",
          flush=True)  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]),
                                                                     os.environ.get("PYTHONPATH")]))}  # fmt: skip
    try:
        return subprocess.run(command(folder, port), env=env, cwd=folder).returncode
    except KeyboardInterrupt:
        return 130
