import type { WorkflowStep } from "./workflow-schemas.ts";

/** The engine step name of a workflow step: stable, so a retry can restart the run from it. */
export const engineStepName = (position: number, step: Pick<WorkflowStep, "id">) => `${position}:${step.id}`;
