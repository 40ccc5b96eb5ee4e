import { resourceApp } from "../route.ts";

export const consentApi = resourceApp();
