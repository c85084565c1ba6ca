"""Extension points of the core: navigation entries and home-page widgets that apps register
in their `AppConfig.ready`, so the core never imports them."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url_name: str
    icon: str
    order: int
    visible: Callable  # (user) -> bool


@dataclass(frozen=True)
class HomeWidget:
    key: str
    title: str
    order: int
    template: str
    visible: Callable  # (request) -> bool
    context: Callable  # (request) -> dict


_nav_entries: dict[str, NavEntry] = {}
_home_widgets: dict[str, HomeWidget] = {}


def register_nav(entry: NavEntry) -> None:
    _nav_entries[entry.key] = entry


def register_home_widget(widget: HomeWidget) -> None:
    _home_widgets[widget.key] = widget


def nav_entries(user) -> list[NavEntry]:
    return [e for e in sorted(_nav_entries.values(), key=lambda e: e.order) if e.visible(user)]


def home_widgets(request) -> list[dict]:
    """Visible widgets, each as {"widget": ..., **its context}."""
    widgets = sorted(_home_widgets.values(), key=lambda w: w.order)
    return [{"widget": w, **w.context(request)} for w in widgets if w.visible(request)]
