"""engine.compare.recommend: the decision rules, their sources, and the Chooser panel."""
from __future__ import annotations

import itertools
import os
import random
import re
import subprocess
import sys

import pytest

from engine import compare
from engine.compare import recommend

KEYS = [r.key for r in compare.REQUIREMENTS]
REDIS_ONLY = ["rich_types", "sorted_sets", "geospatial", "pub_sub", "transactions",
              "replicas_failover", "backups"]
VALKEY_ONLY = ["no_data_loss", "vector_search"]
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_PARENT = os.path.dirname(REPO)          # shared/ sits beside the repository


# -- the rules ------------------------------------------------------------------------------
def test_no_requirement_gives_valkey():
    rec = recommend({})
    assert rec.engine == "Valkey" and rec.family == "Valkey/Redis OSS"
    assert "recommended engine" in rec.reasons[0]


@pytest.mark.parametrize("need", REDIS_ONLY)
def test_a_redis_only_need_rules_out_memcached(need):
    rec = recommend({need: True, "simple_cache": True, "multithreaded": True})
    assert rec.engine == "Valkey"
    assert rec.ruled_out["Memcached"], need
    assert any("Memcached shines" in c for c in rec.cautions)


@pytest.mark.parametrize("need", VALKEY_ONLY)
def test_a_valkey_only_need_beats_staying_on_redis_oss(need):
    rec = recommend({need: True, "redis_oss_required": True})
    assert rec.engine == "Valkey"
    assert "Redis OSS" in rec.ruled_out and "Memcached" in rec.ruled_out
    assert any("stay on Redis OSS" in c for c in rec.cautions)


@pytest.mark.parametrize("needs", [{"simple_cache": True}, {"multithreaded": True},
                                   {"simple_cache": True, "multithreaded": True}])
def test_memcached_strengths_choose_memcached(needs):
    rec = recommend(needs)
    assert rec.engine == "Memcached" and rec.family == "Memcached"
    assert any("no replicas" in c for c in rec.cautions)          # node-based by default


def test_large_values_weigh_against_memcached():
    assert recommend({"large_items": True}).engine == "Valkey"
    rec = recommend({"large_items": True, "simple_cache": True})
    assert rec.engine == "Valkey" and any("max_item_size" in c for c in rec.cautions)
    rec = recommend({"large_items": True, "simple_cache": True, "multithreaded": True})
    assert rec.engine == "Memcached" and any("max_item_size" in c for c in rec.cautions)


def test_staying_on_redis_oss():
    rec = recommend({"redis_oss_required": True, "simple_cache": True, "open_source": True})
    assert rec.engine == "Redis OSS"
    assert rec.ruled_out == {"Memcached": ["you must stay on Redis OSS"],
                             "Valkey": ["you require Redis OSS"]}
    assert any("BSD" in r for r in rec.reasons)
    assert any("31 January 2026" in c for c in rec.cautions)


def test_serverless_changes_the_backup_and_failover_rules():
    node_based = recommend({"backups": True, "simple_cache": True})
    serverless = recommend({"backups": True, "simple_cache": True, "deployment": "serverless"})
    assert node_based.engine == "Valkey"
    assert serverless.engine == "Memcached"
    assert any("serverless Memcached has backups" in c for c in serverless.cautions)
    assert not any("ketama" in c for c in serverless.cautions)
    rec = recommend({"replicas_failover": True, "deployment": "serverless"})
    assert any("3 AZs" in c for c in rec.cautions)
    rec = recommend({"no_data_loss": True, "deployment": "serverless"})
    assert rec.engine == "Valkey"
    assert any("not available for serverless" in c for c in rec.cautions)


def test_price_and_license_reasons():
    rec = recommend({"lower_price": True, "open_source": True})
    assert rec.engine == "Valkey"
    assert any("33%" in r for r in rec.reasons) and any("BSD" in r for r in rec.reasons)


