import { useState } from "preact/hooks";
import { ProblemMessage } from "./ui.tsx";

/**
 * A page's writes: each runs with the last message cleared, and ends in a notice (what happened) or a problem
 * shown as a message. `outcome` shows either where the page puts it.
 */
export function useAction() {
  const [state, setState] = useState<{ error?: unknown; notice?: string }>({});
  const run = async (work: () => Promise<string>): Promise<void> => {
    setState({});
    try {
      setState({ notice: await work() });
    } catch (error) {
      setState({ error });
    }
  };
  const outcome = (
    <>
      <ProblemMessage error={state.error} />
      {state.notice && (
        <p role="status" class="notice">
          {state.notice}
        </p>
      )}
    </>
  );
  return { run, error: state.error, outcome };
}
