"""A workflow for the restart test, in a module of its own: the workflow sandbox
re-imports it, so it imports nothing but the SDK."""

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def record_step(step: str) -> str:
    return f"{step} done"


@workflow.defn
class ApprovalWorkflow:
    def __init__(self) -> None:
        self.steps: list[str] = []
        self.approved_by: str | None = None

    @workflow.run
    async def run(self, subject: str) -> list[str]:
        self.steps.append(
            await workflow.execute_activity(
                record_step, f"{subject} prepared", start_to_close_timeout=timedelta(seconds=10)
            )
        )
        await workflow.wait_condition(lambda: self.approved_by is not None)
        self.steps.append(
            await workflow.execute_activity(
                record_step,
                f"approved by {self.approved_by}",
                start_to_close_timeout=timedelta(seconds=10),
            )
        )
        return self.steps

    @workflow.signal
    def approve(self, who: str) -> None:
        self.approved_by = who

    @workflow.query
    def progress(self) -> list[str]:
        return self.steps
