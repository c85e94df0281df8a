// Calls `refresh` every `intervalMs` while the page is visible, and at once when it becomes visible again, so a
// hidden tab on a phone does not keep the radio awake. Returns the stop function ($effect cleanup). Used by the
// overview, the executions list and the runner pages.
export function pollWhileVisible(refresh: () => Promise<void> | void, intervalMs: number, doc: Document = document) {
  let inFlight = false;
  const tick = async () => {
    if (doc.visibilityState !== 'visible' || inFlight) return;
    inFlight = true;
    try {
      await refresh();
    } finally {
      inFlight = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  const onVisibility = () => void tick();
  doc.addEventListener('visibilitychange', onVisibility);
  return () => {
    clearInterval(timer);
    doc.removeEventListener('visibilitychange', onVisibility);
  };
}
