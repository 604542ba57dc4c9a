import axe from "axe-core";

/** The serious and critical axe findings on the page, as "rule: target" lines. */
export async function seriousViolations(root: Element = document.body): Promise<string[]> {
  // jsdom paints nothing, so contrast cannot be measured here (it needs a real browser).
  const result = await axe.run(root, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
  return result.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id}: ${node.target.join(" ")}`));
}
