/** A plain outline of an iPhone or iPad, coloured by the tile's tone through currentColor. */
export function DeviceIcon({ deviceClass }: { deviceClass: string | null }) {
  const tablet = deviceClass === 'iPad';
  return tablet ? (
    <svg className="device-icon" viewBox="0 0 32 40" aria-hidden="true" focusable="false">
      <rect x="3" y="2" width="26" height="36" rx="3.5" fill="none" stroke="currentColor" strokeWidth="2" />
      <rect x="6" y="5" width="20" height="30" rx="1" fill="currentColor" opacity="0.15" />
    </svg>
  ) : (
    <svg className="device-icon" viewBox="0 0 32 40" aria-hidden="true" focusable="false">
      <rect x="8" y="2" width="16" height="36" rx="4" fill="none" stroke="currentColor" strokeWidth="2" />
      <rect x="10" y="6" width="12" height="28" rx="1" fill="currentColor" opacity="0.15" />
      <rect x="13" y="3.6" width="6" height="1.6" rx="0.8" fill="currentColor" />
    </svg>
  );
}
