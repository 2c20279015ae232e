"""Files only the bot's own user may read: the database, its write-ahead log and the key.

The database holds question texts and, for an open hand-over, a person's chat id; the
key file turns pseudonyms back into nothing less than a way to link people. So the data
folder is made 0700 and every file in it 0600, whatever the umask. SQLite gives the
-wal and -shm files the permissions of the database file, so creating that one 0600
before SQLite opens it is what counts; `tighten` also repairs files from older versions.

This module is part of the core: it must not import telegram.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

logger = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700
# The files SQLite keeps next to a database (and our key file), by suffix.
COMPANIONS = ("", "-wal", "-shm", "-journal", ".key")


def private_folder(folder: Path, database: Path) -> None:
    """Create `folder` 0700; tighten an existing one if it holds nothing but this database's files."""
    if not folder.exists():
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode is filtered by the umask
        return
    mode = stat.S_IMODE(folder.stat().st_mode)
    if not mode & 0o077:
        return
    ours = {database.name + suffix for suffix in COMPANIONS}
    if all(entry.name in ours for entry in folder.iterdir()):
        os.chmod(folder, FOLDER_MODE)
        logger.info("Storage: made the data folder %s private (it was %o, now 700)", folder, mode)
    else:
        logger.warning(
            "Storage: the folder %s can be opened by other users (%o) and holds other files too; "
            "the database files themselves are private. To close the folder too: chmod 700 %s",
            folder,
            mode,
            folder,
        )


def create_private(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist yet (never truncates)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)


def tighten(database: Path) -> None:
    """Make the database and the files next to it 0600 (the ones that exist)."""
    for suffix in COMPANIONS:
        path = database.with_name(database.name + suffix)
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode != FILE_MODE and path.is_file():
            os.chmod(path, FILE_MODE)
