// Refresh a screen on a timer while it is shown and the page is visible: the one home of
// what the Overview and the Mailboxes screens both do.

/**
 * @param {HTMLElement} el the screen's root (a detached screen stops itself: a language
 *   switch rebuilds the page without calling hide())
 * @param {() => unknown} refresh
 * @param {number} periodMs
 * @returns {{start: () => void, stop: () => void, shown: () => boolean}}
 */
export function refresher(el, refresh, periodMs) {
  /** @type {ReturnType<typeof setInterval>|null} */
  let timer = null;
  let visible = false;

  function stop() {
    visible = false;
    if (timer !== null) clearInterval(timer);
    timer = null;
    document.removeEventListener('visibilitychange', poke);
  }

  function poke() {
    if (!el.isConnected) return stop();
    if (visible && document.visibilityState === 'visible') refresh();
  }

  function start() {
    visible = true;
    if (timer === null) timer = setInterval(poke, periodMs);
    document.addEventListener('visibilitychange', poke);
  }

  return { start, stop, shown: () => visible };
}
