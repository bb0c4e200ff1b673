"""Forms of the organizer pages (Flask-WTF: CSRF token in every POST)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from campaign.organizer.accounts import MIN_PASSWORD
from campaign.organizer.models import DELIVERY_METHODS, ROLES


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def method_choices():
    labels = {
        # Translators: how a delivery packet was delivered.
        "post": _l("Post"), "email": _l("Email"), "in_person": _l("In person"), "fax": _l("Fax"),
    }
    return [(m, labels[m]) for m in DELIVERY_METHODS]


class DeliveryForm(FlaskForm):
    recipient = SelectField(_l("Recipient"), validators=[DataRequired()])
    delivered_on = DateField(_l("Delivered on"), validators=[DataRequired()],
                             default=dt.date.today)
    method = SelectField(_l("How"), choices=method_choices, validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    receipt = FileField(_l("Receipt (PDF, PNG or JPEG)"))


def role_choices():
    labels = {
        # Translators: roles of the people who may log in to the organizer pages.
        "admin": _l("Admin (everything, and the accounts)"),
        "organizer": _l("Organizer (campaigns, packets, deliveries)"),
        "translator": _l("Translator (translation pages and previews)"),
    }
    return [(role, labels[role]) for role in ROLES]


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD, max=200,
                               message=_l("Use %(min)d to %(max)d characters."))])
    confirm = PasswordField(_l("The password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class AddUserForm(NewPasswordForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    # The least a new account needs is the usual case; admin is chosen on purpose.
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()],
                       default="organizer")


class RemoveUserForm(FlaskForm):
    """Removing is a POST from the users page; ``confirmed`` is "yes" once the admin has said
    yes (in the browser's dialog, or on the page that asks when scripts do not run)."""

    confirmed = HiddenField()


class RemoveDeliveryForm(FlaskForm):
    """Removing a delivery recorded by mistake: a POST from the dashboard; ``confirmed`` is
    "yes" once the organizer has said yes (in the browser's dialog, or on the page that asks
    when scripts do not run)."""

    confirmed = HiddenField()
