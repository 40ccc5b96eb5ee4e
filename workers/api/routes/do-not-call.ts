import { resourceApp } from "../route.ts";

export const doNotCallApi = resourceApp();
