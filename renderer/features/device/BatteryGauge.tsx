import type { CSSProperties } from 'react';

/**
 * A battery outline filled to the level, with a bolt when charging. React
 * applies `style` through CSSOM, which the strict CSP (style-src 'self')
 * allows, unlike a style attribute written into markup.
 */
export function BatteryGauge({ level, charging }: { level: number | null; charging: boolean | null }) {
  if (level === null) {
    return (
      <span className="battery battery-unknown" data-testid="battery" aria-label="Battery level unknown">
        <span className="battery-shell" aria-hidden="true" />
        <span className="battery-text">—</span>
      </span>
    );
  }
  const tone = level <= 15 ? 'low' : level <= 40 ? 'mid' : 'high';
  const label = `Battery ${level}%${charging ? ', charging' : ''}`;
  const fill = { '--level': `${level}%` } as CSSProperties;
  return (
    <span className={`battery battery-${tone}`} data-testid="battery" data-level={level} data-charging={charging ? 'true' : 'false'} aria-label={label} title={label}>
      <span className="battery-shell" aria-hidden="true">
        <span className="battery-fill" style={fill} />
      </span>
      <span className="battery-text" aria-hidden="true">
        {level}%{charging ? <span className="battery-bolt"> ⚡</span> : null}
      </span>
    </span>
  );
}
