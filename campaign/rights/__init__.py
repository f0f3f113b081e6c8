from flask import Blueprint

bp = Blueprint("rights", __name__, url_prefix="/my-data")
