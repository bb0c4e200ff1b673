"""The installed ``campaign`` console script, run as an organiser would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SLUG

CAMPAIGN = Path(sys.executable).parent / "campaign"


def _run(tmp_path, *args, **env):
    environment = {**os.environ, "CAMPAIGN_INSTANCE_PATH": str(tmp_path / "instance"), **env}
    return subprocess.run([str(CAMPAIGN), *args], capture_output=True, text=True, timeout=120,
                          env=environment, check=False)


def test_console_script_lists_flask_and_project_commands(tmp_path):
    result = _run(tmp_path, "--help")
    for command in ("run", "routes", "shell", "check", "db"):
        assert f"  {command} " in result.stdout


def test_console_script_check_reports_malformed_toml_without_traceback(tmp_path, letters_dir):
    path = letters_dir / SLUG / "campaign.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("[default_recipient]", "[default"),
                    encoding="utf-8")
    result = _run(tmp_path, "check", SLUG, CAMPAIGN_LETTERS_DIR=str(letters_dir))
    assert result.returncode == 1
    assert f"{path}:" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
