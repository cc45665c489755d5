"""Resolve the names in the configuration to Backlog ids, once per run, failing with a clear message.

:class:`ProjectCatalog` fetches everything the project offers (one request per list). Its ``*_named`` methods
resolve one name each and raise :class:`~.errors.ConfigLookupError` naming the missing thing and listing what
exists, in Japanese and English. :class:`ProjectContext` is the resolved result the pipeline uses;
``doctor`` uses the catalog directly so it can report every problem, not just the first.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ConfigLookupError, NoResourceError
from .models import (
    DEFAULT_PRIORITIES,
    DEFAULT_RESOLUTIONS,
    DEFAULT_STATUSES,
    TEXT_CUSTOM_FIELD_TYPES,
    CustomField,
    Named,
    User,
    default_id,
)

if TYPE_CHECKING:
    from ..config import BacklogConfig
    from .client import BacklogClient


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


#: how a configured name was matched (doctor reports it)
BY_NAME, BY_ID, BY_DEFAULT_ID = "name", "id", "default id"


def match_named(
    items: Sequence[Named], name: str, defaults: Mapping[int, tuple[str, ...]] | None = None
) -> tuple[Named | None, str]:
    """``(item, route)``: by name (exact, then NFKC/casefold), by id when ``name`` is a number, and — for one of
    Backlog's Japanese default names in ``defaults`` — by that default id, so that a Japanese
    configuration works in a space whose API user reads English. ``(None, "")`` when nothing matches."""
    for item in items:
        if item.name == name:
            return item, BY_NAME
    wanted = _norm(name)
    for item in items:
        if _norm(item.name) == wanted:
            return item, BY_NAME
    if name.strip().isdigit():  # an id is accepted too
        for item in items:
            if item.id == int(name):
                return item, BY_ID
    did = default_id(defaults, name) if defaults else None
    if did is not None:
        for item in items:
            if item.id == did:
                return item, BY_DEFAULT_ID
    return None, ""


def _find_named(items: Sequence[Named], name: str) -> Named | None:
    return match_named(items, name)[0]


_DEFAULTS = {"status": DEFAULT_STATUSES, "priority": DEFAULT_PRIORITIES, "resolution": DEFAULT_RESOLUTIONS}


def infer_language(*lists: Sequence[Named]) -> str:
    """ "ja" or "en" when the default names in ``lists`` (statuses, priorities, resolutions) are in that language,
    else "" (renamed or unknown)."""
    votes = {"ja": 0, "en": 0}
    for items in lists:
        for item in items:
            for defaults in _DEFAULTS.values():
                names = defaults.get(item.id)
                if names and item.name == names[0]:
                    votes["ja"] += 1
                elif names and item.name == names[1]:
                    votes["en"] += 1
    if votes["ja"] == votes["en"]:
        return ""
    return "ja" if votes["ja"] > votes["en"] else "en"


@dataclass(frozen=True, slots=True)
class ProjectCatalog:
    """Everything a project (and the space) defines that we look up by name."""

    project_id: int
    project_key: str
    project_name: str
    text_formatting_rule: str
    issue_types: tuple[Named, ...]
    statuses: tuple[Named, ...]
    priorities: tuple[Named, ...]
    resolutions: tuple[Named, ...]
    categories: tuple[Named, ...]
    custom_fields: tuple[CustomField, ...]
    users: tuple[User, ...]

    @classmethod
    def fetch(cls, client: BacklogClient, project_key: str) -> ProjectCatalog:
        """Nine GET requests. A missing project raises ``ConfigLookupError`` (not ``NoResourceError``)."""
        try:
            project = client.project(project_key)
        except NoResourceError:
            raise ConfigLookupError(
                f'プロジェクト "{project_key}" が見つかりません（キーを確認し、API キーの利用者がプロジェクトに'
                "参加しているか確認してください）",
                f'Project "{project_key}" not found (check the key and that the API key\'s user is a member)',
                what="Project",
                name=project_key,
            ) from None
        pid = int(project["id"])
        return cls(
            project_id=pid,
            project_key=str(project.get("projectKey") or project_key),
            project_name=str(project.get("name") or ""),
            text_formatting_rule=str(project.get("textFormattingRule") or "markdown"),
            issue_types=tuple(Named.from_json(d) for d in client.issue_types(pid)),
            statuses=tuple(Named.from_json(d) for d in client.statuses(pid)),
            priorities=tuple(Named.from_json(d) for d in client.priorities()),
            resolutions=tuple(Named.from_json(d) for d in client.resolutions()),
            categories=tuple(Named.from_json(d) for d in client.categories(pid)),
            custom_fields=tuple(CustomField.from_json(d) for d in client.custom_fields(pid)),
            users=tuple(User.from_json(d) for d in client.project_users(pid)),
        )

    # ---- lookups -----------------------------------------------------------------------------------------------
    def _in_project(
        self,
        items: Sequence[Named],
        name: str,
        kind_ja: str,
        kind_en: str,
        defaults: Mapping[int, tuple[str, ...]] | None = None,
    ) -> Named:
        found, _ = match_named(items, name, defaults)
        if found is None:
            raise ConfigLookupError.missing(
                kind_ja,
                kind_en,
                name,
                f"プロジェクト {self.project_key} ",
                f"project {self.project_key}",
                [i.name for i in items],
            )
        return found

    def _in_space(
        self,
        items: Sequence[Named],
        name: str,
        kind_ja: str,
        kind_en: str,
        defaults: Mapping[int, tuple[str, ...]] | None = None,
    ) -> Named:
        found, _ = match_named(items, name, defaults)
        if found is None:
            raise ConfigLookupError.missing(kind_ja, kind_en, name, "スペース", "the space", [i.name for i in items])
        return found

    def issue_type_named(self, name: str) -> Named:
        return self._in_project(self.issue_types, name, "課題種別", "Issue type")

    def status_named(self, name: str) -> Named:
        return self._in_project(self.statuses, name, "状態", "Status", DEFAULT_STATUSES)

    def category_named(self, name: str) -> Named:
        return self._in_project(self.categories, name, "カテゴリー", "Category")

    def priority_named(self, name: str) -> Named:
        return self._in_space(self.priorities, name, "優先度", "Priority", DEFAULT_PRIORITIES)

    def resolution_named(self, name: str) -> Named:
        return self._in_space(self.resolutions, name, "完了理由", "Resolution", DEFAULT_RESOLUTIONS)

    def route(self, kind: str, name: str) -> str:
        """How ``name`` of ``kind`` ("status", "priority", "resolution") matches: "name", "id", "default id" or ""."""
        items = {"status": self.statuses, "priority": self.priorities, "resolution": self.resolutions}[kind]
        return match_named(items, name, _DEFAULTS[kind])[1]

    def language(self) -> str:
        """The language the default names came back in ("ja", "en" or "" when renamed/unknown)."""
        return infer_language(self.statuses, self.priorities, self.resolutions)

    def user_named(self, who: str | int) -> User:
        """A project member by numeric id, userId, name or mail address."""
        text = str(who).strip()
        for u in self.users:
            if (
                (text.isdigit() and u.id == int(text))
                or text in (u.user_id, u.name)
                or (u.mail_address and _norm(text) == _norm(u.mail_address))
            ):
                return u
        wanted = _norm(text)
        for u in self.users:
            if wanted in (_norm(u.user_id), _norm(u.name)):
                return u
        raise ConfigLookupError.missing(
            "ユーザー",
            "User",
            text,
            f"プロジェクト {self.project_key} のメンバー",
            f"the members of project {self.project_key}",
            [u.label() for u in self.users],
        )

    def custom_field_named(self, name: str, *, issue_type: Named | None = None, text_only: bool = True) -> CustomField:
        found = next((f for f in self.custom_fields if f.name == name), None) or next(
            (f for f in self.custom_fields if _norm(f.name) == _norm(name)), None
        )
        if found is None:
            raise ConfigLookupError.missing(
                "カスタム属性",
                "Custom field",
                name,
                f"プロジェクト {self.project_key} ",
                f"project {self.project_key}",
                [f.name for f in self.custom_fields],
            )
        if text_only and found.type_id not in TEXT_CUSTOM_FIELD_TYPES:
            raise ConfigLookupError(
                f'カスタム属性 "{name}" は種別 {found.type_name} です。文字列（Text）または文章（TextArea）にしてください',
                f'Custom field "{name}" is of type {found.type_name}; it must be Text or TextArea',
                what="Custom field",
                name=name,
            )
        if issue_type is not None and not found.applies_to(issue_type.id):
            raise ConfigLookupError(
                f'カスタム属性 "{name}" は課題種別 "{issue_type.name}" で使えません（プロジェクト設定で対象の課題種別に'
                "追加してください）",
                f'Custom field "{name}" is not enabled for issue type "{issue_type.name}"',
                what="Custom field",
                name=name,
            )
        return found

    def required_custom_fields(self, issue_type: Named, *, provided: Iterable[int] = ()) -> tuple[CustomField, ...]:
        """Required custom fields of ``issue_type`` that we do not fill: a create would fail with code 7."""
        have = set(provided)
        return tuple(f for f in self.custom_fields if f.required and f.applies_to(issue_type.id) and f.id not in have)


@dataclass(frozen=True, slots=True)
class ProjectContext:
    """The ids the pipeline needs, resolved by name from the configuration."""

    project_id: int
    project_key: str
    project_name: str
    text_formatting_rule: str  # "markdown" | "backlog"
    issue_type: Named
    open_status: Named
    closed_status: Named
    suppressed_resolution: Named
    statuses: tuple[Named, ...]
    closed_resolution: Named | None = None  # None: closed without a resolution (configured as "")
    priorities: Mapping[str, int] = field(default_factory=dict)  # name → id (高/中/低…)
    categories: tuple[Named, ...] = ()
    assignee: User | None = None
    notified_users: tuple[User, ...] = ()
    arn_custom_field: CustomField | None = None
    users: tuple[User, ...] = ()
    #: further resolutions looked up by name at load (``[sources.<name>] archived_resolution``)
    named_resolutions: Mapping[str, Named] = field(default_factory=dict)

    def resolution(self, name: str) -> Named:
        """The resolution ``name`` resolved at load (:attr:`named_resolutions`, or the closed / suppressed one)."""
        if name in self.named_resolutions:
            return self.named_resolutions[name]
        for r in (self.suppressed_resolution, self.closed_resolution):
            if r is not None and r.name == name:
                return r
        loaded = list(self.named_resolutions)
        raise ConfigLookupError.missing("完了理由", "Resolution", name, "読み込み済みの設定", "the loaded set", loaded)

    @property
    def markdown(self) -> bool:
        return self.text_formatting_rule == "markdown"

    def priority_id(self, name: str) -> int:
        """The id of priority ``name`` (e.g. "高"). Raises ``ConfigLookupError`` listing the priorities."""
        if name in self.priorities:
            return self.priorities[name]
        for known, pid in self.priorities.items():
            if _norm(known) == _norm(name):
                return pid
        did = default_id(DEFAULT_PRIORITIES, name)  # "高" in a space that answers "High"
        if did is not None and did in self.priorities.values():
            return did
        raise ConfigLookupError.missing("優先度", "Priority", name, "スペース", "the space", list(self.priorities))

    def status_id(self, name: str) -> int:
        found, _ = match_named(self.statuses, name, DEFAULT_STATUSES)
        if found is None:
            raise ConfigLookupError.missing(
                "状態",
                "Status",
                name,
                f"プロジェクト {self.project_key} ",
                f"project {self.project_key}",
                [s.name for s in self.statuses],
            )
        return found.id

    def base_issue_params(self) -> dict[str, Any]:
        """The create parameters every issue shares: project, issue type, categories, assignee, notified users."""
        params: dict[str, Any] = {"projectId": self.project_id, "issueTypeId": self.issue_type.id}
        if self.categories:
            params["categoryId[]"] = [c.id for c in self.categories]
        if self.assignee is not None:
            params["assigneeId"] = self.assignee.id
        if self.notified_users:
            params["notifiedUserId[]"] = [u.id for u in self.notified_users]
        return params

    @classmethod
    def load(cls, client: BacklogClient, project_key: str, **names: Any) -> ProjectContext:
        """Fetch the catalog and resolve every name (keywords of :meth:`from_catalog`); the first missing one raises
        ``ConfigLookupError``. ``priority_names`` (e.g. the values of ``[backlog.priority]``) are checked to exist now
        rather than at the first issue."""
        return cls.from_catalog(ProjectCatalog.fetch(client, project_key), **names)

    @classmethod
    def from_catalog(
        cls,
        catalog: ProjectCatalog,
        *,
        issue_type_name: str,
        open_status_name: str = "未対応",
        closed_status_name: str = "完了",
        suppressed_resolution_name: str = "対応しない",
        closed_resolution_name: str = "対応済み",
        category_names: Sequence[str] = (),
        assignee: str | int | None = None,
        notified_users: Sequence[str | int] = (),
        arn_custom_field_name: str | None = None,
        priority_names: Iterable[str] = (),
        resolution_names: Iterable[str] = (),
    ) -> ProjectContext:
        issue_type = catalog.issue_type_named(issue_type_name)
        for name in dict.fromkeys(priority_names):
            catalog.priority_named(name)
        return cls(
            project_id=catalog.project_id,
            project_key=catalog.project_key,
            project_name=catalog.project_name,
            text_formatting_rule=catalog.text_formatting_rule,
            issue_type=issue_type,
            open_status=catalog.status_named(open_status_name),
            closed_status=catalog.status_named(closed_status_name),
            suppressed_resolution=catalog.resolution_named(suppressed_resolution_name),
            closed_resolution=catalog.resolution_named(closed_resolution_name) if closed_resolution_name else None,
            statuses=catalog.statuses,
            priorities={p.name: p.id for p in catalog.priorities},
            categories=tuple(catalog.category_named(n) for n in category_names if n),
            assignee=catalog.user_named(assignee) if assignee not in (None, "") else None,
            notified_users=tuple(catalog.user_named(u) for u in notified_users if u not in (None, "")),
            arn_custom_field=(
                catalog.custom_field_named(arn_custom_field_name, issue_type=issue_type)
                if arn_custom_field_name
                else None
            ),
            users=catalog.users,
            named_resolutions={n: catalog.resolution_named(n) for n in dict.fromkeys(resolution_names) if n},
        )

    @classmethod
    def from_config(cls, client: BacklogClient, backlog: BacklogConfig) -> ProjectContext:
        """:meth:`load` with the values of ``[backlog]`` (the priority names of ``[backlog.priority]`` checked too)."""
        return cls.load(client, backlog.project_key, **context_kwargs(backlog))


def context_kwargs(backlog: BacklogConfig) -> dict[str, Any]:
    """The keyword arguments of :meth:`ProjectContext.load` that ``[backlog]`` determines."""
    return {
        "issue_type_name": backlog.issue_type,
        "open_status_name": backlog.open_status,
        "closed_status_name": backlog.closed_status,
        "suppressed_resolution_name": backlog.suppressed_resolution,
        "closed_resolution_name": backlog.closed_resolution,
        "category_names": tuple(c for c in backlog.categories if c),
        "assignee": backlog.assignee or None,
        "notified_users": backlog.notified_users,
        "arn_custom_field_name": backlog.arn_custom_field or None,
        "priority_names": tuple(backlog.priority.values()),
    }
