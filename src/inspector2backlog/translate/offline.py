"""The honest offline engine: Inspector's stereotyped phrases and templates in natural Japanese, nothing else.

Free text (CVE descriptions, code-finding advice…) gets ``None``, so the caller shows it in English marked 未翻訳.
Identifiers (instance, gateway and ENI ids, ports, package names in commands) are copied from the input as they
are. Package-manager commands are not prose: they come back unchanged (see :func:`is_command`).

Everything is a dict lookup or one precompiled regex: a few microseconds per text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from inspector2backlog.translate.base import Engine

# --- fixed phrases (keys are whitespace-collapsed and casefolded) --------------------------------------------

_PHRASES: dict[str, str] = {
    "none provided": "記載なし",
    "notavailable": "なし",
    "not available": "なし",
    "you can restrict access to your instance by modifying the security groups or acls in the network path.": (
        "ネットワーク経路上のセキュリティグループまたはネットワーク ACL を変更することで、"
        "インスタンスへのアクセスを制限できます。"
    ),
    "update all packages in the vulnerable packages section to their latest versions.": (
        "「影響を受けるパッケージ」のすべてのパッケージを最新バージョンに更新してください。"
    ),
    "upgrade your installed software packages to the proposed fixed in version and release.": (
        "インストールされているソフトウェアパッケージを、提示された修正バージョン（リリース）に更新してください。"
    ),
    "upgrade your installed software packages to the proposed fixed version and release.": (
        "インストールされているソフトウェアパッケージを、提示された修正バージョン（リリース）に更新してください。"
    ),
}

_MAX_PHRASE = max(len(k) for k in _PHRASES) + 16  # room for doubled inner spaces

# --- network reachability --------------------------------------------------------------------------------------

# Resource types as they appear in descriptions ("from the InternetGateway igw-…"), CloudFormation prefix optional.
_SOURCE_TYPES_JA: dict[str, str] = {
    "internetgateway": "インターネットゲートウェイ",
    "virtualprivategateway": "仮想プライベートゲートウェイ",
    "vpngateway": "仮想プライベートゲートウェイ",
    "vpnconnection": "VPN 接続",
    "vpcpeeringconnection": "VPC ピアリング接続",
    "peeredvpc": "ピアリング接続された VPC",
    "transitgateway": "トランジットゲートウェイ",
    "transitgatewayattachment": "トランジットゲートウェイアタッチメント",
    "loadbalancer": "ロードバランサー",
    "elasticloadbalancer": "Elastic Load Balancer",
    "applicationloadbalancer": "Application Load Balancer",
    "networkloadbalancer": "Network Load Balancer",
    "classicloadbalancer": "Classic Load Balancer",
    "natgateway": "NAT ゲートウェイ",
    "directconnectgateway": "Direct Connect ゲートウェイ",
    "vpcendpoint": "VPC エンドポイント",
    "networkinterface": "ネットワークインターフェイス",
}

# Sources as they appear in titles ("Port 22 is reachable from an Internet Gateway - TCP").
_SOURCE_PHRASES_JA: dict[str, str] = {
    "internet gateway": "インターネットゲートウェイ",
    "internet": "インターネット",
    "peered vpc": "ピアリング接続された VPC",
    "vpc peering connection": "VPC ピアリング接続",
    "virtual private gateway": "仮想プライベートゲートウェイ",
    "vpn gateway": "仮想プライベートゲートウェイ",
    "vpn": "VPN",
    "transit gateway": "トランジットゲートウェイ",
    "load balancer": "ロードバランサー",
    "elastic load balancer": "Elastic Load Balancer",
    "elb": "Elastic Load Balancer",
    "application load balancer": "Application Load Balancer",
    "network load balancer": "Network Load Balancer",
    "classic load balancer": "Classic Load Balancer",
    "direct connect": "Direct Connect",
    "direct connect gateway": "Direct Connect ゲートウェイ",
}

_ID = r"[^\s,]+?"
_DESCRIPTION = re.compile(
    r"On the instance (?P<inst>\S+?), the port(?: range)? (?P<begin>\d++)(?:\s*+-\s*+(?P<end>\d++))?"
    r" is reachable from (?:the |an? )?(?P<stype>(?:AWS::\w+::)?[A-Za-z]+) (?P<sid>" + _ID + r")"
    r"(?: from an attached ENI (?P<eni>" + _ID + r"))?\.?",
)
_TITLE = re.compile(
    r"(?P<label>Port range|Ports|Port) (?P<begin>\d++)(?:\s*+-\s*+(?P<end>\d++))?"
    # words, then " - TCP" or trailing spaces: a lazy "[A-Za-z ]*?" retried the protocol at every space of a run
    r" is reachable from (?:the |an? )?(?P<source>[A-Za-z]++(?: ++[A-Za-z]++)*+)"
    r"(?:\s++-\s++(?P<proto>[A-Za-z]++)| *+)",
)

# --- remediation templates -------------------------------------------------------------------------------------

_RUN_TO_UPDATE = re.compile(r"Run (?P<q>['\"`]?)(?P<cmd>.+?)(?P=q) to update your system\.?")

# --- commands ----------------------------------------------------------------------------------------------------

_MANAGERS = (
    "apt-get|apt|aptitude|yum|dnf|microdnf|tdnf|zypper|apk|rpm|dpkg|snap|brew|"
    "pip|pip3|pipenv|poetry|conda|uv|npm|yarn|pnpm|gem|bundle|go|cargo|composer|nuget|dotnet|mvn|gradle"
)
_SUBCOMMANDS = (
    "update|upgrade|dist-upgrade|full-upgrade|install|reinstall|get|add|remove|uninstall|erase|purge|patch|"
    "up|refresh|mod|audit|--upgrade|-U|-Uvh|-i|-y"
)
# manager, options, the first subcommand, anything else: no shell operator may follow the manager (checked once by
# the lookahead), options are read one way each (atomic) and the first subcommand is taken, so a rejected command is
# rejected without trying every split of its options, subcommand and arguments
_COMMAND_SEGMENT = re.compile(
    r"(?:sudo\s++)?(?:python3?\s++-m\s++)?(?:" + _MANAGERS + r")(?=[^;&|]*+\Z)"
    r"(?>\s++-{1,2}[\w=.-]+)*?\s++(?:" + _SUBCOMMANDS + r")(?=\s|\Z)"
    r"(?:\s++[^\s;&|]++)*+"
)
_COMMAND_START = re.compile(r"(?:sudo\s++)?(?:python3?\s++-m\s++)?(?:" + _MANAGERS + r")\s")
_COMMAND_SPLIT = re.compile(r"&&|\|\||;|\n")  # the parts are stripped (a "\s*" around it rescans space runs)

# --- Japanese detection ----------------------------------------------------------------------------------------

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z]")


def is_command(text: str) -> bool:
    """True when ``text`` is one or more package-manager commands (``apt-get update && apt-get upgrade``)."""
    if not isinstance(text, str):
        return False
    s = text.strip()
    if not s or _COMMAND_START.match(s) is None:
        return False
    return all(_COMMAND_SEGMENT.fullmatch(part) for part in map(str.strip, _COMMAND_SPLIT.split(s)) if part)


def is_mostly_japanese(text: str) -> bool:
    """True when Japanese characters make up a fair share of the letters (ids in Latin letters do not count much)."""
    if text.isascii():
        return False
    ja = len(_JAPANESE.findall(text))
    if not ja:
        return False
    latin = len(_LATIN.findall(text))
    return ja >= 0.3 * (ja + latin)


def translate_text(text: str) -> str | None:
    """Japanese for one stereotyped Inspector text; unchanged for Japanese text and commands; None otherwise."""
    if not isinstance(text, str):
        return None
    s = text.strip()
    if not s or is_mostly_japanese(s) or is_command(s):
        return text
    result = _translate_line(s)
    if result is not None:
        return result
    if "\n" in s:
        return _translate_lines(s)
    return None


class OfflineEngine(Engine):
    """Phrasebook and templates only; never leaves the machine."""

    name = "offline"

    @property
    def remote(self) -> bool:
        return False

    def translate_batch(self, texts: Sequence[str]) -> list[str | None]:
        return [translate_text(t) for t in texts]


# --- implementation ------------------------------------------------------------------------------------------


def _translate_line(s: str) -> str | None:
    if len(s) <= _MAX_PHRASE:
        phrase = _PHRASES.get(" ".join(s.split()).casefold())
        if phrase is not None:
            return phrase
    if is_command(s):
        return s
    for pattern, build in _TEMPLATES:
        m = pattern.fullmatch(s)
        if m is not None:
            out = build(m)
            if out is not None:
                return out
    return None


def _translate_lines(s: str) -> str | None:
    """Multi-line text (a remediation sentence followed by commands): every non-empty line must be known."""
    out = []
    for line in s.split("\n"):
        stripped = line.strip()
        if not stripped:
            out.append("")
            continue
        translated = _translate_line(stripped)
        if translated is None:
            return None
        out.append(translated)
    return "\n".join(out)


def _ports(m: re.Match[str]) -> tuple[str, bool]:
    begin, end = m.group("begin"), m.group("end")
    if end is None or begin.lstrip("0") == end.lstrip("0"):
        return begin, False
    return f"{begin}-{end}", True


def _description(m: re.Match[str]) -> str | None:
    stype = m.group("stype")
    source_ja = _SOURCE_TYPES_JA.get(stype.rsplit("::", 1)[-1].casefold(), stype)
    ports, is_range = _ports(m)
    subject = f"インスタンス {m.group('inst')} の{'ポート範囲' if is_range else 'ポート'} {ports} は、"
    eni = m.group("eni")
    if eni:
        return f"{subject}アタッチされた ENI {eni} を経由して{_lead(source_ja)} {m.group('sid')} から到達可能です。"
    return f"{subject}{source_ja} {m.group('sid')} から到達可能です。"


def _title(m: re.Match[str]) -> str | None:
    source_ja = _SOURCE_PHRASES_JA.get(" ".join(m.group("source").split()).casefold())
    if source_ja is None:
        return None
    ports, is_range = _ports(m)
    label = "ポート範囲" if is_range else "ポート"
    proto = m.group("proto")
    return f"{label} {ports}{'/' + proto if proto else ''} が{_spaced(source_ja)}から到達可能"


def _lead(ja: str) -> str:
    """A space after preceding kana when the term starts in Latin letters ("が Elastic Load Balancer")."""
    return " " + ja if ja[:1].isascii() else ja


def _spaced(ja: str) -> str:
    """Spaces between the term and the kana around it where the term is in Latin letters ("VPC から")."""
    ja = _lead(ja)
    return ja + " " if ja[-1:].isascii() else ja


def _run_to_update(m: re.Match[str]) -> str | None:
    cmd = m.group("cmd")
    if not is_command(cmd):
        return None
    return f"「{cmd}」を実行してシステムを更新してください。"


_TEMPLATES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]], ...] = (
    (_DESCRIPTION, _description),
    (_TITLE, _title),
    (_RUN_TO_UPDATE, _run_to_update),
)
