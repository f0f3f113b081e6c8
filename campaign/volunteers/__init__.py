from flask import Blueprint

bp = Blueprint("volunteers", __name__)
