"""Text the system generates, stored as a code and parameters and rendered for each reader.

A service that records what happened (a thread event, a notification) stores a code and JSON
parameters — ids and values, never translated text — and the page renders the code in the
reader's active language at display time. Each app keeps one registry, a dict from code to a
renderer (`consults.events.EVENTS`, `notifications.models.MESSAGES`). A `Phrase` is the usual
renderer: one message (marked with `gettext_noop`, translated at render time), with parameters
that are choice codes shown as their labels and parameters with their own formatter (numbers
and dates in the reader's locale). What a user typed travels as a parameter and is shown as
typed: only the system's framing is translated.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext, override

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class Phrase:
    """One message with named %(placeholders)s, rendered in the active language."""

    def __init__(
        self,
        message: str,
        *,
        choices: Mapping[str, Callable[[], Any]] | None = None,
        formats: Mapping[str, Callable[[Any], str]] | None = None,
    ) -> None:
        self.message = message  # the msgid (gettext_noop): translated when rendered
        # param -> a callable returning the TextChoices class whose label shows the value; a
        # callable so that a registry needs no import of the model at load time.
        self.choices = dict(choices or {})
        self.formats = dict(formats or {})
        self.names = PLACEHOLDER.findall(message)

    def value(self, name: str, params: Mapping[str, Any]) -> str:
        value = params.get(name, "")
        if name in self.formats:
            return self.formats[name](value)
        if name in self.choices:
            labels = dict(self.choices[name]().choices)
            return str(labels.get(value, value))
        return "" if value is None else str(value)

    def __call__(self, params: Mapping[str, Any] | None) -> str:
        params = params or {}
        return gettext(self.message) % {name: self.value(name, params) for name in self.names}

    def parse(self, text: str, language: str) -> dict | None:
        """Parameters of TEXT when it is this message as rendered in LANGUAGE, else None.

        For data migrations: a stored rendering becomes code + parameters again. A parameter
        with its own formatter cannot be read back and makes the parse fail.
        """
        if any(name in self.formats for name in self.names):
            return None
        with override(language):
            translated = gettext(self.message)
            labels = {
                name: {str(label): value for value, label in self.choices[name]().choices}
                for name in self.names
                if name in self.choices
            }
        pattern, position, seen = "", 0, set()
        for match in PLACEHOLDER.finditer(translated):
            name = match.group(1)
            pattern += re.escape(translated[position : match.start()])
            pattern += f"(?P={name})" if name in seen else f"(?P<{name}>.+?)"
            seen.add(name)
            position = match.end()
        pattern += re.escape(translated[position:])
        found = re.fullmatch(pattern, text, flags=re.DOTALL)
        if found is None:
            return None
        params = {}
        for name, value in found.groupdict().items():
            if name in labels:
                if value not in labels[name]:
                    return None
                value = labels[name][value]
            params[name] = value
        return params


def render(registry: Mapping[str, Callable[[Mapping], str]], code: str, params, fallback: str):
    """CODE rendered from REGISTRY in the active language, or FALLBACK (legacy text) as stored."""
    renderer = registry.get(code) if code else None
    return str(renderer(params or {})) if renderer else fallback


def parse_any(registry: Mapping[str, Callable], text: str, languages=("sv", "en", "es")):
    """(code, params) of the first Phrase in REGISTRY that TEXT is a rendering of, else None."""
    for code, renderer in registry.items():
        if not isinstance(renderer, Phrase):
            continue
        for language in languages:
            params = renderer.parse(text, language)
            if params is not None:
                return code, params
    return None
