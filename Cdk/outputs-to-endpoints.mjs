#!/usr/bin/env node
// Turns the outputs of `npx aws-cdk deploy --outputs-file FILE` into the endpoints layout the Local
// stack writes (.local/endpoints.json, see Local/README.md), so clients that read that file can talk to
// the deployed stack instead:
//
//   node Cdk/outputs-to-endpoints.mjs .local/aws-outputs.json [StackName] > .local/aws-endpoints.json
//
// Only the fields that exist in AWS are written (no local credentials, emulator URLs or process ids).
import { readFileSync } from 'node:fs';

const [, , outputsPath, stackName = 'AppSyncChat'] = process.argv;
if (!outputsPath) {
  console.error('usage: node outputs-to-endpoints.mjs <cdk outputs file> [stack name]');
  process.exit(2);
}

const all = JSON.parse(readFileSync(outputsPath, 'utf8'));
const outputs = all[stackName];
if (!outputs) {
  console.error(`no outputs for stack '${stackName}' in ${outputsPath} (stacks: ${Object.keys(all).join(', ') || 'none'})`);
  process.exit(1);
}

function need(name) {
  const value = outputs[name];
  if (typeof value !== 'string' || value.length === 0) {
    console.error(`output '${name}' is missing from ${outputsPath}`);
    process.exit(1);
  }
  return value;
}

const endpoints = {
  schemaVersion: 1,
  target: 'aws',
  stackName,
  region: need('Region'),
  graphqlUrl: need('GraphqlUrl'),
  graphqlApiKey: need('GraphqlApiKey'),
  eventsHttpUrl: need('EventsHttpEndpoint'),
  eventsHttpsUrl: need('EventsHttpEndpoint'),
  eventsRealtimeUrl: need('EventsRealtimeEndpoint'),
  eventsRealtimeTlsUrl: need('EventsRealtimeEndpoint'),
  eventsApiKey: need('EventsApiKey'),
  modelId: need('DefaultModelId'),
  tableName: need('TableName'),
  queueUrl: need('QueueUrl'),
  deadLetterQueueUrl: need('DeadLetterQueueUrl'),
  userPoolId: need('UserPoolId'),
  userPoolClientId: need('UserPoolClientId'),
};
process.stdout.write(JSON.stringify(endpoints, null, 2) + '\n');
