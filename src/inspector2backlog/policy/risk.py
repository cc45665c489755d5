"""Priority from risk: optional rules that raise an issue's priority (and shorten its due date) beyond the severity.

Three rules, each off unless ``[risk]`` names a priority for it:

* a known exploit (``exploitAvailable`` = YES) → ``exploit_priority``;

(what a finding shows of these is its source's answer: ``Source.risk_inputs``)
* EPSS ≥ ``epss_threshold`` → ``epss_priority``;
* an internet-reachable resource → ``internet_reachable_priority``. "Reachable" is kept simple and explained: an active
  NETWORK_REACHABILITY finding whose path starts at an Internet Gateway was seen for the same resource (remembered in
  the state store as ``reach:{resource id}``), or the EC2 instance has a public IPv4 address (anything outside
  RFC 1918, 100.64/10, loopback and link-local).

A rule only ever raises (高 > 中 > 低), never lowers. Every raise carries a Japanese reason line, shown in the issue
under 「優先度を上げた理由」, so nobody has to guess why a 警告 finding is 高.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .. import sources
from ..findings.model import Finding, Resource
from ..render.wording import percent
from ..state import keys
from ..state.base import ConflictError, Record, StateStore

if TYPE_CHECKING:
    from ..config import RiskConfig

PRIORITY_RANK = {"低": 0, "中": 1, "高": 2}
REACH_PREFIX = keys.REACH
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "0.0.0.0/8",
    )
)


@dataclass(frozen=True, slots=True)
class RiskFacts:
    """What the rules look at; built from one finding, or merged over the members of a group."""

    exploit: bool = False
    epss: float | None = None
    reachable: str = ""  # why the resource is internet-reachable ("" = not known to be)

    @staticmethod
    def merge(facts: Iterable[RiskFacts]) -> RiskFacts:
        exploit, epss, reach = False, None, ""
        for x in facts:
            exploit = exploit or x.exploit
            if x.epss is not None and (epss is None or x.epss > epss):
                epss = x.epss
            reach = reach or x.reachable
        return RiskFacts(exploit, epss, reach)


@dataclass(frozen=True, slots=True)
class RiskDecision:
    priority: str
    due_days: int | None
    reasons: tuple[str, ...] = ()

    @property
    def raised(self) -> bool:
        return bool(self.reasons)


def decide(facts: RiskFacts, priority: str, due_days: int | None, cfg: RiskConfig | None) -> RiskDecision:
    """Apply the rules to a base priority / due days (from the severity)."""
    if cfg is None or not cfg.enabled:
        return RiskDecision(priority, due_days)
    reasons: list[str] = []
    new = priority
    if (
        cfg.exploit_priority
        and facts.exploit
        and PRIORITY_RANK.get(cfg.exploit_priority, 0) > PRIORITY_RANK.get(new, 1)
    ):
        new = cfg.exploit_priority
        reasons.append(
            f"既知の悪用があります（exploitAvailable = YES）: 優先度を「{cfg.exploit_priority}」にしました。"
        )
    if (
        cfg.epss_threshold > 0
        and cfg.epss_priority
        and facts.epss is not None
        and facts.epss >= cfg.epss_threshold
        and PRIORITY_RANK.get(cfg.epss_priority, 0) > PRIORITY_RANK.get(new, 1)
    ):
        new = cfg.epss_priority
        reasons.append(
            f"悪用可能性 (EPSS) が {percent(facts.epss)} で、しきい値 {percent(cfg.epss_threshold)} 以上です:"
            f" 優先度を「{cfg.epss_priority}」にしました。"
        )
    if (
        cfg.internet_reachable_priority
        and facts.reachable
        and PRIORITY_RANK.get(cfg.internet_reachable_priority, 0) > PRIORITY_RANK.get(new, 1)
    ):
        new = cfg.internet_reachable_priority
        reasons.append(f"{facts.reachable}: 優先度を「{cfg.internet_reachable_priority}」にしました。")
    if not reasons:
        return RiskDecision(priority, due_days)
    due = due_days
    if cfg.raised_due_days > 0:
        due = cfg.raised_due_days if due is None else min(due, cfg.raised_due_days)
        if due != due_days:
            reasons.append(
                f"対応期限の目安を {due} 日に短縮しました（元は {due_days} 日）。"
                if due_days
                else f"対応期限の目安を {due} 日にしました。"
            )
    return RiskDecision(new, due, tuple(reasons))


# ---- facts from a finding ------------------------------------------------------------------------------------------


def public_ip(r: Resource) -> str:
    """The first public IPv4 address of an EC2 instance ("" when none)."""
    if r.type != "AWS_EC2_INSTANCE":
        return ""
    for value in getattr(r.details, "ipv4_addresses", None) or ():  # see findings.model.Resource.details
        try:
            ip = ipaddress.ip_address(str(value))
        except ValueError:
            continue
        if ip.version == 4 and not any(ip in n for n in _NOT_PUBLIC):
            return str(ip)
    return ""


def from_internet_gateway(f: Finding) -> bool:
    return bool(sources.get(f.source).risk_inputs(f).gateway_port_label)


def reachable_reason(f: Finding, store: StateStore | None) -> str:
    inputs = sources.get(f.source).risk_inputs(f)
    if inputs.gateway_port_label:
        return f"インターネットゲートウェイからポート {inputs.gateway_ports} に到達可能です"
    for r in f.resources:
        ip = public_ip(r)
        if ip:
            return f"パブリック IP アドレス（{ip}）を持つ EC2 インスタンスです"
    if store is not None:
        for r in f.resources:
            rec = store.get(keys.reach(r.id))
            if rec is not None and rec.data.get("ports"):
                ports = "、".join(sorted(rec.data["ports"]))
                return f"同じリソースでインターネットからの到達性（ポート {ports}）が検出されています"
    return ""


def facts_for(f: Finding, store: StateStore | None = None, *, reach: bool = True) -> RiskFacts:
    inputs = sources.get(f.source).risk_inputs(f)
    return RiskFacts(inputs.exploit, inputs.epss, reachable_reason(f, store) if reach else "")


def remember_reachability(f: Finding, store: StateStore) -> None:
    """Keep ``reach:{resource id}`` current from NETWORK_REACHABILITY findings that start at an Internet Gateway."""
    port = sources.get(f.source).risk_inputs(f).gateway_port_label
    if not port:
        return
    for r in f.resources:
        key = keys.reach(r.id)

        def change(rec: Record | None, key: str = key) -> Record | None:
            ports = set(rec.data.get("ports") or []) if rec else set()
            want = ports | {port} if f.status == "ACTIVE" else ports - {port}
            if want == ports:
                return None  # nothing new (and nothing to remember for a resource never seen)
            return replace(rec or Record(key), phase="synced", status=f.status, data={"ports": sorted(want)})

        with suppress(ConflictError):  # kept changing: the next finding of the resource updates it
            store.update(key, change, 3)
