// How other people's text is measured and shown, the same way the server and the CLI do it.

// Control codes (but line breaks and tabs), line/paragraph separators and text-direction overrides.
const hidden = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/gu;

/**
 * Other people's text as the page shows it: a control code or a direction override that would
 * reorder the line becomes a visible marker (<U+202E>) instead of acting on what surrounds it.
 */
export function visible(text: string): string {
  return text.replace(hidden, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}>`);
}

/** Length in Unicode code points, the unit the server's limits use (not UTF-16 units, as `.length` counts). */
export function codePoints(text: string): number {
  return Array.from(text).length;
}
