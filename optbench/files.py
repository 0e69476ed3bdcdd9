"""Writing files so that a reader never finds half of one, and knowing beforehand
whether a folder can take them. Imports nothing of optbench.

`atomic_write(path, data)` writes to a temporary name in the same folder, then renames
it into place: an interrupted write leaves the previous file (or none), never a
truncated one. `writable(folder)` creates the folder if needed and proves that a file
can be written there, so that a command can refuse a bad destination before it works
for minutes.
"""

import os
import tempfile


def atomic_write(path, data):
    """Write `data` (bytes or str, UTF-8) to `path` through a temporary file and a rename."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def writable(folder):
    """None if files can be written into `folder` (created if missing), else why not
    (the system's reason, such as "Permission denied")."""
    try:
        os.makedirs(folder, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".optbench-probe-", suffix=".tmp")
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        return error.strerror or str(error)
    return None
