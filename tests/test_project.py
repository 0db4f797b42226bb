"""The project's promises: the README's commands are the ones CI runs."""

import re

from tests.conftest import ROOT


def readme_commands():
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quickstart", 1)[1].split("## ", 1)[0]
    return re.findall(r"```bash\n(.*?)\n```", quick, flags=re.S)


def test_quickstart_is_exactly_two_commands():
    commands = readme_commands()
    assert len(commands) == 2 and all("\n" not in c for c in commands), commands
    assert "mentorsim run" in commands[0] and "pytest" in commands[1]


def test_ci_calls_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines(), (
        "the CI script must run the README's test command"
    )


def test_python_version_is_pinned():
    assert (ROOT / ".python-version").read_text().strip() == "3.12"


def test_public_api_names_resolve():
    import sim

    for name in sim.__all__:
        assert getattr(sim, name) is not None, name
