/** The inventory (issue #5 part 3): search, one device, its history. */
import { z } from 'zod';
import { DEVICE_STATUSES, DeviceStatusSchema, HistoryEntrySchema, InventoryDeviceSchema, type DeviceStatus } from '../../core/contract/server-wire.js';
import { ANY_USER } from '../auth/access.js';
import { ApiError, errorBody } from '../errors.js';
import { historyOf } from '../inventory/history.js';
import { loadDevice, searchInventory } from '../inventory/records.js';
import { authErrors } from './schemas.js';
import type { RouteContext, ZodApp } from './types.js';

const statusList = z
  .string()
  .optional()
  .transform((text, context): DeviceStatus[] | undefined => {
    if (text === undefined || text.trim() === '') return undefined;
    const statuses = text.split(',').map((status) => status.trim());
    const wrong = statuses.filter((status) => !DeviceStatusSchema.safeParse(status).success);
    if (wrong.length > 0) {
      context.addIssue({ code: 'custom', message: `status ${wrong.join(', ')} is not one of ${DEVICE_STATUSES.join(', ')}` });
      return z.NEVER;
    }
    return statuses as DeviceStatus[];
  });

const unknownDevice = (serialNumber: string): ApiError =>
  new ApiError(404, 'unknown-device', `There is no device ${serialNumber} in the inventory.`, 'Check the serial number (serial numbers are case-sensitive) or search with GET /inventory?search=.');

export function inventoryRoutes(app: ZodApp, ctx: RouteContext): void {
  const readers = { ...ANY_USER, benches: true };

  app.get('/inventory', {
    config: { access: readers },
    schema: {
      summary: 'Devices in serial-number order, a page at a time; search matches part of a serial number (case-sensitive), an email, a user or device name; status filters (comma-separated)',
      tags: ['inventory'],
      querystring: z.object({
        search: z.string().max(255).optional(),
        status: statusList,
        offset: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      response: { 200: z.object({ total: z.number(), devices: z.array(InventoryDeviceSchema) }), ...authErrors },
    },
  }, async (request) => searchInventory(ctx.db, { search: request.query.search, statuses: request.query.status, offset: request.query.offset, limit: request.query.limit }));

  app.get('/inventory/:serialNumber', {
    config: { access: readers },
    schema: {
      summary: "One device's record, with its pending deprovision if any",
      tags: ['inventory'],
      params: z.object({ serialNumber: z.string().min(1).max(64) }),
      response: { 200: InventoryDeviceSchema, 404: errorBody, ...authErrors },
    },
  }, async (request) => {
    const device = await loadDevice(ctx.db, request.params.serialNumber);
    if (device === null) throw unknownDevice(request.params.serialNumber);
    return device;
  });

  app.get('/inventory/:serialNumber/history', {
    config: { access: readers },
    schema: {
      summary: "A device's history, oldest first: pre-approval, observations at benches, check-ins, deprovisions, jobs, purge",
      tags: ['inventory'],
      params: z.object({ serialNumber: z.string().min(1).max(64) }),
      response: { 200: z.object({ entries: z.array(HistoryEntrySchema) }), 404: errorBody, ...authErrors },
    },
  }, async (request) => {
    const entries = await historyOf(ctx.db, request.params.serialNumber);
    // A purged device has no record but keeps its "purged" entry.
    if (entries.length === 0 && (await loadDevice(ctx.db, request.params.serialNumber)) === null) throw unknownDevice(request.params.serialNumber);
    return { entries };
  });
}
