"""Mesa (and the EMA Workbench) imported without their import-time walk of the whole call stack.

Both libraries decorate methods with a ``method_logger`` that, when the decorated class is defined
(that is, while the library is imported), calls ``inspect.getouterframes(inspect.currentframe())``
to read one name: the class being defined (``[1][3]``). That call also reads the source line of
every outer frame and, for each frame whose file is not a module's (the import machinery's
``<frozen ...>`` frames), searches every module in ``sys.modules``. In a fresh ``simcomm`` command
that costs ~0.1 s; under pytest (a deep stack, thousands of modules loaded) importing ``mesa.model``
took 5.3 s of CPU in each test process, and the Workbench's import (33 decorated methods) 1.3 s
more in a process with 2,000 modules loaded (``python -X importtime``, 2026-12-07). While such a
library is first imported, :func:`import_framework` gives ``getouterframes`` (in every thread, for
the import's duration) the frames' names without their source: what the decorator reads.

Every module of the package that imports Mesa at its top takes it from here (``from
simcomm.agents.framework_import import mesa``), so whichever is imported first pays the short walk.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from types import FrameType, ModuleType


def _frame_names(frame: FrameType | None, context: int = 1) -> list[inspect.FrameInfo]:
    """Return ``frame`` and its callers as ``inspect.getouterframes`` does, without source lines."""
    out = []
    while frame is not None:
        out.append(inspect.FrameInfo(frame, frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name,
                                     None, None))
        frame = frame.f_back
    return out


def import_framework(name: str) -> ModuleType:
    """Return the module ``name``, imported (the first time) while ``inspect.getouterframes`` reads
    no source; the same module ``importlib.import_module`` returns."""
    if name in sys.modules:
        return sys.modules[name]
    walk = inspect.getouterframes
    inspect.getouterframes = _frame_names
    try:
        return importlib.import_module(name)
    finally:
        inspect.getouterframes = walk


mesa = import_framework("mesa")
