import { resourceApp } from "../route.ts";

export const auditLogApi = resourceApp();
