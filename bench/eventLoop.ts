// How long the event loop waits for a turn while async work runs in slices (what the editor feels):
// a 1 ms timer notes the longest gap between its ticks.

/** Starts watching; the returned function stops and gives the longest wait in ms. */
export function watchEventLoop(): () => number {
  let last = performance.now();
  let longest = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  return () => {
    clearInterval(tick);
    // The gap up to now counts too (a loop that never gave the timer a turn waited all along).
    return Math.max(longest, performance.now() - last);
  };
}
