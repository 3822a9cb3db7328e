/**
 * What every side panel (actions, deprovision, pre-approve, CSV import, sync
 * rejections) does alike: Escape closes it as Cancel does, and a step-by-step
 * panel heads each step with "… · step i of n", the step's title and a dot
 * per step.
 */
import type { KeyboardEvent, Ref } from 'react';

/** Escape closes the panel; `null` while it is busy (sending, importing): then Escape does nothing here and goes on. */
export function closeOnEscape(close: (() => void) | null) {
  return (event: KeyboardEvent<HTMLElement>) => {
    if (event.key === 'Escape' && close !== null) {
      event.stopPropagation();
      close();
    }
  };
}

/** The header of a step-by-step panel; the title is the heading the panel focuses on each step. */
export function StepsHeader<Step extends string>({ what, title, steps, current, headingId, headingRef }: { what: string; title: string; steps: readonly Step[]; current: Step; headingId: string; headingRef: Ref<HTMLHeadingElement> }) {
  const index = steps.indexOf(current);
  return (
    <header className="panel-header">
      <p className="panel-eyebrow">
        {what} · step {index + 1} of {steps.length}
      </p>
      <h2 id={headingId} ref={headingRef} tabIndex={-1} className="panel-title">
        {title}
      </h2>
      <ol className="step-dots" aria-hidden="true">
        {steps.map((candidate, i) => (
          <li key={candidate} className={i < index ? 'is-done' : i === index ? 'is-current' : ''} />
        ))}
      </ol>
    </header>
  );
}
