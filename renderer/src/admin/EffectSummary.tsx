// What the platform did for an action or a lifting, in its own words (ActionEffect.summary), one line each. It takes the
// focus when it appears: the button that asked is gone, and this is what the administrator reads next.
import { useEffect, useRef } from 'react';
import type { ActionEffect } from '../../../src/common/incidents.ts';

export function EffectSummary(props: { effect: ActionEffect; testId: string; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), [props.effect]);
  return (
    <div className="message success effect-summary" tabIndex={-1} ref={box} data-testid={props.testId}>
      <span className="message-title">{props.title}</span>
      <ul className="effect-lines">
        {props.effect.summary.map((line) => (
          <li key={line} data-testid="effect-line">
            {line}
          </li>
        ))}
      </ul>
    </div>
  );
}
