"""Extensions are created here and bound to the app in create_app."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import CursorResult, MetaData, Result, Table
from sqlalchemy.orm import DeclarativeBase

from campaign import ratelimit  # noqa: F401  (registers the bounded-memory:// rate-limit store)
from campaign.privacy import client_key


class Base(DeclarativeBase):
    # Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
mail = Mail()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_key)

# The base class of every model. Flask-SQLAlchemy builds db.Model from Base at run time (adding
# automatic table names and the session binding); mypy cannot follow that, so it checks the models
# against Base, which declares the same mapping.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def table_of(model: type[Base]) -> Table:
    """A model's Table, for Core statements (the declarative base types it as any FromClause)."""
    return cast(Table, model.__table__)


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE, DELETE or INSERT ... SELECT run through the session matched.

    The session types every result as a Result; for these statements it is a CursorResult.
    """
    return cast(CursorResult[Any], result).rowcount
