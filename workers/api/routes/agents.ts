import { resourceApp } from "../route.ts";

export const agentsApi = resourceApp();
