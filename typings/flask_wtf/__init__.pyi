from typing import Any

from flask_wtf.csrf import CSRFProtect as CSRFProtect
from flask_wtf.form import FlaskForm as FlaskForm

def __getattr__(name: str) -> Any: ...
