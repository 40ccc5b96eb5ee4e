import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("npm run queue:redrive", () => {
  it("calls the operator redrive route with the operator secret until nothing is pending", async () => {
    const answers = [{ redriven: 1000, unroutable: 0, remaining: 250 }, { redriven: 250, unroutable: 0, remaining: 0 }];
    const seen: { method?: string; url?: string; secret?: string | string[] }[] = [];
    const server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, secret: req.headers["x-operator-secret"] });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(answers[seen.length - 1]));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { stdout } = await run(process.execPath, ["scripts/queue-redrive.ts"], { env: { ...process.env, PLATFORM_URL: url, OPERATOR_SECRET: "s3cret" } });
      expect(seen).toEqual([
        { method: "POST", url: "/v1/operator/dead-letters/redrive", secret: "s3cret" },
        { method: "POST", url: "/v1/operator/dead-letters/redrive", secret: "s3cret" },
      ]);
      expect(stdout).toContain("Redriven 1250 dead letters");
    } finally {
      server.close();
    }
  });
});
