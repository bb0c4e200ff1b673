"""translate pages."""

from flask import Blueprint

bp = Blueprint("translate", __name__)
