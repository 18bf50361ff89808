// The grid's dialogs (a column's menu, a cell's whole value) open without the top layer: a modal <dialog> would
// stay on screen over the lock screen (showing a value) and make the lock screen itself inert. Opened with show(),
// they sit inside the app's tree, so locking hides them with everything else. Escape or a click outside closes
// them; focus moves in when they open (and the caller puts it back when they close).
import { useEffect, useRef, type RefObject } from 'react';

const FIRST_CONTROL = '[data-autofocus], button:not(:disabled), select, input, textarea';

export function usePopoverDialog(dialog: RefObject<HTMLDialogElement | null>, onClose: () => void): void {
  // The latest onClose, without re-running the effect (which would move focus) each time the parent renders.
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!element.open) element.show();
    const focusInside = (): void => {
      if (!element.contains(document.activeElement)) element.querySelector<HTMLElement>(FIRST_CONTROL)?.focus();
    };
    focusInside();
    // A double click on a cell opens the cell viewer while the grid is still handling the click, and the grid takes
    // focus back after it: focus moves in again once that is done, so Escape and Tab start in the dialog.
    const again = requestAnimationFrame(() => requestAnimationFrame(focusInside));
    // Escape closes the dialog from inside it, and from nowhere: a control that was disabled while it worked (the
    // summary's button) leaves focus on the page's body, still in the dialog for the person using it.
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== 'Escape') return;
      const target = event.target;
      if (target instanceof Node && (element.contains(target) || target === document.body || target === document.documentElement)) {
        event.preventDefault();
        event.stopPropagation();
        close.current();
      }
    };
    const onPointer = (event: PointerEvent): void => {
      if (event.target instanceof Node && !element.contains(event.target)) close.current();
    };
    document.addEventListener('keydown', onKey, true);
    document.addEventListener('pointerdown', onPointer, true);
    return () => {
      cancelAnimationFrame(again);
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('pointerdown', onPointer, true);
    };
  }, [dialog]);
}
