// Conformance of the Bedrock Runtime emulator against the official AWS SDK for JavaScript v3
// (@aws-sdk/client-bedrock-runtime): ConverseStreamCommand and ConverseCommand, every stream event
// type, a tool-use turn, and each injected fault as the SDK's typed error.
//
// Usage: node bedrock-runtime.mjs <endpoint>   (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
// region from AWS_REGION). Prints one JSON object with one entry per scenario on stdout.
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
// The SDK's own HTTP/1.1 handler (a dependency of the client): the Bedrock client defaults to HTTP/2,
// which over cleartext http:// would need h2c prior knowledge; the emulator serves HTTP/1.1 on loopback.
import { NodeHttpHandler } from '@smithy/node-http-handler';

const endpoint = process.argv[2];
if (!endpoint) {
  console.error('usage: node bedrock-runtime.mjs <endpoint>');
  process.exit(2);
}

const credentials = {
  accessKeyId: process.env.AWS_ACCESS_KEY_ID,
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
};
const region = process.env.AWS_REGION || 'us-east-1';
const modelId = 'anthropic.claude-3-haiku-20240307-v1:0';
const arnModelId = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0';

const client = (overrides = {}) => new BedrockRuntimeClient({ endpoint, region, credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler(), ...overrides });

const tools = {
  tools: [
    { toolSpec: { name: 'get_current_time', description: 'Current time in a time zone', inputSchema: { json: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] } } } },
    { toolSpec: { name: 'calculate', description: 'Evaluates an arithmetic expression', inputSchema: { json: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] } } } },
  ],
};

const user = (text) => ({ role: 'user', content: [{ text }] });

function describeError(error) {
  return {
    name: error?.name,
    message: error?.message,
    httpStatusCode: error?.$metadata?.httpStatusCode,
    requestId: error?.$metadata?.requestId,
    fault: error?.$fault,
    originalStatusCode: error?.originalStatusCode,
  };
}

// Reads a ConverseStream response into a summary: every event type in order, text, tool calls, stop reason, usage.
async function stream(input, c = client()) {
  const summary = { events: [], text: '', toolUses: [], stopReason: null, usage: null, metrics: null, requestId: null };
  const blocks = new Map();
  try {
    const response = await c.send(new ConverseStreamCommand(input));
    summary.requestId = response.$metadata.requestId;
    summary.httpStatusCode = response.$metadata.httpStatusCode;
    for await (const event of response.stream) {
      const type = Object.keys(event).find((k) => event[k] !== undefined);
      summary.events.push(type);
      const body = event[type];
      if (type === 'contentBlockStart' && body.start?.toolUse) {
        blocks.set(body.contentBlockIndex, { toolUseId: body.start.toolUse.toolUseId, name: body.start.toolUse.name, input: '' });
      } else if (type === 'contentBlockDelta') {
        if (body.delta?.text !== undefined) summary.text += body.delta.text;
        if (body.delta?.toolUse) blocks.get(body.contentBlockIndex).input += body.delta.toolUse.input;
      } else if (type === 'contentBlockStop' && blocks.has(body.contentBlockIndex)) {
        const block = blocks.get(body.contentBlockIndex);
        summary.toolUses.push({ ...block, input: JSON.parse(block.input) });
      } else if (type === 'messageStop') {
        summary.stopReason = body.stopReason;
      } else if (type === 'metadata') {
        summary.usage = body.usage;
        summary.metrics = body.metrics;
      }
    }
  } catch (error) {
    summary.error = describeError(error);
  }
  return summary;
}

async function converse(input, c = client()) {
  try {
    const response = await c.send(new ConverseCommand(input));
    return {
      requestId: response.$metadata.requestId,
      content: response.output?.message?.content,
      role: response.output?.message?.role,
      stopReason: response.stopReason,
      usage: response.usage,
      metrics: response.metrics,
    };
  } catch (error) {
    return { error: describeError(error) };
  }
}

const results = {};
results.streamText = await stream({ modelId, messages: [user('Explain volcanoes [[tokens=12]]')], system: [{ text: 'Be brief.' }], inferenceConfig: { maxTokens: 200, temperature: 0.2, topP: 0.9 } });
results.streamArnModel = await stream({ modelId: arnModelId, messages: [user('Hello there [[tokens=4]]')] });

const toolTurn = await stream({ modelId, messages: [user('What time is it now?')], toolConfig: tools });
results.streamToolUse = toolTurn;
if (toolTurn.toolUses.length === 1) {
  const call = toolTurn.toolUses[0];
  results.streamToolResult = await stream({
    modelId,
    toolConfig: tools,
    messages: [
      user('What time is it now?'),
      { role: 'assistant', content: [{ text: toolTurn.text }, { toolUse: { toolUseId: call.toolUseId, name: call.name, input: call.input } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: call.toolUseId, status: 'success', content: [{ json: { time: '09:41 UTC' } }] } }] },
    ],
  });
}

results.converseText = await converse({ modelId, messages: [user('Describe a lighthouse [[tokens=10]]')] });
results.converseTool = await converse({ modelId, messages: [user('Please calculate 6*(5+2)')], toolConfig: tools });

results.streamFaultThrottle = await stream({ modelId, messages: [user('Hi [[fault=throttle]]')] });
results.streamFaultStreamThrottle = await stream({ modelId, messages: [user('Hi [[fault=stream-throttle]] [[at=2]] [[tokens=6]]')] });
results.streamFaultStreamError = await stream({ modelId, messages: [user('Hi [[fault=stream-error]] [[at=2]] [[tokens=6]]')] });
results.streamFaultValidation = await stream({ modelId, messages: [user('Hi [[fault=validation]]')] });
results.streamBadRequest = await stream({ modelId, messages: [{ role: 'assistant', content: [{ text: 'I start.' }] }] });
results.converseFaultThrottle = await converse({ modelId, messages: [user('Hi [[fault=throttle]]')] });
results.converseBadSignature = await converse(
  { modelId, messages: [user('Hi')] },
  client({ credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: 'wrong-secret' } }));

process.stdout.write(JSON.stringify(results));
