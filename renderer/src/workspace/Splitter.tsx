// A splitter between two panes (the WAI-ARIA window splitter pattern): a focusable separator whose value is the first
// pane's share in percent; arrows, Page Up/Down, Home and End move it by keyboard, a drag moves it by pointer.
import { useRef, type KeyboardEvent, type PointerEvent } from 'react';
import { SIZE_LIMITS, sizeAfterKey, sizeAtPointer, type SplitterId } from './layout.ts';

export function Splitter(props: {
  splitter: SplitterId;
  orientation: 'vertical' | 'horizontal';
  value: number;
  /** The pane the splitter sizes (aria-controls). */
  controls: string;
  label: string;
  /** The element whose size the percentage is of. */
  container: () => HTMLElement | null;
  onChange: (value: number) => void;
  /** The drag or key press ended: a good moment to save. */
  onCommit: () => void;
}) {
  const { splitter, orientation, value, onChange } = props;
  const dragging = useRef(false);
  const { min, max } = SIZE_LIMITS[splitter];

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const next = sizeAfterKey({ key: event.key, shift: event.shiftKey, value, splitter, orientation });
    if (next === null) return;
    event.preventDefault();
    onChange(next);
    props.onCommit();
  };

  const sizeAt = (event: PointerEvent<HTMLDivElement>): number | null => {
    const box = props.container()?.getBoundingClientRect();
    if (!box) return null;
    return orientation === 'vertical'
      ? sizeAtPointer({ splitter, pointer: event.clientX, start: box.left, length: box.width })
      : sizeAtPointer({ splitter, pointer: event.clientY, start: box.top, length: box.height });
  };

  return (
    <div
      role="separator"
      tabIndex={0}
      aria-orientation={orientation}
      aria-valuenow={Math.round(value)}
      aria-valuemin={min}
      aria-valuemax={max}
      aria-controls={props.controls}
      aria-label={props.label}
      className={`splitter ${orientation}`}
      data-testid={`splitter-${splitter}`}
      onKeyDown={onKeyDown}
      onPointerDown={(event) => {
        if (event.button !== 0) return;
        dragging.current = true;
        event.currentTarget.setPointerCapture(event.pointerId);
        event.preventDefault();
      }}
      onPointerMove={(event) => {
        if (!dragging.current) return;
        const next = sizeAt(event);
        if (next !== null) onChange(next);
      }}
      onPointerUp={(event) => {
        if (!dragging.current) return;
        dragging.current = false;
        event.currentTarget.releasePointerCapture(event.pointerId);
        props.onCommit();
      }}
      onPointerCancel={() => {
        dragging.current = false;
      }}
    />
  );
}
