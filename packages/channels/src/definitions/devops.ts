import { rules } from '@herald/authz';
import type { ChannelDef } from '../types.js';

/** DevOps and worker channels of the Rails platform (ActionCable): pipelines, job logs, worker transports. */

export const devopsChannels: readonly ChannelDef[] = [
  {
    name: 'DevopsPipelineChannel',
    kind: 'named',
    description: "Rails: CI/CD pipeline status, for one pipeline or for all of an account's pipelines.",
    params: { fields: { account_id: { required: true }, pipeline_id: {} } },
    streams: ['devops_pipeline_{pipeline_id}', 'devops_account_{account_id}'],
    select: 'first',
    rule: rules.allOf(
      rules.accountParam('account_id'),
      rules.switchOn('pipeline_id', {}, {
        absent: rules.authenticated(),
        otherwise: rules.owner('devops_pipeline', 'pipeline_id'),
      }),
    ),
    history: true,
  },
  {
    name: 'GitJobLogsChannel',
    kind: 'named',
    description: 'Rails: live log output of one Git pipeline job (chunks, completion, errors).',
    params: {
      fields: {
        repository_id: { required: true },
        pipeline_id: { required: true },
        job_id: { required: true },
      },
    },
    streams: ['git_job_logs:{job_id}'],
    rule: rules.owner('git_job', 'job_id'),
    history: true,
  },
  {
    name: 'WorkerDataChannel',
    kind: 'named',
    description: 'Rails: bulk data transport between a standalone worker and the server (worker identities only).',
    params: { fields: { user_id: { fromIdentity: 'userId' } } },
    streams: ['worker_data:{user_id}'],
    rule: rules.allOf(rules.identityKind('worker'), rules.userParam('user_id')),
    history: false,
    actions: {
      push: {
        description: 'Hand a batch of records to the server.',
        data: { records: { type: 'array', required: true } },
        mode: 'request',
      },
    },
  },
  {
    name: 'WorkerToolDispatchChannel',
    kind: 'named',
    description: "Rails: tool invocations dispatched to a worker, and the worker's results (worker identities only).",
    params: { fields: { user_id: { fromIdentity: 'userId' } } },
    streams: ['worker_tool_dispatch:{user_id}'],
    rule: rules.allOf(rules.identityKind('worker'), rules.userParam('user_id')),
    history: true,
    actions: {
      tool_result: {
        description: 'Report the result of a dispatched tool invocation.',
        data: { invocation_id: { type: 'string', required: true }, result: { type: 'any' } },
        mode: 'request',
      },
    },
  },
];
