"""Where the data and config live. ``--home`` / ``CRM_TUI_HOME`` override everything."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "crm-tui"
ENV_HOME = "CRM_TUI_HOME"


@dataclass(frozen=True)
class Paths:
    data: Path  # the store's folder (JSON files, lock, backups)
    config: Path  # config.toml, templates.toml

    @property
    def config_file(self) -> Path:
        return self.config / "config.toml"

    @property
    def templates_file(self) -> Path:
        return self.config / "templates.toml"


def resolve(home: str | os.PathLike[str] | None = None) -> Paths:
    """Paths for an explicit home, else ``$CRM_TUI_HOME``, else the platform's user dirs."""
    chosen = home or os.environ.get(ENV_HOME)
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return Paths(data=root / "data", config=root)
    return Paths(
        data=Path(platformdirs.user_data_dir(APP)),
        config=Path(platformdirs.user_config_dir(APP)),
    )
