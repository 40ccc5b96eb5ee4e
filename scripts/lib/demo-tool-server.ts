/**
 * The demo agent's HTTP tool: a small weather and order-status service on loopback (allow-listed for local
 * runs). It answers after a delay, like a real backend, so the agent's filler line can be heard.
 */
import { createServer, type Server } from "node:http";

const WEATHER: Record<string, { summary: string; temperature_c: number }> = {
  paris: { summary: "sunny", temperature_c: 21 },
  london: { summary: "light rain", temperature_c: 14 },
  "new york": { summary: "partly cloudy", temperature_c: 18 },
};

export interface ToolServer {
  url: string;
  calls: { path: string; body: unknown }[];
  close(): Promise<void>;
}

export async function startDemoToolServer(delayMs = 1_200): Promise<ToolServer> {
  const calls: ToolServer["calls"] = [];
  const server: Server = createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = raw ? JSON.parse(raw) : {};
    calls.push({ path: req.url ?? "", body });
    await new Promise((r) => setTimeout(r, delayMs));
    res.setHeader("content-type", "application/json");
    if (req.url?.startsWith("/weather")) {
      const city = String(body.city ?? "").toLowerCase();
      res.end(JSON.stringify({ city: body.city, ...(WEATHER[city] ?? { summary: "clear", temperature_c: 20 }) }));
    } else if (req.url?.startsWith("/orders")) {
      res.end(JSON.stringify({ order_id: body.order_id, status: "shipped", summary: "shipped yesterday and arriving on Friday" }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: "unknown tool route" }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
