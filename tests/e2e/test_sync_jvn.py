"""`sync` with `[jvn]` on: a ListFindings page's CVEs are looked up together, the issues carry JVN iPedia's text."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.backlog_server import FakeBacklog
from tests.fakes.moto_server import moto_endpoint  # noqa: F401
from tests.fakes.myjvn_server import MyJvnServer

from .test_sync import PagingProxy, fake, findings, inspector, run, seed_pages, write_config  # noqa: F401


def test_a_page_is_looked_up_in_one_detail_call(
    tmp_path: Path, fake: FakeBacklog, inspector: PagingProxy, moto_endpoint: str
) -> None:
    fs = findings()
    seed_pages(moto_endpoint, [[fs["A"], fs["D"]]])
    with MyJvnServer() as jvn:
        cfg = write_config(tmp_path, fake)
        cfg.write_text(cfg.read_text() + f'[jvn]\nenabled = true\nendpoint_url = "{jvn.url}/myjvn"\n')
        r = run(cfg, "sync")
        assert r.exit_code == 0, r.output
        assert len(jvn.calls("getVulnDetailInfo")) == 1 and len(jvn.calls("getVulnOverviewList")) == 2
    descriptions = [i["description"] for i in fake.issues.values()]
    assert len(descriptions) == 2
    assert any("JVN iPedia JVNDB-2024-001987" in d for d in descriptions)
    assert any("JVN iPedia JVNDB-2024-003719" in d for d in descriptions)
