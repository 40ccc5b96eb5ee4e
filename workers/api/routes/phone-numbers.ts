import { resourceApp } from "../route.ts";

export const phoneNumbersApi = resourceApp();
