from typing import Any

from xlsxwriter.workbook import Workbook as Workbook

def __getattr__(name: str) -> Any: ...
