"""Choice fields over the reference lists kept in the process (`search.references`): a form that checks a
district, a settlement or a kind of help, or renders their list, runs no query.

`kept` returns the objects, in their order; the value of each is its `to_field_name` (the code)."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator


class KeptIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.kept():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.kept()) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.kept())


class KeptMixin:
    iterator = KeptIterator

    def __init__(self, *args, kept, **kwargs):
        self.kept = kept
        super().__init__(*args, **kwargs)

    def by_value(self) -> dict:
        key = self.to_field_name or "pk"
        return {str(getattr(obj, key)): obj for obj in self.kept()}


class KeptChoiceField(KeptMixin, forms.ModelChoiceField):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        found = self.by_value().get(str(value))
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found


class KeptMultipleChoiceField(KeptMixin, forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        """The chosen objects, in the list's order (the model field's `_check_values` runs a query)."""
        if not isinstance(value, list | tuple | set | frozenset):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        by_value = self.by_value()
        for item in value:
            if str(item) not in by_value:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        chosen = {str(item) for item in value}
        return [obj for key, obj in by_value.items() if key in chosen]
