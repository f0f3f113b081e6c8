"""Confidential help requests from survivors and the caseworkers' follow-up."""
from flask import Blueprint

bp = Blueprint("intake", __name__)
