/**
 * The outbox entries the server refused for good, as a technician reads them
 * (sync.rejections): a sentence saying what the entry asked for, next to the
 * server's reason and what to do about it.
 */
import { DEPROVISION_REASON_LABELS, type SyncEventBody } from '../contract/server-wire.js';
import type { SyncRejection } from '../contract/sync.js';
import type { RejectedEntry } from '../store/sync-store.js';

const JOB_STATES = { succeeded: 'succeeded', failed: 'failed', cancelled: 'was cancelled' } as const;

/** What the entry asked the server to do, in a sentence: "Deprovision of C02XK1 (Employee left the organisation)". */
export function summaryOf(body: SyncEventBody): string {
  switch (body.type) {
    case 'device.observed':
      return `Report of device ${body.device.serialNumber} seen at this bench`;
    case 'device.preapprove':
      return `Pre-approval of ${body.device.serialNumber} for ${body.device.user.name} (${body.device.user.email}, ${body.device.ownership})`;
    case 'device.deprovision': {
      const serialNumber = body.request.serialNumbers[0] ?? 'a device';
      const note = body.request.note?.trim() ? `: ${body.request.note.trim()}` : '';
      return `Deprovision of ${serialNumber} (${DEPROVISION_REASON_LABELS[body.request.reason]}${note})`;
    }
    case 'job.finished':
      return `Report that job ${body.job.workflowId} on ${body.job.serialNumber ?? body.job.udid} ${JOB_STATES[body.job.state]}`;
    case 'audit.record':
      return `Audit record ${body.record.seq} (${body.record.action}${body.record.serialNumber ? ` on ${body.record.serialNumber}` : ''})`;
  }
}

/** The device the entry is about, if any. */
export function serialNumberOf(body: SyncEventBody): string | null {
  switch (body.type) {
    case 'device.observed':
    case 'device.preapprove':
      return body.device.serialNumber;
    case 'device.deprovision':
      return body.request.serialNumbers[0] ?? null;
    case 'job.finished':
      return body.job.serialNumber;
    case 'audit.record':
      return body.record.serialNumber;
  }
}

export function rejectionOf(entry: RejectedEntry): SyncRejection {
  return {
    key: entry.key,
    type: entry.type,
    summary: summaryOf(entry.body),
    serialNumber: serialNumberOf(entry.body),
    occurredAt: entry.occurredAt,
    technician: entry.technician,
    code: entry.rejection.code,
    message: entry.rejection.message,
    hint: entry.rejection.hint,
    acknowledgedAt: entry.acknowledgedAt,
  };
}
