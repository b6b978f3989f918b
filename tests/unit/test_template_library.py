"""User templates (add, replace, broken files) and the mailto URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import arrow

from crm_tui.domain import drafts, template_library
from crm_tui.domain.models import Contact

NOW = arrow.get("2026-03-02T18:00:00+00:00")


def ctx(step: str = "keep-in-touch", channel: str = "email") -> drafts.MessageContext:
    return drafts.MessageContext(contact=Contact(name="Maya Okafor", company="Larkspur"),
                                  step=step, channel=channel, me_name="Sam", now=NOW)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "templates.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------- user templates
def test_no_user_file_means_the_defaults(tmp_path):
    library, problems = template_library.load_library(tmp_path / "templates.toml")
    assert problems == [] and library is template_library.default_library()


def test_user_variant_comes_first_and_defaults_stay(tmp_path):
    path = write(tmp_path, '''
[[keep-in-touch]]
id = "mine"
channel = "email"
subject = "Hey {first_name}"
body = """
Yo {first_name}, long time[ — still at {company}]?
"""
''')
    library, problems = template_library.load_library(path)
    assert problems == []
    d = drafts.draft(ctx(), library=library)
    assert (d.subject, d.body, d.variant_id) == ("Hey Maya", "Yo Maya, long time — still at Larkspur?", "mine")
    default_count = drafts.draft(ctx()).variants
    assert d.variants == default_count + 1


def test_user_variant_with_a_default_id_replaces_it(tmp_path):
    path = write(tmp_path, '''
[[keep-in-touch]]
id = "checking-in"
subject = "Hello"
body = "Hi {first_name}, replaced."
''')
    library, problems = template_library.load_library(path)
    ids = [v.id for v in library.variants("keep-in-touch")]
    assert ids.count("checking-in") == 1 and ids[0] == "checking-in"
    assert drafts.draft(ctx(), library=library).body == "Hi Maya, replaced."


def test_replace_drops_the_defaults_of_a_step(tmp_path):
    path = write(tmp_path, '''
replace = ["rekindle"]

[[rekindle]]
id = "only"
channel = ["email", "linkedin", "message"]
subject = "Hi"
body = "Hi {first_name}, coffee?"
''')
    library, problems = template_library.load_library(path)
    assert problems == []
    assert [v.id for v in library.variants("rekindle")] == ["only"]
    assert len(library.variants("keep-in-touch")) == len(template_library.default_library().variants("keep-in-touch"))


def test_broken_toml_names_file_and_line_and_uses_defaults(tmp_path):
    path = write(tmp_path, '[[thank-you]]\nid = "x"\nbody = "unterminated\n')
    library, problems = template_library.load_library(path)
    assert library is template_library.default_library()
    assert len(problems) == 1
    assert str(path) in problems[0] and "line 3" in problems[0] and "default" in problems[0]


def test_a_bad_variant_is_skipped_with_its_line_the_rest_kept(tmp_path):
    path = write(tmp_path, '''# my templates
[[keep-in-touch]]
id = "good"
subject = "Hi"
body = "Hi {first_name}."

[[keep-in-touch]]
id = "bad"
subject = "Hi"
body = "Hi {contact.__class__}"

[[no-such-step]]
body = "x"

[[rekindle]]
channel = "fax"
body = "x"

[[rekindle]]
body = "no subject for an email"
''')
    library, problems = template_library.load_library(path)
    text = "\n".join(problems)
    assert f"{path}: line 7:" in text and "variant 2" in text
    assert "line 12" in text and "unknown step 'no-such-step'" in text
    assert "line 15" in text and "'fax'" in text
    assert "line 19" in text and "needs a subject" in text
    assert next(v.id for v in library.variants("keep-in-touch")) == "good"
    assert "bad" not in [v.id for v in library.variants("keep-in-touch")]


def test_unreadable_file_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "templates.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    library, problems = template_library.load_library(path)
    assert library is template_library.default_library() and str(path) in problems[0]


def test_user_variants_may_exceed_the_limit_and_are_flagged(tmp_path):
    long_body = "Hi {first_name}, " + "word " * 130
    path = write(tmp_path, f'[[keep-in-touch]]\nsubject = "Hi"\nbody = "{long_body}"\n')
    library, _ = template_library.load_library(path)
    d = drafts.draft(ctx(), library=library)
    assert d.words > drafts.WORD_LIMIT and d.over_limit


# ------------------------------------------------------------------------------- mailto
def test_mailto_percent_encodes_everything():
    url = drafts.mailto_url("maya@example.com", "Q&A? 50% off",
                             "Hi Maya,\nSee https://x.example/?a=1&b=2#frag\nZoë — café")
    assert url.startswith("mailto:maya@example.com?subject=")
    assert "+" not in url and " " not in url and "\n" not in url
    assert "subject=Q%26A%3F%2050%25%20off&" in url
    assert "%0D%0A" in url and "%0A" in url
    assert "Zo%C3%AB%20%E2%80%94%20caf%C3%A9" in url
    query = urlsplit(url).query
    parsed = {k: v[0] for k, v in parse_qs(query).items()}
    assert parsed["subject"] == "Q&A? 50% off"
    assert parsed["body"] == "Hi Maya,\r\nSee https://x.example/?a=1&b=2#frag\r\nZoë — café"
    assert unquote(query.split("&body=")[1]).count("\r\n") == 2


def test_mailto_without_subject_or_body():
    assert drafts.mailto_url("a@b.c", "", "") == "mailto:a@b.c"
    assert drafts.mailto_url("a@b.c", "", "x y") == "mailto:a@b.c?body=x%20y"


def test_mailto_address_cannot_smuggle_headers():
    url = drafts.mailto_url("a@b.c?cc=evil@x.y", "s", "b")
    assert url.startswith("mailto:a@b.c%3Fcc%3Devil@x.y?subject=s&body=b")


def test_user_templates_reach_every_draft_without_passing_a_library(store, paths, now):
    """The Today preview and `crm-tui share` call draft_for with no library: the user's
    templates.toml beside config.toml must still apply (and a change to it is seen)."""
    from crm_tui import config
    from crm_tui.domain.models import Contact
    from crm_tui.services import drafting

    paths.config.mkdir(parents=True, exist_ok=True)
    settings = config.load(paths.config_file)
    maya = store.add_contact(Contact(name="Maya Okafor"))
    paths.templates_file.write_text(
        '[[keep-in-touch]]\nid = "mine"\nchannel = "email"\nsubject = "Hey {first_name}"\nbody = "Yo {first_name}"\n',
        encoding="utf-8",
    )
    first = drafting.draft_for(store, settings, now, maya, step="keep-in-touch")
    assert (first.subject, first.body) == ("Hey Maya", "Yo Maya")
    paths.templates_file.write_text(
        '[[keep-in-touch]]\nid = "mine"\nchannel = "email"\nsubject = "Hello {first_name}!"\nbody = "Hi {first_name}"\n',
        encoding="utf-8",
    )
    assert drafting.draft_for(store, settings, now, maya, step="keep-in-touch").subject == "Hello Maya!"
