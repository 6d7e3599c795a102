"""Forms of the experiment edit pages. They check shape only; the services decide (taken names, lifecycle)."""

from django import forms

from experiments.services import MAX_METADATA_NAME_LENGTH, MAX_METADATA_VALUE_LENGTH, MAX_NAME_LENGTH
from projects.mlflow_data import SYSTEM_TAG_PREFIX


class ExperimentForm(forms.Form):
    """Create or edit: name and description (markdown, stored as MLflow's `mlflow.note.content` tag)."""

    name = forms.CharField(max_length=MAX_NAME_LENGTH, strip=True)
    description = forms.CharField(
        max_length=MAX_METADATA_VALUE_LENGTH,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 70}),
        help_text="Markdown.",
    )


class MetadataForm(forms.Form):
    """Set one experiment tag (a key that exists gets the new value)."""

    name = forms.CharField(max_length=MAX_METADATA_NAME_LENGTH, strip=True, label="Key")
    value = forms.CharField(max_length=MAX_METADATA_VALUE_LENGTH, required=False, strip=False)

    def clean_name(self):
        name = self.cleaned_data["name"]
        if name.startswith(SYSTEM_TAG_PREFIX):
            raise forms.ValidationError(f"Keys starting with '{SYSTEM_TAG_PREFIX}' are MLflow's system tags.")
        return name
