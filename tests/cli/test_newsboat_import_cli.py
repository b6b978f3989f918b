"""`crm-tui feeds import-newsboat [PATH]` end to end (issue 18)."""

from __future__ import annotations

import json
from pathlib import Path

URLS = """\
# my feeds
https://blog.example/feed.xml tech "open source"
http://news.example/rss "~Morning News" news !hidden
query:Unread:unread = "yes"
query:Python:title =~ "python"
exec:~/bin/fetch-something
"https://quoted.example/atom.xml" design
https://blog.example/feed.xml duplicate-line
not-a-url
https://broken.example/rss "unclosed
"""


def feeds(run_cli) -> list[dict]:
    return json.loads(run_cli("feeds", "list", "--json").output)


def test_import_a_urls_file(run_cli, tmp_path):
    path = tmp_path / "urls"
    path.write_text(URLS)
    done = run_cli("feeds", "import-newsboat", str(path))
    assert done.exit_code == 0, done.output
    assert "4 added, 1 already subscribed, 2 query feeds skipped, 2 rejected" in done.stdout
    assert "not imported (only http(s) feeds): exec:~/bin/fetch-something" in done.stderr
    got = {f["url"]: (f["title"], f["tags"]) for f in feeds(run_cli)}
    assert got == {
        "https://blog.example/feed.xml": ("", ["tech", "open source"]),
        "http://news.example/rss": ("Morning News", ["news"]),
        "https://quoted.example/atom.xml": ("", ["design"]),
        "https://broken.example/rss": ("", ['"unclosed']),
    }
    again = run_cli("feeds", "import-newsboat", str(path))
    assert "0 added, 5 already subscribed" in again.stdout


def test_default_locations(run_cli, tmp_path):
    home = Path(tmp_path / "user-home")  # HOME in every test (conftest)
    missing = run_cli("feeds", "import-newsboat")
    assert missing.exit_code == 2 and "no newsboat urls file" in missing.stderr
    xdg = home / ".config" / "newsboat"
    xdg.mkdir(parents=True)
    (xdg / "urls").write_text("https://xdg.example/feed\n")
    assert "1 added" in run_cli("feeds", "import-newsboat").stdout
    classic = home / ".newsboat"
    classic.mkdir()
    (classic / "urls").write_text("https://classic.example/feed\n")
    assert "1 added" in run_cli("feeds", "import-newsboat").stdout  # ~/.newsboat wins when present
    assert {f["url"] for f in feeds(run_cli)} == {"https://xdg.example/feed", "https://classic.example/feed"}


def test_not_a_file(run_cli, tmp_path):
    failed = run_cli("feeds", "import-newsboat", str(tmp_path / "nope"))
    assert failed.exit_code == 2 and "is not a file" in failed.stderr
