"""mypy plugins for libraries whose typing needs help (see pyproject.toml's [tool.mypy])."""
