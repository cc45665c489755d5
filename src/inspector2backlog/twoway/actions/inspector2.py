"""Inspector: a suppression filter (``CreateFilter``, action SUPPRESS, ``findingArn`` EQUALS) per decision, and
``DeleteFilter`` / ``UpdateFilter`` when the issue is reopened. boto3's standard configuration (``AWS_ENDPOINT_URL``,
credentials, retries in standard mode); the region is the finding's."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import ActionError, Applied

MAX_VALUES = 10  # findingArn values per filter criterion
NAME_MAX = 64


def _client(arn: str) -> Any:
    # lazy: boto3 only for two-way
    import boto3
    from botocore.config import Config

    parts = arn.split(":")
    region = parts[3] if len(parts) > 3 and parts[3] else None
    cfg = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=20)
    return boto3.client("inspector2", region_name=region, config=cfg)


def _reason(api: str, exc: Exception) -> ActionError:
    # lazy: boto3 only for two-way
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code", "ClientError")
        msg = str(err.get("Message") or "")[:300]
        return ActionError(f"{api}: {code}" + (f" ({msg})" if msg else ""))
    return ActionError(f"{api}: {type(exc).__name__}")


def _values(flt: dict) -> tuple[str, ...]:
    return tuple(
        str(c.get("value"))
        for c in (flt.get("criteria") or {}).get("findingArn") or ()
        if c.get("comparison") == "EQUALS"
    )


def _criteria(values: Iterable[str]) -> dict:
    return {"findingArn": [{"comparison": "EQUALS", "value": v} for v in values]}


def _existing(client: Any, names: set[str]) -> dict[str, dict]:
    """Our suppression filters by name (a retry after a lost answer adopts the filter instead of adding one)."""
    out: dict[str, dict] = {}
    kw: dict[str, Any] = {"action": "SUPPRESS"}
    for _ in range(100):
        page = client.list_filters(**kw)
        for f in page.get("filters") or ():
            if f.get("name") in names:
                out[f["name"]] = f
        token = page.get("nextToken")
        if not token:
            break
        kw["nextToken"] = token
    return out


def filter_names(base: str, count: int) -> list[str]:
    base = base[: NAME_MAX - 4]
    return [base if i == 0 else f"{base}-{i + 1}" for i in range(count)]


def suppress(arns: list[str], *, name: str, description: str, reason: str, start: int = 0) -> list[Applied]:
    """One SUPPRESS filter per 10 ARNs, named ``name``, ``name-2``… (the first ``start`` names skipped: they are
    taken by filters made earlier for the same issue)."""
    # lazy: boto3 only for two-way
    from botocore.exceptions import BotoCoreError, ClientError

    chunks = [arns[i : i + MAX_VALUES] for i in range(0, len(arns), MAX_VALUES)]
    names = filter_names(name, start + len(chunks))[start:]
    client = _client(arns[0])
    api = "inspector2:ListFilters"
    out = []
    try:
        found = _existing(client, set(names))
        for n, chunk in zip(names, chunks, strict=True):
            if n in found and set(chunk) <= set(_values(found[n])):
                out.append(
                    Applied(
                        "inspector2:ListFilters", "既存の抑制フィルターを確認", found[n]["arn"], n, _values(found[n])
                    )
                )
                continue
            if n in found:
                api = "inspector2:UpdateFilter"
                client.update_filter(
                    filterArn=found[n]["arn"],
                    action="SUPPRESS",
                    filterCriteria=_criteria(chunk),
                    description=description[:512],
                    reason=reason[:512],
                )
                out.append(Applied(api, "抑制フィルターを更新", found[n]["arn"], n, tuple(chunk)))
                continue
            api = "inspector2:CreateFilter"
            made = client.create_filter(
                name=n,
                action="SUPPRESS",
                filterCriteria=_criteria(chunk),
                description=description[:512],
                reason=reason[:512],
            )
            out.append(Applied(api, "抑制フィルターを作成", made["arn"], n, tuple(chunk)))
    except (ClientError, BotoCoreError) as e:
        raise _reason(api, e) from None
    return out


def release(arn: str, filters: list[dict], *, names: tuple[str, ...] = ()) -> list[Applied]:
    """Take ``arn`` out of the filters recorded for it (or, when none is recorded, our filters named ``names``):
    a filter left empty is deleted, else updated."""
    return _release(arn, filters, names, keep=lambda v: v != arn)


def release_all(region_arn: str, filters: list[dict], *, names: tuple[str, ...] = ()) -> list[Applied]:
    """Delete every filter recorded for a group decision (or, when none is recorded, our filters named ``names``);
    a filter already gone is skipped. ``region_arn``: any member's ARN (the filters live in its region)."""
    return _release(region_arn, filters, names, keep=lambda v: False)


def _release(
    region_arn: str, filters: list[dict], names: tuple[str, ...], *, keep: Callable[[str], bool]
) -> list[Applied]:
    """The filters recorded (or named) that still exist keep only the values ``keep`` accepts: a filter left empty
    is deleted, else updated; one already gone (deleted by hand) is skipped — nothing holds the finding."""
    # lazy: boto3 only for two-way
    from botocore.exceptions import BotoCoreError, ClientError

    client = _client(region_arn)
    out = []
    api = "inspector2:ListFilters"
    try:
        if not filters and names:
            filters = [{"arn": f["arn"]} for f in _existing(client, set(names)).values()]
        wanted = [f.get("arn") for f in filters if f.get("arn")]
        live = {f["arn"]: f for f in client.list_filters(arns=wanted).get("filters") or ()} if wanted else {}
        for rec in filters:
            f = live.get(rec.get("arn"))
            if f is None:
                continue
            rest = [v for v in _values(f) if keep(v)]
            if rest:
                api = "inspector2:UpdateFilter"
                client.update_filter(filterArn=f["arn"], filterCriteria=_criteria(rest))
                out.append(Applied(api, "抑制フィルターから検出結果を除外", f["arn"], f.get("name", ""), tuple(rest)))
            else:
                api = "inspector2:DeleteFilter"
                client.delete_filter(arn=f["arn"])
                out.append(Applied(api, "抑制フィルターを削除", f["arn"], f.get("name", ""), ()))
    except (ClientError, BotoCoreError) as e:
        raise _reason(api, e) from None
    return out
