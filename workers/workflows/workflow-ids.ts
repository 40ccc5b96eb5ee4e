import { ID_ALPHABET, randomString } from "../../shared/ids.ts";

export const newWorkflowId = () => `WFL-${randomString(10)}`;
export const newRunId = () => `WFR-${randomString(12)}`;

const ALPHA = `[${ID_ALPHABET}]`;
export const WORKFLOW_ID_PATTERNS = { workflow: new RegExp(`^WFL-${ALPHA}{10}$`), run: new RegExp(`^WFR-${ALPHA}{12}$`) } as const;
