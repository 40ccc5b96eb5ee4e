import { resourceApp } from "../route.ts";

export const apiKeysApi = resourceApp();
