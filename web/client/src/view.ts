// Folds ChatUpdates into what a UI shows for the followed answer: text so far, status, tool progress,
// token usage, error. Pure: (state, update) → state.
import type { TokenUsage } from './events.js';
import type { ChatUpdate, ResyncReason } from './timeline.js';

export interface ToolProgress {
  toolUseId: string;
  name: string;
  summary?: string;
  status: 'running' | 'success' | 'error' | string;
  durationMs?: number;
}

export interface AnswerView {
  conversationId: string | null;
  messageId: string | null;
  prompt: string | null;
  text: string;
  /** QUEUED, STREAMING, COMPLETED, FAILED, CANCELLED or INTERRUPTED. */
  status: string;
  final: boolean;
  turn: number;
  tools: ToolProgress[];
  /** The tool call the text is paused for (running, or finished while the model has not resumed), if any. */
  runningTool: ToolProgress | null;
  usage: TokenUsage | null;
  stopReason: string | null;
  error: { code: string; message: string; retryable: boolean } | null;
  /** Times the snapshot was taken again, and the last reason. */
  resyncs: number;
  lastResync: ResyncReason | null;
}

export const emptyAnswerView: AnswerView = {
  conversationId: null,
  messageId: null,
  prompt: null,
  text: '',
  status: 'QUEUED',
  final: false,
  turn: 1,
  tools: [],
  runningTool: null,
  usage: null,
  stopReason: null,
  error: null,
  resyncs: 0,
  lastResync: null,
};

export function reduceAnswer(state: AnswerView, u: ChatUpdate): AnswerView {
  switch (u.kind) {
    case 'following':
      return { ...emptyAnswerView, conversationId: u.conversationId, messageId: u.messageId, prompt: u.prompt, status: u.status, turn: u.turn };
    case 'promptFound':
      return { ...state, prompt: u.prompt };
    case 'textAppended':
      return { ...state, text: state.text + u.text, status: state.final ? state.status : 'STREAMING', runningTool: null };
    case 'textReset':
      return { ...state, text: u.text };
    case 'answerStarted':
      return { ...state, status: 'STREAMING', turn: u.turn };
    case 'turnRestarted':
      return { ...state, status: 'STREAMING', turn: u.turn };
    case 'toolStarted': {
      const tool: ToolProgress = { toolUseId: u.toolUseId, name: u.name, status: 'running', ...(u.summary ? { summary: u.summary } : {}) };
      return { ...state, status: 'STREAMING', tools: [...state.tools, tool], runningTool: tool };
    }
    case 'toolFinished': {
      const tools = state.tools.map((t) =>
        t.toolUseId === u.toolUseId ? { ...t, status: u.status, ...(u.durationMs !== undefined ? { durationMs: u.durationMs } : {}) } : t,
      );
      // The tool stays shown (now finished) until the text resumes: the model answers with its result next.
      const running = state.runningTool?.toolUseId === u.toolUseId ? (tools.find((t) => t.toolUseId === u.toolUseId) ?? null) : state.runningTool;
      return { ...state, tools, runningTool: running };
    }
    case 'resynced':
      return { ...state, status: state.final ? state.status : u.status, resyncs: state.resyncs + 1, lastResync: u.reason };
    case 'connectionRestored':
      return state;
    case 'finished':
      return {
        ...state,
        text: u.text,
        status: u.status,
        final: true,
        runningTool: null,
        usage: u.status === 'COMPLETED' ? (u.usage ?? null) : state.usage,
        stopReason: u.status === 'COMPLETED' ? (u.stopReason ?? null) : null,
        error: u.status === 'FAILED' || u.status === 'INTERRUPTED' ? { code: u.errorCode, message: u.errorMessage, retryable: u.retryable } : null,
      };
  }
}
