import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { loadSession, signOut, type Session } from "./api.ts";
import { AcceptInvite } from "./pages/accept-invite.tsx";
import { AgentEditor } from "./pages/agent-editor.tsx";
import { AgentVersions } from "./pages/agent-versions.tsx";
import { Agents } from "./pages/agents.tsx";
import { ApiKeysPage } from "./pages/api-keys.tsx";
import { AuditLogPage } from "./pages/audit-log.tsx";
import { BillingPage } from "./pages/billing.tsx";
import { CallPage } from "./pages/call-detail.tsx";
import { Calls } from "./pages/calls.tsx";
import { IntegrationsPage } from "./pages/integrations.tsx";
import { LiveCallPage, LiveCalls } from "./pages/live-calls.tsx";
import { Overview } from "./pages/overview.tsx";
import { NumbersPage } from "./pages/numbers.tsx";
import { MfaSetup, SecurityPage } from "./pages/security.tsx";
import { SignIn } from "./pages/sign-in.tsx";
import { SsoReturn } from "./pages/sso-return.tsx";
import { UsersPage } from "./pages/users.tsx";
import { VerificationPage } from "./pages/verification.tsx";
import { WebhooksPage } from "./pages/webhooks.tsx";
import { onLinkClick, useLocation } from "./router.ts";
import { ProblemMessage } from "./ui.tsx";
import "./styles.css";

/** Navigation, each entry shown only to a role whose scopes can read it (the API refuses the rest anyway). */
const NAV = [
  { path: "/", label: "Overview", scope: "calls:read" },
  { path: "/calls", label: "Calls", scope: "calls:read" },
  { path: "/live", label: "Live calls", scope: "calls:read" },
  { path: "/agents", label: "Agents", scope: "agents:read" },
  { path: "/numbers", label: "Numbers", scope: "numbers:read" },
  { path: "/billing", label: "Billing", scope: "billing:read" },
  { path: "/webhooks", label: "Webhooks", scope: "account:read" },
  { path: "/integrations", label: "Integrations", scope: "agents:read" },
  // Shown to every role: the trial limits concern everyone, and the page says who may see the case.
  { path: "/verification", label: "Verification", scope: "account:read" },
  { path: "/api-keys", label: "API keys", scope: "keys:read" },
  { path: "/users", label: "Users", scope: "users:read" },
  { path: "/audit-log", label: "Audit log", scope: "audit:read" },
  { path: "/security", label: "Security", scope: "calls:read" },
];

function Routed({ session, refresh }: { session: Session; refresh: () => void }) {
  const { path } = useLocation();
  const can = (scope: string) => session.scopes.includes(scope);
  const [, section, id, sub] = path.split("/");
  switch (section) {
    case "":
    case undefined:
      return <Overview />;
    case "calls":
      return id ? <CallPage id={id} /> : <Calls />;
    case "live":
      return id ? <LiveCallPage id={id} canControl={can("calls:write")} /> : <LiveCalls />;
    case "agents":
      if (id && sub === "versions") return <AgentVersions id={id} canWrite={can("agents:write")} />;
      return id ? <AgentEditor id={id} canWrite={can("agents:write")} canCall={can("calls:write")} userId={session.user.id} /> : <Agents canWrite={can("agents:write")} />;
    case "billing":
      return <BillingPage canWrite={can("billing:write")} />;
    case "numbers":
      return <NumbersPage canWrite={can("numbers:write")} />;
    case "audit-log":
      return <AuditLogPage />;
    case "webhooks":
      return <WebhooksPage canWrite={can("account:write")} />;
    case "integrations":
      return <IntegrationsPage canWrite={can("account:write")} />;
    case "verification":
      return <VerificationPage canRead={can("verification:read")} canWrite={can("verification:write")} canVerifyNumbers={can("consent:write")} />;
    case "api-keys":
      return <ApiKeysPage canWrite={can("keys:write")} scopes={session.scopes} />;
    case "users":
      return <UsersPage canWrite={can("users:write")} />;
    case "security":
      return <SecurityPage session={session} onChange={refresh} />;
    default:
      return (
        <main id="main">
          <h1>Not found</h1>
          <p>There is no console page at this address.</p>
        </main>
      );
  }
}

function Shell({ session, refresh }: { session: Session; refresh: () => void }) {
  const { path } = useLocation();
  const current = (p: string) => (p === "/" ? path === "/" : path.startsWith(p));
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">Voice agents</span>
        <nav aria-label="Console">
          <ul>
            {NAV.filter((n) => session.scopes.includes(n.scope)).map((n) => (
              <li key={n.path}>
                <a href={`/console${n.path === "/" ? "/" : n.path}`} aria-current={current(n.path) ? "page" : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            {session.user.email} <small>({session.user.role})</small>
          </span>
          <button class="secondary" onClick={() => signOut().then(refresh, refresh)}>
            Sign out
          </button>
        </div>
      </header>
      <Routed session={session} refresh={refresh} />
    </>
  );
}

function App() {
  const [state, setState] = useState<{ session?: Session | null; error?: unknown }>({});
  const { path } = useLocation();
  const refresh = () => loadSession().then((session) => setState({ session }), (error) => setState({ error }));
  useEffect(() => void refresh(), []);

  if (state.error) return <main id="main"><h1>Console unavailable</h1><ProblemMessage error={state.error} /></main>;
  if (state.session === undefined) return <p aria-busy="true">Loading…</p>;
  if (path === "/accept-invite") return <AcceptInvite onDone={refresh} />;
  if (path === "/sso") return <SsoReturn onDone={refresh} />;
  const session = state.session;
  if (!session || session.stage === "mfa") return <SignIn stage={session?.stage ?? null} onDone={refresh} />;
  if (session.stage === "mfa_setup") {
    return (
      <main class="narrow" id="main">
        <h1>Secure your sign-in</h1>
        <MfaSetup required onDone={refresh} />
      </main>
    );
  }
  return <Shell session={session} refresh={refresh} />;
}

document.addEventListener("click", onLinkClick);
render(<App />, document.getElementById("app")!);
