from __future__ import annotations


class StackError(Exception):
    """A part of the stack cannot be installed or started; says which one and the fix."""

    def __init__(self, part: str, problem: str, fix: str) -> None:
        super().__init__(f"{part}: {problem}")
        self.part = part
        self.problem = problem
        self.fix = fix

    def render(self) -> str:
        return f"✗ {self.part}: {self.problem}\n  fix: {self.fix}"
