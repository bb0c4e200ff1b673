"""Serving under gunicorn (gunicorn.conf.py): a bad setting is told in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_gunicorn_with_a_bad_setting_says_which_and_stops(tmp_path):
    env = {**os.environ, "CAMPAIGN_SESSION_LIFETIME": '"8h"',
           "CAMPAIGN_INSTANCE_PATH": str(tmp_path / "instance")}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", "127.0.0.1:0",
         "campaign:create_app()"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert 'campaign: CAMPAIGN_SESSION_LIFETIME: "8h" is not a whole number' in result.stderr
    assert "Traceback" not in result.stderr
