/**
 * What every side panel (actions, deprovision, pre-approve, CSV import, sync
 * rejections, history) does alike: the heading takes the focus on each step,
 * Escape closes it as Cancel does, a refusal shows its message and what to do,
 * and a step-by-step panel heads each step with "… · step i of n", the step's
 * title and a dot per step.
 */
import { useEffect, useRef, type KeyboardEvent, type ReactNode, type Ref, type RefObject } from 'react';

/**
 * The panel's heading, focused whenever `focusKey` changes to something other than null (a new
 * step, the result): a keyboard or screen reader user starts each step at its top. Null while the
 * panel is closed or while the focus belongs elsewhere (a name field, a send in progress).
 */
export function useHeadingFocus(focusKey: string | null): RefObject<HTMLHeadingElement | null> {
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusKey !== null) headingRef.current?.focus();
  }, [focusKey]);
  return headingRef;
}

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

/** What the host refused in a panel, announced: the message, what to do, and `children` after it (a "Try again"). Nothing without an error. */
export function PanelError({ error, testId, children }: { error: { readonly code: string; readonly message: string; readonly hint: string } | null | undefined; testId: string; children?: ReactNode }) {
  if (!error) return null;
  return (
    <div className="panel-error" role="alert" data-testid={testId} data-code={error.code}>
      <strong>{error.message}</strong> {error.hint}
      {children}
    </div>
  );
}
