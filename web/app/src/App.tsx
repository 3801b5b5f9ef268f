import {
  ChatApiError,
  emptyAnswerView,
  isFinalStatus,
  newClientRequestId,
  onConnectionState,
  reduceAnswer,
  type Answer,
  type AnswerView,
  type ChatClient,
  type ConnectionState,
  type ConversationSummary,
  type Message,
} from '@appsyncchat/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { recentConversations, rememberConversation } from './recent';
import { useFrameState } from './useThrottled';

type Route = { page: 'new' } | { page: 'conversation'; conversationId: string };

function parseRoute(hash: string): Route {
  const m = /^#\/c\/([A-Za-z0-9-]{1,50})$/.exec(hash);
  return m ? { page: 'conversation', conversationId: m[1] } : { page: 'new' };
}

function useRoute(): [Route, (route: Route) => void] {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const go = useCallback((r: Route) => {
    location.hash = r.page === 'new' ? '#/' : `#/c/${r.conversationId}`;
  }, []);
  return [route, go];
}

/** A message sent from the new-conversation page: sent by the conversation view once it is subscribed. */
interface PendingSend {
  conversationId: string;
  text: string;
}

export function App({ client }: { client: ChatClient }) {
  const [route, go] = useRoute();
  const [connection, setConnection] = useState<ConnectionState | 'idle'>('idle');
  const [conversations, setConversations] = useState<ConversationSummary[]>([]);
  const [listError, setListError] = useState<string | null>(null);
  // 'browser' when the API refuses to list for this caller (the API key): the sidebar shows what this browser saw.
  const [listSource, setListSource] = useState<'api' | 'browser'>('api');
  const pending = useRef<PendingSend | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);

  useEffect(() => onConnectionState((state) => setConnection(state)), []);

  const refreshList = useCallback(() => {
    client.listConversations(50).then(
      (page) => {
        setConversations(page.items);
        setListSource('api');
        setListError(null);
      },
      (error: unknown) => {
        if (error instanceof ChatApiError && error.errorType === 'Unauthorized') {
          setConversations(recentConversations());
          setListSource('browser');
          setListError(null);
        } else {
          setListError(errorText(error));
        }
      },
    );
  }, [client]);
  useEffect(refreshList, [refreshList]);
  useEffect(() => setMenuOpen(false), [route]);

  const startConversation = useCallback(
    async (text: string) => {
      const created = await client.createConversation({ title: titleOf(text) });
      if (created) {
        pending.current = { conversationId: created.conversationId, text };
        go({ page: 'conversation', conversationId: created.conversationId });
      } else {
        // The API has no createConversation (older deployment): sendMessage creates it; catch-up recovers
        // any event published before the conversation view subscribed.
        const result = await client.api.sendMessage({ text, clientRequestId: newClientRequestId() });
        go({ page: 'conversation', conversationId: result.conversationId });
      }
      refreshList();
    },
    [client, go, refreshList],
  );

  const current = route.page === 'conversation' ? route.conversationId : null;
  return (
    <div className="app">
      <header className="topbar">
        <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="sidebar" onClick={() => setMenuOpen((o) => !o)}>
          ☰<span className="visually-hidden"> Conversations</span>
        </button>
        <h1>
          <a href="#/">AppSyncChat</a>
        </h1>
        <ConnectionBadge state={connection} />
      </header>
      <nav id="sidebar" className={menuOpen ? 'sidebar open' : 'sidebar'} aria-label="Conversations">
        <button type="button" className="new-button" onClick={() => go({ page: 'new' })}>
          + New conversation
        </button>
        {listError && <p className="error-text">Cannot list conversations: {listError}</p>}
        {listSource === 'browser' && <p className="hint">Opened in this browser</p>}
        <ul>
          {conversations.map((c) => (
            <li key={c.conversationId}>
              <a href={`#/c/${c.conversationId}`} aria-current={c.conversationId === current ? 'page' : undefined}>
                <span className="title">{c.title || 'Untitled'}</span>
                {c.lastMessagePreview && <span className="preview">{c.lastMessagePreview}</span>}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main className="main">
        {route.page === 'new' ? (
          <NewConversation onSend={startConversation} />
        ) : (
          <ConversationView key={route.conversationId} client={client} conversationId={route.conversationId} pending={pending} onChanged={refreshList} />
        )}
      </main>
    </div>
  );
}

function ConnectionBadge({ state }: { state: ConnectionState | 'idle' }) {
  const label = { idle: 'Not connected', connecting: 'Connecting…', connected: 'Live', disrupted: 'Reconnecting…', disconnected: 'Offline' }[state];
  return (
    <span className="connection" data-state={state} role="status" aria-label={`Connection: ${label}`} data-testid="connection">
      <span className="dot" aria-hidden="true" />
      {label}
    </span>
  );
}

function NewConversation({ onSend }: { onSend: (text: string) => Promise<void> }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="conversation empty" aria-label="New conversation">
      <div className="messages">
        <div className="welcome">
          <h2>Start a conversation</h2>
          <p>
            The answer streams to every window that shows this conversation. Try <code>[[tool=calculate]]</code>, <code>[[rate=20]]</code> or{' '}
            <code>[[fault=stream-error]] [[at=10]]</code> to steer the local model.
          </p>
        </div>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <Composer
        busy={false}
        onSend={async (text) => {
          setError(null);
          try {
            await onSend(text);
            return true;
          } catch (e) {
            setError(errorText(e));
            return false;
          }
        }}
      />
    </section>
  );
}

function ConversationView({
  client,
  conversationId,
  pending,
  onChanged,
}: {
  client: ChatClient;
  conversationId: string;
  pending: React.RefObject<PendingSend | null>;
  onChanged: () => void;
}) {
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [title, setTitle] = useState<string | null>(null);
  const [live, setLive, getLive] = useFrameState<AnswerView>(emptyAnswerView);
  const [error, setError] = useState<string | null>(null);
  const [acting, setActing] = useState(false);
  const [subscribed, setSubscribed] = useState(false);
  const listEnd = useRef<HTMLDivElement>(null);

  const reload = useCallback(async () => {
    try {
      const c = await client.getConversation(conversationId);
      if (!c) {
        setError('This conversation does not exist (or belongs to someone else).');
        return;
      }
      setMessages(c.messages);
      setTitle(c.title ?? null);
      rememberConversation(c);
      onChanged(); // the sidebar shows it at once, also when it lists what this browser saw
    } catch (e) {
      setError(errorText(e));
    }
  }, [client, conversationId, onChanged]);

  // Follow the conversation: the active answer, and every answer started later (from any window).
  useEffect(() => {
    let answer: Answer | null = null;
    let cancelled = false;
    let view = emptyAnswerView;
    void reload();
    client
      .follow({ conversationId, followNewMessages: true }, (update) => {
        view = reduceAnswer(view, update);
        setLive(view);
        if (update.kind === 'following' || update.kind === 'finished') {
          void reload(); // which refreshes the sidebar once the conversation is read
        }
      })
      .then(
        async (a) => {
          if (cancelled) {
            a.close();
            return;
          }
          answer = a;
          setSubscribed(true);
          a.done.catch((e: unknown) => !cancelled && setError(`Following stopped: ${errorText(e)}`));
          // The new-conversation flow: createConversation → subscribed (now) → sendMessage.
          const p = pending.current;
          if (p && p.conversationId === conversationId) {
            pending.current = null;
            try {
              await client.api.sendMessage({ conversationId, text: p.text, clientRequestId: newClientRequestId() });
              await reload();
            } catch (e) {
              setError(errorText(e));
            }
          }
        },
        (e: unknown) => !cancelled && setError(`Cannot subscribe: ${errorText(e)}`),
      );
    return () => {
      cancelled = true;
      answer?.close();
    };
  }, [client, conversationId, reload, setLive, pending]);

  useEffect(() => {
    listEnd.current?.scrollIntoView({ block: 'end' });
  }, [messages?.length, live.text.length > 0]);

  const running = live.messageId !== null && !live.final && (live.status === 'QUEUED' || live.status === 'STREAMING');
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    setActing(true);
    try {
      await f();
      await reload();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    } finally {
      setActing(false);
    }
  };
  const send = (text: string) => act(() => client.api.sendMessage({ conversationId, text, clientRequestId: newClientRequestId() }));
  const stop = () => {
    const id = getLive().messageId;
    if (id) void act(() => client.stop(conversationId, id));
  };
  const regenerate = () => act(() => client.api.regenerate({ conversationId, clientRequestId: newClientRequestId() }));

  const shown = messages ?? [];
  const lastAssistant = [...shown].reverse().find((m) => m.role === 'ASSISTANT');
  const liveInList = live.messageId !== null && shown.some((m) => m.messageId === live.messageId);
  return (
    <section className="conversation" aria-label={title ?? 'Conversation'} data-subscribed={subscribed}>
      <h2 className="conversation-title">{title ?? '…'}</h2>
      <div className="messages">
        {messages === null && !error && <p className="muted">Loading…</p>}
        {shown.map((m) =>
          m.role === 'USER' ? (
            <UserMessage key={m.messageId} text={m.text} />
          ) : m.messageId === live.messageId ? (
            <AssistantMessage key={m.messageId} view={live} live isLast={m.messageId === lastAssistant?.messageId} onRetry={regenerate} onRegenerate={regenerate} disabled={acting || running} />
          ) : (
            <AssistantMessage key={m.messageId} view={viewOf(m)} isLast={m.messageId === lastAssistant?.messageId} onRetry={regenerate} onRegenerate={regenerate} disabled={acting || running} />
          ),
        )}
        {live.messageId !== null && !liveInList && messages !== null && <AssistantMessage view={live} live isLast onRetry={regenerate} onRegenerate={regenerate} disabled />}
        <div ref={listEnd} />
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <Composer busy={running || acting} onSend={send} onStop={running ? stop : undefined} />
    </section>
  );
}