def test_sampled_combinations_obey_the_rules():
    rng = random.Random(0)
    combos = [dict(zip(KEYS, bits)) for bits in itertools.product([False, True], repeat=4)]
    combos += [{k: rng.random() < 0.3 for k in KEYS} for _ in range(1500)]
    for combo in combos:
        for deployment in compare.DEPLOYMENTS:
            needs = {**combo, "deployment": deployment}
            rec = recommend(needs)
            assert rec == recommend(needs), "recommend must be deterministic"
            on = {k for k, v in combo.items() if v}
            assert rec.engine in ("Valkey", "Redis OSS", "Memcached")
            assert rec.reasons and all("(source: " in r for r in rec.reasons), needs
            if on & set(VALKEY_ONLY):
                assert rec.engine == "Valkey", needs
            hard = set(REDIS_ONLY) - ({"backups", "replicas_failover"}
                                      if deployment == "serverless" else set())
            if on & (hard | set(VALKEY_ONLY) | {"redis_oss_required"}):
                assert rec.engine != "Memcached", needs
            if rec.engine == "Redis OSS":
                assert "redis_oss_required" in on
            if rec.engine == "Memcached":
                assert on & {"simple_cache", "multithreaded"}, needs


@pytest.mark.parametrize("bad, error, match", [
    ({"sorted_set": True}, ValueError, "unknown requirement.*sorted_sets"),
    ({"deployment": "on-premises"}, ValueError, "deployment must be one of"),
    (["sorted_sets"], TypeError, "takes a dict"),
])
def test_bad_requirements_get_a_clear_error(bad, error, match):
    with pytest.raises(error, match=match):
        recommend(bad)


def test_recommendation_renderings():
    rec = recommend({"sorted_sets": True, "redis_oss_required": True, "simple_cache": True})
    text = str(rec)
    assert text.startswith("Recommended: Redis OSS\n  + ")
    html = rec.to_html()
    assert "Recommended: Redis OSS" in html and html.count("<li>") == (
        len(rec.reasons) + len(rec.cautions) + sum(map(len, rec.ruled_out.values())))


# -- every source named exists ----------------------------------------------------------------
def _all_citations():
    texts = [f.citation for f in compare.FEATURES]
    texts += [row[-1] for row in compare.SERVICE_FACTS + compare.LICENSES]
    texts += [f"(source: {m.sources})" for m in compare.ENGINE_HISTORY]
    for key in KEYS:
        for deployment in compare.DEPLOYMENTS:
            rec = recommend({key: True, "deployment": deployment})
            texts += rec.reasons + rec.cautions
    return texts


def test_cited_files_and_sections_exist():
    shared = os.path.join(SHARED_PARENT, "shared")
    if not os.path.isdir(shared):
        pytest.skip("shared/ is not beside the repository")
    facts = open(os.path.join(shared, "reference", "elasticache-facts.md"),
                 encoding="utf-8").read()
    sections = set(re.findall(r"^## (\d+)\.", facts, flags=re.M))
    seen = set()
    for text in _all_citations():
        for path in re.findall(r"shared/[\w./-]+\.(?:md|txt)", text):
            seen.add(path)
            assert os.path.isfile(os.path.join(SHARED_PARENT, path)), path
        for section in re.findall(r"elasticache-facts\.md §(\d+)", text):
            assert section in sections, f"§{section} is not a section of elasticache-facts.md"
    assert len(seen) >= 6     # both reference files and all four seeds are used


# -- the panel --------------------------------------------------------------------------------
def test_chooser_panel():
    pytest.importorskip("ipywidgets")
    chooser = compare.Chooser(sorted_sets=True)
    assert chooser.recommendation.engine == "Valkey"
    assert "Recommended: Valkey" in chooser.result.value
    assert chooser.requirements() == {"sorted_sets": True, "deployment": "node-based"}
    rec = chooser.choose(sorted_sets=False, simple_cache=True)
    assert rec.engine == "Memcached" and chooser.boxes["simple_cache"].value is True
    assert "Recommended: Memcached" in chooser.result.value
    chooser.boxes["pub_sub"].value = True                  # a click does the same
    assert chooser.recommendation.engine == "Valkey"
    chooser.choose(deployment="serverless")
    assert chooser.requirements()["deployment"] == "serverless"
    with pytest.raises(ValueError):
        chooser.choose(nonsense=True)
    with pytest.raises(ValueError):
        compare.Chooser(deployment="mainframe")
    assert len(chooser.boxes) == len(compare.REQUIREMENTS)


def test_importing_compare_pulls_in_no_jupyter_or_plotting():
    code = ("import sys, engine.compare; "
            "bad = [m for m in ('ipywidgets', 'IPython', 'plotly', 'jupyter_client') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
