// The grid's dialogs (a column's menu, a cell's whole value) open without the top layer: a modal <dialog> would
// stay on screen over the lock screen (showing a value) and make the lock screen itself inert. Opened with show(),
// they sit inside the app's tree, so locking hides them with everything else. Escape or a click outside closes
// them; focus moves in when they open (and the caller puts it back when they close).
import { useEffect, useRef, type RefObject } from 'react';

export function usePopoverDialog(dialog: RefObject<HTMLDialogElement | null>, onClose: () => void): void {
  // The latest onClose, without re-running the effect (which would move focus) each time the parent renders.
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!element.open) element.show();
    element.querySelector<HTMLElement>('[data-autofocus], button, select, input, textarea')?.focus();
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        close.current();
      }
    };
    const onPointer = (event: PointerEvent): void => {
      if (event.target instanceof Node && !element.contains(event.target)) close.current();
    };
    element.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer, true);
    return () => {
      element.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer, true);
    };
  }, [dialog]);
}
