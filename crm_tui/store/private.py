"""The data folder is private to its user, like ``~/.ssh``: folders 0700, files 0600.

New files are created that way (see storage.FILE_MODE); a folder made by an older crm-tui
or copied in with the default umask (0755 folders, 0644 files: anyone on the machine could
read who the user knows and what they said) is fixed when it is next opened for writing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_OPEN_TO_OTHERS = 0o077


def make_private(folder: Path) -> int:
    """Take group and other permissions off ``folder`` and everything in it; how many
    files and folders needed it. Symbolic links are left alone (and not followed);
    failures are ignored (the data is still usable; the next open tries again)."""
    fixed = 0
    for root, dirs, files in os.walk(folder):
        for name in [".", *dirs, *files]:
            path = os.path.join(root, name) if name != "." else root
            try:
                st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode) or not st.st_mode & _OPEN_TO_OTHERS:
                    continue
                os.chmod(path, stat.S_IMODE(st.st_mode) & ~_OPEN_TO_OTHERS)
                fixed += 1
            except OSError:
                continue
    return fixed
