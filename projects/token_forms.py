"""Forms of the access token pages. They only shape input; the rules (role ceiling, expiry window) are the
services'."""

from django import forms

from .models import Role, TokenScope
from .services import access_token_default_expiry, access_token_latest_expiry


class _TokenForm(forms.Form):
    name = forms.CharField(max_length=255, strip=True)
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.READ_API,
        widget=forms.RadioSelect,
        help_text="api reads and writes (logging runs); read_api only reads.",
    )
    expires_at = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The token stops working at midnight UTC starting that day.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default, latest = access_token_default_expiry(), access_token_latest_expiry()
        field = self.fields["expires_at"]
        field.initial = default
        field.widget.attrs["max"] = latest.isoformat()
        field.help_text = (
            f"{field.help_text} At most {latest.isoformat()}; empty means {default.isoformat()}."
        )


class PersonalAccessTokenForm(_TokenForm):
    pass


class ProjectAccessTokenForm(_TokenForm):
    access_level = forms.TypedChoiceField(coerce=int, label="Role")

    field_order = ["name", "access_level", "scope", "expires_at"]

    def __init__(self, *args, creator_role: int, **kwargs):
        super().__init__(*args, **kwargs)
        # Nobody mints a token above their own role (the service refuses it too); guests cannot use the APIs.
        choices = [(value, label) for value, label in Role.choices if Role.REPORTER <= value <= creator_role]
        self.fields["access_level"].choices = choices
        self.fields["access_level"].initial = min(Role.DEVELOPER, creator_role)