function viewOf(m: Message): AnswerView {
  return {
    ...emptyAnswerView,
    messageId: m.messageId,
    text: m.text,
    status: m.status,
    final: isFinalStatus(m.status),
    turn: m.turn,
    usage: m.usage ?? null,
    stopReason: m.stopReason ?? null,
    error: m.error ?? null,
  };
}

function UserMessage({ text }: { text: string }) {
  return (
    <article className="message user" aria-label="You">
      <div className="bubble">{text}</div>
    </article>
  );
}

const statusLabel: Record<string, string> = {
  QUEUED: 'Waiting for the model…',
  STREAMING: 'Answering…',
  COMPLETED: '',
  CANCELLED: 'Stopped',
  INTERRUPTED: 'Interrupted — partial answer',
  FAILED: 'Failed',
};

function AssistantMessage({
  view,
  live = false,
  isLast,
  onRetry,
  onRegenerate,
  disabled,
}: {
  view: AnswerView;
  live?: boolean;
  isLast: boolean;
  onRetry: () => void;
  onRegenerate: () => void;
  disabled: boolean;
}) {
  const streaming = !view.final && (view.status === 'STREAMING' || view.status === 'QUEUED');
  const failed = view.status === 'FAILED' || view.status === 'INTERRUPTED';
  return (
    <article className={`message assistant status-${view.status.toLowerCase()}`} aria-label="Assistant" data-testid="assistant-message" data-message-id={view.messageId ?? ''} data-status={view.status}>
      <div className="bubble">
        {/* The streaming answer: announced politely, and only once complete (aria-busy while it streams). */}
        <div className="answer-text" data-testid={live ? 'live-answer' : 'answer'} aria-live={live ? 'polite' : undefined} aria-busy={live ? streaming : undefined}>
          {view.text}
          {streaming && <span className="cursor" aria-hidden="true" />}
        </div>
        {view.runningTool && (
          <p className="tool" role="status" data-testid="tool-progress">
            <span className="spinner" aria-hidden="true" />{' '}
            {view.runningTool.status === 'running' ? `running ${view.runningTool.name}…` : `${view.runningTool.name} done, continuing…`}
          </p>
        )}
        {failed && view.error && (
          <p className="answer-error" role="alert" data-testid="answer-error">
            {view.status === 'INTERRUPTED' ? 'The answer was interrupted' : 'The answer failed'}: {view.error.message} <span className="code">({view.error.code})</span>
          </p>
        )}
      </div>
      <footer className="meta">
        {statusLabel[view.status] && (
          <span className="state" data-testid="answer-state">
            {statusLabel[view.status]}
          </span>
        )}
        {view.usage && (
          <span className="usage" data-testid="usage" title="Token usage of this answer">
            {view.usage.inputTokens} in · {view.usage.outputTokens} out · {view.usage.totalTokens} tokens
          </span>
        )}
        {view.tools.length > 0 && !view.runningTool && <span className="tools">tools: {view.tools.map((t) => t.name).join(', ')}</span>}
        {isLast && view.final && failed && (
          <button type="button" onClick={onRetry} disabled={disabled}>
            Retry
          </button>
        )}
        {isLast && view.final && !failed && (
          <button type="button" onClick={onRegenerate} disabled={disabled}>
            Regenerate
          </button>
        )}
      </footer>
    </article>
  );
}

function Composer({ busy, onSend, onStop }: { busy: boolean; onSend: (text: string) => Promise<boolean>; onStop?: () => void }) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = async () => {
    const value = text.trim();
    if (!value || busy || sending) return;
    setSending(true);
    const ok = await onSend(value);
    setSending(false);
    if (ok) setText('');
    input.current?.focus();
  };
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label htmlFor="message" className="visually-hidden">
        Message
      </label>
      <textarea
        id="message"
        ref={input}
        value={text}
        rows={2}
        placeholder="Message (Enter to send, Shift+Enter for a new line)"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            void submit();
          }
        }}
      />
      {onStop ? (
        <button type="button" className="stop" onClick={onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" disabled={busy || sending || !text.trim()}>
          Send
        </button>
      )}
    </form>
  );
}

function titleOf(text: string): string {
  const clean = text.replace(/\[\[[^\]]*\]\]/g, '').replace(/\s+/g, ' ').trim();
  return clean.length > 60 ? `${clean.slice(0, 57)}…` : clean || 'New conversation';
}

function errorText(e: unknown): string {
  if (e instanceof ChatApiError) return `${e.message} (${e.errorType})`;
  return (e as Error)?.message ?? String(e);
}
