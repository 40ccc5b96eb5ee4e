import { resourceApp } from "../route.ts";

export const callsApi = resourceApp();
