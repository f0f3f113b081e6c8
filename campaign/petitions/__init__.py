"""Petitions: open letters that the public signs, confirms by mail, and organisers deliver."""
from flask import Blueprint

bp = Blueprint("petitions", __name__)
