/**
 * The data-* attributes a tile and a table row carry for end-to-end tests
 * (renderer/README.md, "Test ids"): one definition, so the two views cannot
 * drift apart on what a test can rely on.
 */
import type { Device } from '../../../core/contract/index.js';

export function deviceTestAttributes(device: Device, state: { selected: boolean; highlighted: boolean }) {
  return {
    'data-id': device.id,
    'data-serial': device.serialNumber ?? '',
    'data-udid': device.udid ?? '',
    'data-ecid': device.ecid ?? '',
    'data-state': device.state,
    'data-selected': state.selected ? 'true' : 'false',
    'data-highlighted': state.highlighted ? 'true' : 'false',
  } as const;
}
