/** Said when a provider failed for good: by the agent in its own voice where its speech still works, else by Twilio. */
export const APOLOGY_LINE = "I'm sorry, we're having technical difficulties. Please call again later. Goodbye.";
