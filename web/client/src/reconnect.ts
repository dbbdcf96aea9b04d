// Backoff for reopening the stream: quick first retries (a restart takes a second or two), then
// spaced out to at most 5 s, with jitter so a restarted server is not hit by every page at once.
const firstMs = 250;
const maxMs = 5_000;

export function nextDelay(attempt: number, serverHintMs = 0, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, firstMs * 2 ** Math.max(0, attempt));
  const jittered = exponential * (0.8 + 0.4 * random());
  return Math.round(Math.max(serverHintMs, jittered));
}
