"""Events: screenings, workshops and discussion circles, with private RSVP and check-in at the door."""
from flask import Blueprint

bp = Blueprint("events", __name__)
