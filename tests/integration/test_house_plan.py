"""The house plan: features declare themselves, and an app holds only what its features bring."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from campaign import default_features
from campaign.auth.feature import feature as auth
from campaign.core.feature import feature as core
from campaign.features import Feature, registry
from campaign.mail.feature import feature as mail
from campaign.petitions.feature import feature as petitions
from tests.petitions_support import make_petition


def test_an_app_with_some_features_only_works(make_app: Callable[..., Flask], app: Flask) -> None:
    """Petitions run without the newsletter, volunteers or help desk: nothing of theirs is reachable."""
    small = make_app(features=(core, auth, mail, petitions))
    client = small.test_client()
    with small.app_context():
        petition = make_petition()
        slug, titles = petition.slug, tuple(petition.title.values())
        found = registry(small)
        assert {job.name for job in found.jobs} == {
            "mail.retry", "abuse.mail_cap_sweep", "notices", "auth.sessions_purge",
            "petitions.confirmations", "petitions.milestones", "petitions.purge_pending",
        }
        assert [holder.key for holder in found.data_rights] == ["petitions"]
        assert set(found.audiences) == {"petition", "petition-updates"} and found.access_checkers == {}
    home = client.get("/")
    assert home.status_code == 200
    assert any(title in home.text for title in titles)
    assert "/subscribe" not in home.text and "/volunteer" not in home.text and "/my-data" not in home.text
    for path in ("/subscribe", "/volunteer", "/help", "/my-data/", "/reports/"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/petitions/{slug}").status_code == 200


def test_two_apps_in_one_process_share_nothing(make_app: Callable[..., Flask], app: Flask) -> None:
    """Building a small app does not change what the full app offers, and the reverse."""
    full_nav = [entry.endpoint for entry in registry(app).public_nav]
    small = make_app(features=(core, auth, mail, petitions))
    assert registry(small).public_nav == []
    assert [entry.endpoint for entry in registry(app).public_nav] == full_nav
    assert "newsletter.subscribe" in full_nav and "volunteers.signup" in full_nav
    assert [holder.key for holder in registry(small).data_rights] == ["petitions"]
    assert {holder.key for holder in registry(app).data_rights} == {"petitions", "newsletter", "volunteers", "events"}


def test_every_shipped_feature_declares_itself_once() -> None:
    """Names, jobs, audiences and access kinds are unique; every job names a lane."""
    features = default_features()
    names = [feature.name for feature in features]
    assert len(names) == len(set(names))
    jobs = [job for feature in features for job in feature.jobs]
    assert len({job.name for job in jobs}) == len(jobs)
    assert {job.lane.value for job in jobs} == {"mail", "bulk", "upkeep", "hooks"}


def test_a_feature_given_twice_is_refused(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ValueError, match="given twice"):
        make_app(features=(core, auth, core))


def test_a_contributed_audience_key_must_be_unique(make_app: Callable[..., Flask]) -> None:
    twin = Feature(name="twin-petitions", audiences=petitions.audiences)
    with pytest.raises(ValueError, match="audience key"):
        make_app(features=(core, auth, petitions, twin))
