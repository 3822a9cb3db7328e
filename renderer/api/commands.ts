/**
 * The commands a technician sends to the bench from the action panel and the
 * header: each reads what to send from the store, sends it once, and records
 * the answer through a reducer action. Nothing here decides what may be sent:
 * the reducers do (state/action-flow.ts), and a command goes out only when
 * its reducer let the state move (Execute: `flow-sending`; Cancel: a pending
 * cancel recorded), so a double click cannot send the same command twice.
 */
import type { ApiError, BenchApi, Params } from '../../core/contract/index.js';
import { planOf } from '../state/action-flow.js';
import { workflowById } from '../state/jobs.js';
import type { BenchStore } from '../state/store.js';

export interface BenchCommands {
  /** Resolves with why the name was not taken, or null when it was. */
  setTechnician(name: string): Promise<ApiError | null>;
  /** Sends the reviewed action as jobs.start. */
  execute(): Promise<void>;
  cancelJob(jobId: string): Promise<void>;
  /** Asks the bench for its jobs again (after "job service unavailable"). */
  reloadJobs(): void;
}

export function createBenchCommands(api: Pick<BenchApi, 'call'>, store: Pick<BenchStore, 'getState'>, reloadJobs: () => void): BenchCommands {
  const actions = () => store.getState().actions;

  return {
    async setTechnician(name) {
      const result = await api.call('technician.set', { name: name.trim() });
      if (!result.ok) return result.error;
      actions().technicianSaved(result.value.name);
      const { flow } = store.getState();
      if (flow.stage === 'composing' && flow.draft.step === 'technician') actions().nextStep();
      return null;
    },

    async execute() {
      const wasSending = store.getState().flow.stage === 'sending';
      actions().dispatch({ type: 'flow-sending' });
      const state = store.getState();
      if (wasSending || state.flow.stage !== 'sending') return;
      const { draft } = state.flow;
      const workflow = workflowById(state.jobs, draft.workflowId);
      const udids = planOf(draft, state).included.flatMap(({ device }) => (device.udid === null ? [] : [device.udid]));
      const params: Params<'jobs.start'> = {
        workflowId: draft.workflowId,
        udids,
        // A workflow that loses nothing has no checkbox: going past "what will happen" is its acknowledgement.
        acknowledged: workflow?.destructive === true ? draft.acknowledged : true,
        ...(draft.reason === null ? {} : { reason: draft.reason }),
      };
      const result = await api.call('jobs.start', params);
      if (result.ok) actions().dispatch({ type: 'flow-started', batchId: result.value.batchId, jobs: result.value.jobs, refused: result.value.refused });
      else actions().dispatch({ type: 'flow-start-failed', error: result.error });
    },

    async cancelJob(jobId) {
      if (store.getState().jobs.cancels[jobId]?.kind === 'pending') return;
      actions().dispatch({ type: 'cancel-requested', jobId });
      const result = await api.call('jobs.cancel', { jobId });
      actions().dispatch({ type: 'cancel-answered', jobId, result: result.ok ? { ok: true, job: result.value } : { ok: false, error: result.error } });
    },

    reloadJobs,
  };
}
