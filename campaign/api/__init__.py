"""The JSON API and webhooks: keys, resources under /api/v1/, and signed deliveries to partners."""
from flask import Blueprint

bp = Blueprint("api", __name__)
