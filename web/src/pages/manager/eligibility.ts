// Who may take a request, as the assignment check on the server decides it, plus the
// dispatcher's rule of offering only executors with a current verification: a manager
// sees at once why someone is missing instead of meeting a refusal after choosing.
import type { Executor } from "./queueApi";

export type Ineligibility = "inactive" | "noSkill" | "rejected" | "expired" | "notVerified";

export interface Candidate {
  executor: Executor;
  /** Empty when the executor may take the request. */
  reasons: Ineligibility[];
}

function verificationProblem(executor: Executor, now: number): Ineligibility | null {
  const until = executor.verified_until ? Date.parse(executor.verified_until) : null;
  const current = until !== null && until > now;
  switch (executor.verification_status) {
    case "verified":
      return current ? null : "expired";
    case "checking":
    case "awaiting_decision":
      // Re-verifying early: the last approval still holds.
      return current ? null : "notVerified";
    case "rejected":
      return "rejected";
    case "expired":
      return "expired";
    default:
      return "notVerified";
  }
}

export function candidatesFor(category: string, executors: readonly Executor[], now: number): { eligible: Candidate[]; others: Candidate[] } {
  const all = executors.map((executor): Candidate => {
    const reasons: Ineligibility[] = [];
    if (!executor.is_active) reasons.push("inactive");
    if (!executor.skills.includes(category)) reasons.push("noSkill");
    const verification = verificationProblem(executor, now);
    if (verification) reasons.push(verification);
    return { executor, reasons };
  });
  const byLoad = (a: Candidate, b: Candidate) =>
    a.executor.active_jobs - b.executor.active_jobs || a.executor.full_name.localeCompare(b.executor.full_name);
  return {
    eligible: all.filter((c) => c.reasons.length === 0).sort(byLoad),
    others: all.filter((c) => c.reasons.length > 0).sort((a, b) => a.executor.full_name.localeCompare(b.executor.full_name)),
  };
}
