/**
 * Prefix of the Media Streams mark the platform sends once a reply has been heard in full (`reply-end-<turn>`):
 * the end of the agent's turn, visible on the stream. Twilio echoes it at once; the platform ignores the echo.
 */
export const REPLY_END_MARK_PREFIX = "reply-end-";
