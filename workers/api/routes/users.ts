import { resourceApp } from "../route.ts";

export const usersApi = resourceApp();
