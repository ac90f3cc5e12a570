"""pcsim's benchmarks: ``make bench`` (``python -m benchmarks``)."""


def print_goals(goals: list[tuple[str, bool | None, str]]) -> None:
    """The goals of the issue, each met or not, with the figure that decides it."""
    print()
    print("goals")
    for name, met, figure in goals:
        print(f"  {'met    ' if met else 'NOT met'}  {name}: {figure}")
