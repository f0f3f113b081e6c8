"""The takedown tracker: reports filed with platforms, and their public aggregates."""
from flask import Blueprint

bp = Blueprint("takedowns", __name__)
