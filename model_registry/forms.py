"""Registry forms: promote (a candidate becomes a version of an existing model or of a new one) and the edit
forms of models and versions (description, tags, aliases, stage). They check shape; the services decide."""

from django import forms

from .models import Model, Stage
from .semver import SEMVER_RE


class PromoteForm(forms.Form):
    model = forms.ModelChoiceField(queryset=Model.objects.none(), required=False, empty_label="New model…")
    new_model_name = forms.CharField(max_length=255, required=False, label="New model name")
    version = forms.CharField(
        max_length=255, required=False, help_text="SemVer, e.g. 1.0.0. Leave empty to take the suggestion."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].queryset = Model.objects.filter(project=project).order_by("name")

    def clean_version(self):
        value = self.cleaned_data["version"].strip()
        if value and not SEMVER_RE.match(value):
            raise forms.ValidationError("Use SemVer: MAJOR.MINOR.PATCH, e.g. 1.2.0.")
        return value

    def clean(self):
        data = super().clean()
        if not data.get("model") and not (data.get("new_model_name") or "").strip():
            self.add_error("new_model_name", "Choose a model or name a new one.")
        return data


class ModelEditForm(forms.Form):
    name = forms.CharField(max_length=255, strip=True)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, strip=True, help_text="Markdown."
    )


class VersionEditForm(forms.Form):
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, strip=True, help_text="Markdown."
    )


class TagForm(forms.Form):
    """Set one tag of a model or a version (an existing key gets the new value)."""

    key = forms.CharField(max_length=250, strip=True)
    value = forms.CharField(max_length=20000, required=False, strip=False)


class AliasForm(forms.Form):
    """Point an alias at a version: by MLflow's integer or the SemVer (the services validate the alias)."""

    alias = forms.CharField(max_length=255, strip=True)
    version = forms.CharField(max_length=255, strip=True)


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices)
    archive_existing = forms.BooleanField(required=False, label="Archive other versions in this stage")
