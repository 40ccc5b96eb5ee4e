/** Twilio's REST and callback dates: RFC 2822 in UTC with a numeric zone, e.g. `Tue, 31 Aug 2010 20:36:28 +0000`. */
export const rfc2822 = (date: Date): string => date.toUTCString().replace(/GMT$/, "+0000");

export const rfc2822OrNull = (date: Date | null): string | null => (date ? rfc2822(date) : null);
